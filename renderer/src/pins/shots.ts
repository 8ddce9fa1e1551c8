// Shots of the open film and the pins in each: a pin holds from its frame to the next cut, so it
// belongs to the shot that contains its frame.

export interface PinLike {
  t?: number;
  x: number;
  y: number;
  color: string;
}

export interface Shot {
  /** 0-based place of the shot in the film. */
  index: number;
  first: number;
  /** Last frame, inclusive. */
  last: number;
}

export interface ShotPins<P extends PinLike> {
  shot: Shot;
  /** The pins of this shot with their place in the hints document, in frame order. */
  pins: { pin: P; index: number; frame: number }[];
}

/** The frame a pin at `t` seconds is on (the engine's own rule, pin-stage.ts pinFrame). */
export function pinFrame(t: number | undefined, fps: number): number {
  return Math.max(0, Math.floor((t ?? 0) * fps + 1e-6));
}

/** The seconds a pin on `frame` carries: the middle of the frame, so rounding never moves it to a neighbour. */
export function frameTime(frame: number, fps: number): number {
  return Math.round(((frame + 0.5) / fps) * 1e6) / 1e6;
}

/** The film's shots from its cuts (first frames of new shots). */
export function shotsOf(cuts: readonly number[], frameCount: number): Shot[] {
  const last = Math.max(0, frameCount - 1);
  const starts = [0, ...[...new Set(cuts)].filter((cut) => cut > 0 && cut <= last).sort((a, b) => a - b)];
  return starts.map((first, index) => ({ index, first, last: index + 1 < starts.length ? starts[index + 1]! - 1 : last }));
}

/** The shot holding `frame`. */
function shotAt(shots: readonly Shot[], frame: number): Shot {
  let found = shots[0] ?? { index: 0, first: 0, last: frame };
  for (const shot of shots) if (shot.first <= frame) found = shot;
  return found;
}

/** Pins grouped by shot (shots without pins left out), each group in frame order. */
export function pinsByShot<P extends PinLike>(pins: readonly P[], shots: readonly Shot[], fps: number): ShotPins<P>[] {
  const groups = new Map<number, ShotPins<P>>();
  pins.forEach((pin, index) => {
    const frame = pinFrame(pin.t, fps);
    const shot = shotAt(shots, frame);
    const group = groups.get(shot.index) ?? { shot, pins: [] };
    group.pins.push({ pin, index, frame });
    groups.set(shot.index, group);
  });
  return [...groups.values()]
    .sort((a, b) => a.shot.index - b.shot.index)
    .map((group) => ({ ...group, pins: group.pins.sort((a, b) => a.frame - b.frame || a.index - b.index) }));
}

/** Pins that hold on `frame`: put in the same shot on this frame or before it. */
export function activePins<P extends PinLike>(
  pins: readonly P[],
  shots: readonly Shot[],
  fps: number,
  frame: number,
): { pin: P; index: number; frame: number }[] {
  const shot = shotAt(shots, frame);
  const out: { pin: P; index: number; frame: number }[] = [];
  pins.forEach((pin, index) => {
    const at = pinFrame(pin.t, fps);
    if (at <= frame && at >= shot.first) out.push({ pin, index, frame: at });
  });
  return out;
}
