// Where each film pin is on each frame. A pin holds from its frame to the end of its shot: the
// tracker finds cuts with the stabilizer's own scene-cut detector (same tuning, same working grid,
// so both see the same cuts) and moves each live pin by the stabilizer's block motion estimate
// (texture-weighted around the pin, so flat blocks that cannot see motion do not pin it in place).
//
// Frames must come in order. Exactness across resumes and --from: the tracker's history starts
// LEAD_IN frames before the first pin (frames before that are ignored), and whenever no pin is live
// and the next one is more than LEAD_IN frames away it goes dormant and starts afresh LEAD_IN frames
// before it. So its state at a frame depends only on the film and the pins, never on where a render
// started; `wantedFrom` says which frame a late start must feed it from (see PinStage.warmUp in pin-stage.ts).
import { DEFAULT_MOTION_TUNING, LumaPyramid, estimateMotion, type MotionField } from '../pipeline/motion.js';
import { SceneCutDetector } from '../pipeline/scene-cuts.js';
import { STABILIZE_TUNING } from '../pipeline/stabilize.js';
import { halve } from '../pipeline/stabilize-kernels.js';
import type { PlacedPin } from './hint-planes.js';

/** Frames the scene-cut detector sees before a pin's frame (its running statistics settle). */
const LEAD_IN = 25;

/** A pin on the film's frame numbering, colour as chroma offsets. */
export interface FramePin extends PlacedPin {
  frame: number;
}

interface LivePin {
  pin: FramePin & { order: number };
  /** Position on the working grid, in grid pixels (pixel i covers [i, i+1)). */
  x: number;
  y: number;
}

export class PinTracker {
  /** Sorted by frame; `order` is the pin's place in the file. */
  private readonly pins: (FramePin & { order: number })[];
  private readonly halved: boolean;
  private readonly gridWidth: number;
  private readonly gridHeight: number;
  private detector = new SceneCutDetector(STABILIZE_TUNING.sceneCuts);
  private previous: LumaPyramid | null = null;
  private live: LivePin[] = [];
  /** Index into `pins` of the first pin not started yet (pins are sorted by frame, stable). */
  private nextPin = 0;
  /** First frame of the current history; frames before it are ignored. */
  private epochStart: number;
  private lastFrame = -1;
  private readonly foundCuts: number[] = [];

  constructor(
    pins: readonly FramePin[],
    readonly width: number,
    readonly height: number,
  ) {
    this.pins = pins.map((p, order) => ({ ...p, order })).sort((a, b) => a.frame - b.frame || a.order - b.order);
    this.halved = STABILIZE_TUNING.halveAbovePixels > 0 && width * height > STABILIZE_TUNING.halveAbovePixels;
    this.gridWidth = this.halved ? (width + 1) >> 1 : width;
    this.gridHeight = this.halved ? (height + 1) >> 1 : height;
    this.epochStart = this.pins.length > 0 ? Math.max(0, this.pins[0].frame - LEAD_IN) : Infinity;
  }

  /** Cuts seen so far (first frame of each new shot). */
  get cuts(): number[] {
    return this.foundCuts.slice();
  }

  /** The frame the tracker needs next: feed it every frame from here (Infinity: no pins left). */
  get wantedFrom(): number {
    return this.lastFrame >= this.epochStart ? this.lastFrame + 1 : this.epochStart;
  }

  /**
   * Feeds frame `index` (the model's input luma, width × height, [0,1]); returns the pins active on
   * it, in the file's order (later ones win where they overlap).
   */
  step(index: number, luma: Float32Array): PlacedPin[] {
    if (index < this.epochStart) return [];
    if (index !== this.wantedFrom) this.restart(index); // a gap: nothing is known about what was skipped
    this.lastFrame = index;
    const grid = this.halved
      ? halve(luma, this.width, this.height, new Float32Array(this.gridWidth * this.gridHeight))
      : Float32Array.from(luma);
    const cut = this.detector.push(grid, this.gridWidth, this.gridHeight);
    if (cut) {
      this.foundCuts.push(index);
      this.live = [];
    }
    const pyramid = new LumaPyramid(grid, this.gridWidth, this.gridHeight);
    if (this.live.length > 0 && this.previous) this.move(pyramid, this.previous);
    this.previous = pyramid;
    while (this.nextPin < this.pins.length && this.pins[this.nextPin].frame <= index) {
      const pin = this.pins[this.nextPin++];
      if (pin.frame === index) this.live.push({ pin, x: pin.x * this.gridWidth, y: pin.y * this.gridHeight });
    }
    const active = [...this.live]
      .sort((a, b) => a.pin.order - b.pin.order)
      .map(({ pin, x, y }) => ({ x: x / this.gridWidth, y: y / this.gridHeight, cb: pin.cb, cr: pin.cr, id: pin.order }));
    if (this.live.length === 0) {
      const upcoming = this.pins[this.nextPin];
      if (!upcoming) this.sleepUntil(Infinity);
      else if (upcoming.frame - LEAD_IN > index + 1) this.sleepUntil(upcoming.frame - LEAD_IN);
    }
    return active;
  }

  private sleepUntil(frame: number): void {
    this.epochStart = frame;
    this.detector = new SceneCutDetector(STABILIZE_TUNING.sceneCuts);
    this.previous = null;
  }

  private restart(index: number): void {
    this.sleepUntil(index);
    this.live = [];
    while (this.nextPin < this.pins.length && this.pins[this.nextPin].frame < index) this.nextPin++;
  }

  /** Moves every live pin from the previous frame to this one; pins that leave the picture end. */
  private move(current: LumaPyramid, previous: LumaPyramid): void {
    const field = estimateMotion(current, previous, STABILIZE_TUNING.motion ?? DEFAULT_MOTION_TUNING);
    const texture = blockTexture(current.full, this.gridWidth, this.gridHeight, field);
    const kept: LivePin[] = [];
    for (const live of this.live) {
      // current(p) ≈ previous(p + v): the pin at q moves to the p where p + v(p) = q.
      let px = live.x;
      let py = live.y;
      for (let iteration = 0; iteration < 3; iteration++) {
        const [vx, vy] = vectorAt(field, texture, px, py);
        px = live.x - vx;
        py = live.y - vy;
      }
      if (px < -0.5 || py < -0.5 || px > this.gridWidth + 0.5 || py > this.gridHeight + 0.5) continue;
      kept.push({
        pin: live.pin,
        x: Math.min(this.gridWidth - 1e-3, Math.max(0, px)),
        y: Math.min(this.gridHeight - 1e-3, Math.max(0, py)),
      });
    }
    this.live = kept;
  }
}

/** Per block: the luma's standard deviation in 8-bit levels (how much motion the block can show). */
function blockTexture(luma: Float32Array, width: number, height: number, field: MotionField): Float32Array {
  const { blockSize: B, blocksX, blocksY } = field;
  const out = new Float32Array(blocksX * blocksY);
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let sum = 0;
      let sum2 = 0;
      let count = 0;
      for (let y = by * B; y < Math.min(height, by * B + B); y++) {
        for (let x = bx * B; x < Math.min(width, bx * B + B); x++) {
          const v = luma[y * width + x] * 255;
          sum += v;
          sum2 += v * v;
          count++;
        }
      }
      const mean = sum / Math.max(1, count);
      out[by * blocksX + bx] = Math.sqrt(Math.max(0, sum2 / Math.max(1, count) - mean * mean));
    }
  }
  return out;
}

/** The motion at (x, y): block vectors of the 3 × 3 blocks around it, weighted by texture and nearness. */
function vectorAt(field: MotionField, texture: Float32Array, x: number, y: number): [number, number] {
  const { blockSize: B, blocksX, blocksY } = field;
  const bx = Math.min(blocksX - 1, Math.max(0, Math.floor(x / B)));
  const by = Math.min(blocksY - 1, Math.max(0, Math.floor(y / B)));
  const spread = 0.75 * B;
  let wSum = 0;
  let vxSum = 0;
  let vySum = 0;
  for (let j = Math.max(0, by - 1); j <= Math.min(blocksY - 1, by + 1); j++) {
    for (let i = Math.max(0, bx - 1); i <= Math.min(blocksX - 1, bx + 1); i++) {
      const dx = (i + 0.5) * B - x;
      const dy = (j + 0.5) * B - y;
      const k = j * blocksX + i;
      const w = (texture[k] + 0.05) * Math.exp(-(dx * dx + dy * dy) / (2 * spread * spread));
      wSum += w;
      vxSum += w * field.vx[k];
      vySum += w * field.vy[k];
    }
  }
  return wSum > 0 ? [vxSum / wSum, vySum / wSum] : [0, 0];
}
