// Exact arithmetic on frame rates and stream timestamps. Frame numbering has to agree with what
// ffmpeg's fps filter does to the last tick, so this mirrors libavutil's rational helpers.

export interface Rational {
  num: number;
  den: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

export function reduce(r: Rational): Rational {
  const g = gcd(r.num, r.den) || 1;
  const sign = r.den < 0 ? -1 : 1;
  return { num: (sign * r.num) / g, den: (sign * r.den) / g };
}

/** Parses ffprobe's "30000/1001", "16:9" or "25"; undefined for "0/0", "N/A" and other non-values. */
export function parseRational(text: string | undefined): Rational | undefined {
  if (!text) return undefined;
  const match = /^\s*(-?\d+)\s*(?:[/:]\s*(\d+))?\s*$/.exec(text);
  if (!match) return undefined;
  const num = Number(match[1]);
  const den = match[2] === undefined ? 1 : Number(match[2]);
  if (!Number.isFinite(num) || !Number.isFinite(den) || num === 0 || den === 0) return undefined;
  return reduce({ num, den });
}

export function toNumber(r: Rational): number {
  return r.num / r.den;
}

export function formatRational(r: Rational, separator = '/'): string {
  return `${r.num}${separator}${r.den}`;
}

/**
 * av_rescale_q_rnd(value, from, to, AV_ROUND_NEAR_INF): value*from/to rounded to the nearest
 * integer, halves away from zero. BigInt keeps it exact for any realistic timestamp.
 */
export function rescaleRounded(value: number, from: Rational, to: Rational): number {
  const numerator = BigInt(value) * BigInt(from.num) * BigInt(to.den);
  const denominator = BigInt(from.den) * BigInt(to.num);
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const rounded = (2n * n + d) / (2n * d);
  return Number(negative ? -rounded : rounded);
}

/** The tick of a CFR output at `rate` that ffmpeg's fps filter gives a timestamp (pts in timeBase). */
export function ptsToFrameTick(pts: number, timeBase: Rational, rate: Rational): number {
  return rescaleRounded(pts, timeBase, { num: rate.den, den: rate.num });
}

const STANDARD_RATES: Rational[] = [
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
  { num: 120, den: 1 },
  { num: 12, den: 1 },
  { num: 15, den: 1 },
  { num: 16, den: 1 },
  { num: 18, den: 1 },
  { num: 20, den: 1 },
  { num: 10, den: 1 },
];

/**
 * A render rate for a variable-rate film: the nearest broadcast/film rate within 1%, otherwise the
 * average rounded to 1/100 fps (a small, exact rational the fps filter and x264 are happy with).
 */
export function sensibleFrameRate(fps: number): Rational {
  let best: Rational | undefined;
  let bestError = Infinity;
  for (const rate of STANDARD_RATES) {
    const error = Math.abs(toNumber(rate) / fps - 1);
    if (error < bestError) {
      best = rate;
      bestError = error;
    }
  }
  if (best && bestError <= 0.01) return best;
  return reduce({ num: Math.max(1, Math.round(fps * 100)), den: 100 });
}
