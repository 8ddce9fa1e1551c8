// Hard-cut detection from the small luma the model sees. Two cheap features per frame: a luma
// histogram and a coarse grid of cell means. A cut is a frame whose grid difference to the previous
// frame (after removing a global brightness shift, so film flicker does not count) jumps well above
// the shot's recent level. Shot/reverse-shot cuts in one room keep nearly the same histogram, so the
// histogram only has to confirm weakly (it rejects a pure rearrangement of the same tones).

export interface SceneCutTuning {
  histogramBins: number;
  gridColumns: number;
  gridRows: number;
  /** Grid difference (8-bit levels) below which a frame is never a cut. */
  minGridDifference: number;
  /** A cut needs a grid difference above recentMean + adaptiveFactor × recentDeviation… */
  adaptiveFactor: number;
  /** …and above recentRatio × recentMean. */
  recentRatio: number;
  /** A cut needs at least this histogram distance (half the L1 distance, 0–1)… */
  minHistogramDistance: number;
  /** …unless the grid difference alone is this large. */
  strongGridDifference: number;
  /** Frames after a cut during which no other cut is reported (flashes, cross-cut jitter). */
  minShotFrames: number;
  /** Weight of the newest frame in the running statistics of the shot. */
  statsRate: number;
}

export const DEFAULT_SCENE_CUT_TUNING: SceneCutTuning = {
  histogramBins: 32,
  gridColumns: 16,
  gridRows: 12,
  minGridDifference: 12,
  adaptiveFactor: 6,
  recentRatio: 3,
  minHistogramDistance: 0.05,
  strongGridDifference: 30,
  minShotFrames: 5,
  statsRate: 0.1,
};

export interface SceneCutScores {
  /** Mean absolute difference of grid cells, global shift removed, in 8-bit levels. */
  gridDifference: number;
  /** Half the L1 distance between normalized luma histograms, 0–1. */
  histogramDistance: number;
  /** The grid difference a cut needed at this frame. */
  threshold: number;
}

const STATE_VERSION = 1;

export class SceneCutDetector {
  private readonly tuning: SceneCutTuning;
  private previousHistogram: Float64Array;
  private previousGrid: Float64Array;
  private histogram: Float64Array;
  private grid: Float64Array;
  private hasPrevious = false;
  private framesSinceCut = 0;
  private recentMean = 0;
  private recentDeviation = 0;
  private columnCell = new Int32Array(0);
  private rowCell = new Int32Array(0);
  private cellCounts = new Float64Array(0);
  private featureWidth = -1;
  private featureHeight = -1;
  private scores: SceneCutScores | null = null;

  constructor(tuning: Partial<SceneCutTuning> = {}) {
    this.tuning = { ...DEFAULT_SCENE_CUT_TUNING, ...tuning };
    const cells = this.tuning.gridColumns * this.tuning.gridRows;
    this.previousHistogram = new Float64Array(this.tuning.histogramBins);
    this.histogram = new Float64Array(this.tuning.histogramBins);
    this.previousGrid = new Float64Array(cells);
    this.grid = new Float64Array(cells);
  }

  /** Scores of the latest frame against the one before (null for the first); for logging and tuning. */
  get lastScores(): SceneCutScores | null {
    return this.scores;
  }

  /** Feeds the next frame's luma ([0,1]); returns true when this frame starts a new shot. */
  push(luma: Float32Array, width: number, height: number): boolean {
    this.computeFeatures(luma, width, height);
    let cut = false;
    if (this.hasPrevious) {
      const t = this.tuning;
      const gridDifference = this.gridDifference();
      const histogramDistance = this.histogramDistance();
      const threshold = Math.max(
        t.minGridDifference,
        this.recentMean + t.adaptiveFactor * this.recentDeviation,
        t.recentRatio * this.recentMean,
      );
      this.scores = { gridDifference, histogramDistance, threshold };
      this.framesSinceCut++;
      const looksLikeCut =
        gridDifference > threshold && (histogramDistance >= t.minHistogramDistance || gridDifference >= t.strongGridDifference);
      if (looksLikeCut && this.framesSinceCut >= t.minShotFrames) {
        cut = true;
        this.framesSinceCut = 0;
        this.recentMean = 0;
        this.recentDeviation = 0;
      } else if (!looksLikeCut) {
        const a = t.statsRate;
        this.recentDeviation = (1 - a) * this.recentDeviation + a * Math.abs(gridDifference - this.recentMean);
        this.recentMean = (1 - a) * this.recentMean + a * gridDifference;
      }
    } else {
      this.scores = null;
      this.framesSinceCut = 0;
    }
    // Swap feature buffers: the current frame becomes the previous one.
    [this.previousHistogram, this.histogram] = [this.histogram, this.previousHistogram];
    [this.previousGrid, this.grid] = [this.grid, this.previousGrid];
    this.hasPrevious = true;
    return cut;
  }

  /** Everything that influences future decisions, as numbers (see restore). */
  saveState(): Float64Array {
    const bins = this.previousHistogram.length;
    const cells = this.previousGrid.length;
    const state = new Float64Array(7 + bins + cells);
    state[0] = STATE_VERSION;
    state[1] = bins;
    state[2] = cells;
    state[3] = this.hasPrevious ? 1 : 0;
    state[4] = this.framesSinceCut;
    state[5] = this.recentMean;
    state[6] = this.recentDeviation;
    state.set(this.previousHistogram, 7);
    state.set(this.previousGrid, 7 + bins);
    return state;
  }

  loadState(state: Float64Array): void {
    const bins = this.previousHistogram.length;
    const cells = this.previousGrid.length;
    if (state.length !== 7 + bins + cells || state[0] !== STATE_VERSION || state[1] !== bins || state[2] !== cells) {
      throw new Error('Scene-cut detector state does not match this detector’s settings.');
    }
    this.hasPrevious = state[3] === 1;
    this.framesSinceCut = state[4];
    this.recentMean = state[5];
    this.recentDeviation = state[6];
    this.previousHistogram.set(state.subarray(7, 7 + bins));
    this.previousGrid.set(state.subarray(7 + bins, 7 + bins + cells));
  }

  private computeFeatures(luma: Float32Array, width: number, height: number): void {
    const { histogramBins: bins, gridColumns: cols, gridRows: rows } = this.tuning;
    if (width !== this.featureWidth || height !== this.featureHeight) {
      this.columnCell = new Int32Array(width);
      for (let x = 0; x < width; x++) this.columnCell[x] = Math.min(cols - 1, Math.floor((x * cols) / width));
      this.rowCell = new Int32Array(height);
      for (let y = 0; y < height; y++) this.rowCell[y] = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
      this.cellCounts = new Float64Array(cols * rows);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.cellCounts[this.rowCell[y] + this.columnCell[x]]++;
      this.featureWidth = width;
      this.featureHeight = height;
    }
    const histogram = this.histogram;
    const grid = this.grid;
    histogram.fill(0);
    grid.fill(0);
    const columnCell = this.columnCell;
    for (let y = 0; y < height; y++) {
      const rowBase = this.rowCell[y];
      let i = y * width;
      for (let x = 0; x < width; x++, i++) {
        const v = luma[i];
        let bin = (v * bins) | 0;
        bin = bin < 0 ? 0 : bin >= bins ? bins - 1 : bin;
        histogram[bin]++;
        grid[rowBase + columnCell[x]] += v;
      }
    }
    const total = width * height;
    for (let b = 0; b < bins; b++) histogram[b] /= total;
    for (let c = 0; c < grid.length; c++) grid[c] = this.cellCounts[c] > 0 ? (255 * grid[c]) / this.cellCounts[c] : 0;
  }

  private gridDifference(): number {
    const cells = this.grid.length;
    let shift = 0;
    for (let c = 0; c < cells; c++) shift += this.grid[c] - this.previousGrid[c];
    shift /= cells;
    let sum = 0;
    for (let c = 0; c < cells; c++) sum += Math.abs(this.grid[c] - this.previousGrid[c] - shift);
    return sum / cells;
  }

  private histogramDistance(): number {
    let sum = 0;
    for (let b = 0; b < this.histogram.length; b++) sum += Math.abs(this.histogram[b] - this.previousHistogram[b]);
    return 0.5 * sum;
  }
}
