// Per-pixel kernels of the chroma stabilizer and its block motion search, compiled to WebAssembly
// with 128-bit SIMD (scripts/build-wasm.sh; stabilize-kernels.ts loads them). Each loop is written
// so that clang vectorizes it: no branches in the inner loops (selects instead) and restrict planes.
//
// Block warps take the full bilinear sum everywhere. On a whole-pixel block (weights exactly
// 1, 0, 0, 0: every still block, see MotionTuning.stillSnap) that sum is the one tap itself, bit
// for bit, as long as the planes are finite — a still picture stays exactly still.
//
// All pointers are byte offsets into the module's memory, which the caller fills and reads.

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define R __restrict__

typedef struct {
  int width, height, blockSize, blocksX, blocksY;
  const int32_t *offset;
  const float *w00, *w01, *w10, *w11;
} Warp;

static inline float fabs_(float v) { return __builtin_fabsf(v); }
static inline float fmin_(float a, float b) { return a < b ? a : b; }
static inline float fmax_(float a, float b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

/**
 * The walk of every warp kernel: BODY runs for each row y of each block, with the block's columns
 * x0 ≤ x < x1, its taps' offset o and its bilinear weights a, b, c, d in scope. It reads `warp`,
 * `W`, `H` and `B` (width, height, block size) from the kernel. A macro rather than a function with
 * a callback, so that each kernel's row loop stays a plain loop clang vectorizes.
 */
#define FOR_EACH_BLOCK_ROW(...)                                                                       \
  for (int by = 0; by < warp->blocksY; by++) {                                                        \
    const int y0 = by * B, y1 = imin(H, y0 + B);                                                      \
    for (int bx = 0; bx < warp->blocksX; bx++) {                                                      \
      const int k = by * warp->blocksX + bx;                                                          \
      const int x0 = bx * B, x1 = imin(W, x0 + B);                                                    \
      const int o = warp->offset[k];                                                                  \
      const float a = warp->w00[k], b = warp->w01[k], c = warp->w10[k], d = warp->w11[k];             \
      for (int y = y0; y < y1; y++) __VA_ARGS__                                                       \
    }                                                                                                 \
  }

// ---------------------------------------------------------------------------------------------
// Agreement: warped luma mismatch, its 3×3 mean as trust, and the drift from a state's mean luma
// ---------------------------------------------------------------------------------------------

static uint32_t histogram[256];

/** |current − warped reference − shift| into out; returns the median in 8-bit levels (quarter-level bins). */
EXPORT(warped_mismatch)
float warped_mismatch(const float *R current, const float *R reference, const Warp *warp, float shift, float *R out) {
  const int W = warp->width, H = warp->height, B = warp->blockSize;
  for (int i = 0; i < 256; i++) histogram[i] = 0;
  FOR_EACH_BLOCK_ROW({
    const float *R r0 = reference + y * W + o;
    const float *R r1 = r0 + W;
    const float *R cur = current + y * W;
    float *R m = out + y * W;
    for (int x = x0; x < x1; x++) m[x] = fabs_(cur[x] - (a * r0[x] + b * r0[x + 1] + c * r1[x] + d * r1[x + 1]) - shift);
  });
  const int n = W * H;
  for (int i = 0; i < n; i++) histogram[(int)fmin_(out[i] * 1020.0f, 255.0f)]++;
  uint32_t seen = 0;
  for (int bin = 0; bin < 256; bin++) {
    seen += histogram[bin];
    if (2 * seen >= (uint32_t)n) return ((float)bin + 0.5f) / 4.0f;
  }
  return 64.0f;
}

/** Horizontal 3-tap sums with the edges replicated (the first pass of a 3×3 mean). */
static void row_sums(const float *R values, int W, int H, float *R rows) {
  for (int y = 0; y < H; y++) {
    const float *R v = values + y * W;
    float *R r = rows + y * W;
    r[0] = 2.0f * v[0] + v[1];
    for (int x = 1; x < W - 1; x++) r[x] = v[x - 1] + v[x] + v[x + 1];
    r[W - 1] = v[W - 2] + 2.0f * v[W - 1];
  }
}

/** 3×3 mean of the mismatch mapped to trust: 1 up to tolerance, 0 from zeroAt. */
EXPORT(trust_from_mismatch)
void trust_from_mismatch(const float *R mismatch, int W, int H, float tolerance, float zeroAt, float *R rows, float *R out) {
  row_sums(mismatch, W, H, rows);
  const float scale = 1.0f / (9.0f * (zeroAt - tolerance));
  const float bias = zeroAt / (zeroAt - tolerance);
  for (int y = 0; y < H; y++) {
    const float *R up = rows + (y > 0 ? y - 1 : y) * W;
    const float *R mid = rows + y * W;
    const float *R down = rows + (y < H - 1 ? y + 1 : y) * W;
    float *R o = out + y * W;
    for (int x = 0; x < W; x++) o[x] = fmin_(1.0f, fmax_(0.0f, bias - (up[x] + mid[x] + down[x]) * scale));
  }
}

/** |3×3 mean of (current − shift − warped state luma)| into out (rows: scratch). */
EXPORT(luma_drift)
void luma_drift(const float *R current, const float *R stateLuma, const Warp *warp, float shift, float *R rows, float *R out) {
  const int W = warp->width, H = warp->height, B = warp->blockSize;
  FOR_EACH_BLOCK_ROW({
    const float *R s0 = stateLuma + y * W + o;
    const float *R s1 = s0 + W;
    const float *R cur = current + y * W;
    float *R diff = out + y * W;
    for (int x = x0; x < x1; x++) diff[x] = cur[x] - shift - (a * s0[x] + b * s0[x + 1] + c * s1[x] + d * s1[x + 1]);
  });
  row_sums(out, W, H, rows);
  for (int y = 0; y < H; y++) {
    const float *R up = rows + (y > 0 ? y - 1 : y) * W;
    const float *R mid = rows + y * W;
    const float *R down = rows + (y < H - 1 ? y + 1 : y) * W;
    float *R o = out + y * W;
    for (int x = 0; x < W; x++) o[x] = fabs_((up[x] + mid[x] + down[x]) / 9.0f);
  }
}

// ---------------------------------------------------------------------------------------------
// The running average, forward and backward, and the output
// ---------------------------------------------------------------------------------------------

/** cb, cr, magnitude, weight, luma planes of a state (weight unused for a frame). */
typedef struct {
  float *cb, *cr, *magnitude, *weight, *luma;
} Planes;

static inline __attribute__((always_inline)) void blend_row(int x0, int x1, int r, int o, int W, float a, float b, float c, float d,
                                                             const Planes *outP, const Planes *frameP, const Planes *stateP,
                                                             const float *R trust, const float *R drift, const int hasDrift, float limit,
                                                             float rise, float stillTrustFrom, float driftZero, float inverseTolerance) {
  const float *R fCb = frameP->cb, *R fCr = frameP->cr, *R fMag = frameP->magnitude, *R fL = frameP->luma;
  const float *R sCb = stateP->cb, *R sCr = stateP->cr, *R sMag = stateP->magnitude, *R sW = stateP->weight, *R sL = stateP->luma;
  float *R oCb = outP->cb, *R oCr = outP->cr, *R oMag = outP->magnitude, *R oW = outP->weight, *R oL = outP->luma;
  const int j = r + o;
  const int j2 = j + W;
#pragma clang loop vectorize(assume_safety)
  for (int x = x0; x < x1; x++) {
    const int i = r + x;
    const float t = trust[i];
    const float warpedW = a * sW[j + x] + b * sW[j + x + 1] + c * sW[j2 + x] + d * sW[j2 + x + 1];
    const float meanLuma = a * sL[j + x] + b * sL[j + x + 1] + c * sL[j2 + x] + d * sL[j2 + x + 1];
    const float warpedCb = a * sCb[j + x] + b * sCb[j + x + 1] + c * sCb[j2 + x] + d * sCb[j2 + x + 1];
    const float warpedCr = a * sCr[j + x] + b * sCr[j + x + 1] + c * sCr[j2 + x] + d * sCr[j2 + x + 1];
    const float warpedMag = a * sMag[j + x] + b * sMag[j + x + 1] + c * sMag[j2 + x] + d * sMag[j2 + x + 1];
    const float dr = hasDrift ? drift[i] : 0.0f;
    const float rising = rise * (t - stillTrustFrom) * fmin_(1.0f, (driftZero - dr) * inverseTolerance);
    const float still = t > stillTrustFrom && dr < driftZero ? rising : 0.0f;
    const float w = fmin_(t * warpedW, limit + still);
    const float norm = 1.0f / (1.0f + w);
    oCb[i] = (fCb[i] + w * warpedCb) * norm;
    oCr[i] = (fCr[i] + w * warpedCr) * norm;
    oMag[i] = (fMag[i] + w * warpedMag) * norm;
    oL[i] = (fL[i] + w * meanLuma) * norm;
    oW[i] = 1.0f + w;
  }
}

/**
 * out = (frame + c · warped state) / (1 + c), c = min(trust · warped weight, cap), cap = limit,
 * rising by `rise` per unit of trust above stillTrustFrom where the drift is small (see
 * stabilize-kernels.ts, MemoryLimits). drift may be 0 (none). trust 0 gives the frame itself.
 */
EXPORT(blend_state)
void blend_state(const Planes *outP, const Planes *frameP, const Planes *stateP, const Warp *warp, const float *R trust,
                 const float *R drift, float limit, float rise, float stillTrustFrom, float driftTolerance) {
  const int W = warp->width, H = warp->height, B = warp->blockSize;
  const float driftZero = 2.0f * driftTolerance;
  const float inverseTolerance = driftTolerance > 0.0f ? 1.0f / driftTolerance : 0.0f;
  FOR_EACH_BLOCK_ROW({
    // Two copies of the row loop, so that neither has a conditional load (which would keep it scalar).
    if (drift)
      blend_row(x0, x1, y * W, o, W, a, b, c, d, outP, frameP, stateP, trust, drift, 1, limit, rise, stillTrustFrom, driftZero, inverseTolerance);
    else
      blend_row(x0, x1, y * W, o, W, a, b, c, d, outP, frameP, stateP, trust, drift, 0, limit, rise, stillTrustFrom, driftZero, inverseTolerance);
  });
}

/** Lengthens an averaged chroma vector towards the mean magnitude, by at most maxGain. */
static inline void write_output(float cb, float cr, float magnitude, float maxGain, float *R outCb, float *R outCr, int i) {
  const float length = __builtin_sqrtf(cb * cb + cr * cr);
  const float gain = length > 1e-6f ? fmax_(1.0f, fmin_(maxGain, magnitude / length)) : 1.0f;
  outCb[i] = cb * gain;
  outCr[i] = cr * gain;
}

EXPORT(finish_forward)
void finish_forward(const Planes *forward, int n, float maxGain, float *R outCb, float *R outCr) {
  const float *R cb = forward->cb, *R cr = forward->cr, *R mag = forward->magnitude;
  for (int i = 0; i < n; i++) write_output(cb[i], cr[i], mag[i], maxGain, outCb, outCr, i);
}

/** Weighted mean of the forward state and the warped, trusted future state, then write_output. */
EXPORT(combine_with_future)
void combine_with_future(const Planes *forward, const Planes *future, const Warp *warp, const float *R trust, float maxGain,
                         float *R outCb, float *R outCr) {
  const int W = warp->width, H = warp->height, B = warp->blockSize;
  const float *R fCb = forward->cb, *R fCr = forward->cr, *R fMag = forward->magnitude, *R fW = forward->weight;
  const float *R sCb = future->cb, *R sCr = future->cr, *R sMag = future->magnitude, *R sW = future->weight;
  FOR_EACH_BLOCK_ROW({
    const int r = y * W;
    const int j = r + o;
    const int j2 = j + W;
    _Pragma("clang loop vectorize(assume_safety)")
    for (int x = x0; x < x1; x++) {
      const int i = r + x;
      const float g = trust[i] * (a * sW[j + x] + b * sW[j + x + 1] + c * sW[j2 + x] + d * sW[j2 + x + 1]);
      const float warpedCb = a * sCb[j + x] + b * sCb[j + x + 1] + c * sCb[j2 + x] + d * sCb[j2 + x + 1];
      const float warpedCr = a * sCr[j + x] + b * sCr[j + x + 1] + c * sCr[j2 + x] + d * sCr[j2 + x + 1];
      const float warpedMag = a * sMag[j + x] + b * sMag[j + x + 1] + c * sMag[j2 + x] + d * sMag[j2 + x + 1];
      const float w = fW[i];
      const float inv = 1.0f / (w + g);
      write_output((w * fCb[i] + g * warpedCb) * inv, (w * fCr[i] + g * warpedCr) * inv, (w * fMag[i] + g * warpedMag) * inv,
                   maxGain, outCb, outCr, i);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Planes: magnitude, 2×2 means, the doubled correction, clamping
// ---------------------------------------------------------------------------------------------

EXPORT(chroma_magnitude)
void chroma_magnitude(const float *R cb, const float *R cr, int n, float *R out) {
  for (int i = 0; i < n; i++) out[i] = __builtin_sqrtf(cb[i] * cb[i] + cr[i] * cr[i]);
}

/** Mean over 2×2 boxes into a ceil(W/2) × ceil(H/2) grid (partial boxes at odd edges). */
EXPORT(halve)
void halve(const float *R source, int W, int H, float *R out) {
  const int outWidth = (W + 1) >> 1, outHeight = (H + 1) >> 1, pairs = W >> 1;
  for (int oy = 0; oy < outHeight; oy++) {
    const float *R r0 = source + 2 * oy * W;
    const float *R r1 = source + imin(2 * oy + 1, H - 1) * W;
    float *R o = out + oy * outWidth;
    for (int ox = 0; ox < pairs; ox++) o[ox] = 0.25f * (r0[2 * ox] + r0[2 * ox + 1] + r1[2 * ox] + r1[2 * ox + 1]);
    if (pairs < outWidth) o[pairs] = 0.5f * (r0[W - 1] + r1[W - 1]);
  }
}

/** Sum of a plane (its mean is sum / n), in double so a large plane loses nothing. */
EXPORT(plane_sum)
double plane_sum(const float *R values, int n) {
  // Four float lanes summed per row-sized chunk keep the vector loop; the chunks add up in double.
  double total = 0.0;
  for (int start = 0; start < n; start += 1024) {
    const int end = imin(n, start + 1024);
    float sum = 0.0f;
#pragma clang loop vectorize(enable) interleave(enable)
    for (int i = start; i < end; i++) sum += values[i];
    total += sum;
  }
  return total;
}

/**
 * out = clamp(base + upsample2(stabilized − baseCoarse)) (see stabilize-kernels.ts); `stabilized`
 * is overwritten with the correction, `rows` is scratch of ceil(H/2) × W.
 */
EXPORT(add_doubled_correction)
void add_doubled_correction(const float *R base, float *R stabilized, const float *R baseCoarse, int W, int H, float *R rows, float *R out) {
  const int coarseWidth = (W + 1) >> 1, coarseHeight = (H + 1) >> 1;
  float *R correction = stabilized;
  for (int i = 0; i < coarseWidth * coarseHeight; i++) correction[i] -= baseCoarse[i];
  const int last = coarseWidth - 1;
  for (int cy = 0; cy < coarseHeight; cy++) {
    const float *R c = correction + cy * coarseWidth;
    float *R r = rows + cy * W;
    for (int k = 0; k <= last; k++) {
      const float here = c[k];
      const float left = k > 0 ? c[k - 1] : here;
      const float right = k < last ? c[k + 1] : here;
      r[2 * k] = 0.75f * here + 0.25f * left;
      if (2 * k + 1 < W) r[2 * k + 1] = 0.75f * here + 0.25f * right;
    }
  }
  const int lastRow = coarseHeight - 1;
  for (int y = 0; y < H; y++) {
    const int k = y >> 1;
    const int neighbour = (y & 1) ? imin(lastRow, k + 1) : imax(0, k - 1);
    const float *R near = rows + k * W;
    const float *R far = rows + neighbour * W;
    const float *R b = base + y * W;
    float *R o = out + y * W;
    for (int x = 0; x < W; x++) o[x] = fmin_(0.5f, fmax_(-0.5f, b[x] + 0.75f * near[x] + 0.25f * far[x]));
  }
}

EXPORT(clamp_chroma)
void clamp_chroma(float *R values, int n) {
  for (int i = 0; i < n; i++) values[i] = fmin_(0.5f, fmax_(-0.5f, values[i]));
}

// ---------------------------------------------------------------------------------------------
// The encoder's chroma (chroma-merge.ts quantizeChroma)
// ---------------------------------------------------------------------------------------------

/** One code: the same double arithmetic, truncation and clamps as chroma-merge.ts (NaN gives 0). */
static inline uint8_t code(float offset, double scale) {
  const double value = 128.5 + (double)offset * scale;
  return value < 0.0 ? 0 : value > 255.0 ? 255 : (uint8_t)(int32_t)value;
}

/** Two lanes of codes: pmax(0, v) takes NaN and −∞ to 0 (as `code` does), pmin(v, 255) takes +∞ to 255. */
static inline v128_t codes2(v128_t offsets2, v128_t scale, v128_t half, v128_t zero, v128_t top) {
  const v128_t value = wasm_f64x2_add(half, wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(offsets2), scale));
  return wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_pmin(wasm_f64x2_pmax(zero, value), top));
}

/** n codes of one plane; four at a time in double lanes, the rest one by one. */
static void quantize_plane(const float *R plane, int n, double scale, uint8_t *R out) {
  const v128_t s = wasm_f64x2_splat(scale), half = wasm_f64x2_splat(128.5), zero = wasm_f64x2_splat(0.0), top = wasm_f64x2_splat(255.0);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t words[4];
    for (int q = 0; q < 4; q++) {
      const v128_t four = wasm_v128_load(plane + i + 4 * q);
      // Lanes 0,1 then 2,3 (each trunc leaves its two codes in the low half).
      const v128_t low = codes2(four, s, half, zero, top);
      const v128_t high = codes2(wasm_i32x4_shuffle(four, four, 2, 3, 0, 1), s, half, zero, top);
      words[q] = wasm_i32x4_shuffle(low, high, 0, 1, 4, 5);
    }
    const v128_t shorts0 = wasm_u16x8_narrow_i32x4(words[0], words[1]);
    const v128_t shorts1 = wasm_u16x8_narrow_i32x4(words[2], words[3]);
    wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(shorts0, shorts1));
  }
  for (; i < n; i++) out[i] = code(plane[i], scale);
}

/** Cb then Cr as 8-bit codes into out (2n bytes): 128.5 + offset × scale, truncated, clamped to 0..255. */
EXPORT(quantize_chroma)
void quantize_chroma(const float *R cb, const float *R cr, int n, double scale, uint8_t *R out) {
  quantize_plane(cb, n, scale, out);
  quantize_plane(cr, n, scale, out + n);
}

/**
 * One plane of 8-bit codes (w×h) upscaled bilinearly to W×H, rounded to nearest. Each output column
 * blends source columns x0 and x1 with the second's weight fx in 1/256; likewise each row (y0, y1,
 * fy). `across` is scratch for the h source rows interpolated across to W (each sample at most
 * 255 × 256, so the blend of two, plus the rounding half, fits 32 bits).
 */
static void upscale_plane(const uint8_t *R src, int w, int h, uint8_t *R out, int W, int H, const int32_t *R geometry,
                          int32_t *R across) {
  const int32_t *x0 = geometry, *x1 = geometry + W, *fx = geometry + 2 * W;
  const int32_t *y0 = geometry + 3 * W, *y1 = y0 + H, *fy = y0 + 2 * H;
  for (int sy = 0; sy < h; sy++) {
    const uint8_t *row = src + sy * w;
    int32_t *to = across + sy * W;
    for (int x = 0; x < W; x++) to[x] = row[x0[x]] * (256 - fx[x]) + row[x1[x]] * fx[x];
  }
  for (int y = 0; y < H; y++) {
    const int32_t *top = across + y0[y] * W, *bottom = across + y1[y] * W;
    const int32_t b = fy[y], a = 256 - b;
    uint8_t *to = out + y * W;
    for (int x = 0; x < W; x++) to[x] = (uint8_t)((top[x] * a + bottom[x] * b + 32768) >> 16);
  }
}

/**
 * The encoder's 4:2:0 chroma planes from quantize_chroma's codes (Cb then Cr, w×h each): U then V
 * (W×H each) into out. `geometry` holds x0, x1, fx (W each) then y0, y1, fy (H each); `across` is
 * scratch of h × W.
 */
EXPORT(upscale_codes)
void upscale_codes(const uint8_t *R codes, int w, int h, uint8_t *R out, int W, int H, const int32_t *R geometry, int32_t *R across) {
  upscale_plane(codes, w, h, out, W, H, geometry, across);
  upscale_plane(codes + w * h, w, h, out + W * H, W, H, geometry, across);
}

// ---------------------------------------------------------------------------------------------
// The model's input (chroma-merge.ts lumaToUnit)
// ---------------------------------------------------------------------------------------------

/** Two lanes of (sample − black) × (1 / span) clamped to [0,1], in double. */
static inline v128_t unit2(v128_t samples2, v128_t black, v128_t inverseSpan, v128_t zero, v128_t one) {
  const v128_t value = wasm_f64x2_mul(wasm_f64x2_sub(wasm_f64x2_convert_low_i32x4(samples2), black), inverseSpan);
  return wasm_f32x4_demote_f64x2_zero(wasm_f64x2_min(wasm_f64x2_max(value, zero), one));
}

/**
 * 16-bit samples to [0,1] as lumaToUnit defines it: (sample − black) / span, clamped, rounded to
 * float once. Multiplying by the reciprocal in double gives the same floats as dividing: for whole
 * samples and these spans the quotient is never within a double's rounding error of a point where
 * float rounding turns (a test checks all 65536 samples). Four at a time in double lanes.
 */
EXPORT(luma_to_unit)
void luma_to_unit(const uint16_t *R samples, int n, double black, double span, float *R out) {
  const double inverse = 1.0 / span;
  const v128_t b = wasm_f64x2_splat(black), s = wasm_f64x2_splat(inverse), zero = wasm_f64x2_splat(0.0), one = wasm_f64x2_splat(1.0);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t four = wasm_u32x4_load16x4(samples + i);
    const v128_t low = unit2(four, b, s, zero, one);
    const v128_t high = unit2(wasm_i32x4_shuffle(four, four, 2, 3, 0, 1), b, s, zero, one);
    wasm_v128_store(out + i, wasm_i32x4_shuffle(low, high, 0, 1, 4, 5));
  }
  for (; i < n; i++) {
    const double value = ((double)samples[i] - black) * inverse;
    out[i] = (float)(value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value);
  }
}

// ---------------------------------------------------------------------------------------------
// Block motion (motion.ts): a two-level block search
// ---------------------------------------------------------------------------------------------

/** 2×2 box means into (W>>1) × (H>>1): the pyramid's half level. */
EXPORT(pyramid_half)
void pyramid_half(const float *R full, int W, int H, float *R half) {
  const int hw = W >> 1, hh = H >> 1;
  for (int y = 0; y < hh; y++) {
    const float *R r0 = full + 2 * y * W;
    const float *R r1 = r0 + W;
    float *R o = half + y * hw;
    for (int x = 0; x < hw; x++) o[x] = 0.25f * (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]);
  }
}

/** SAD of a block at (x0,y0) in cur against ref displaced by (u,v); stops once past limit (after a row). */
static float block_sad(const float *R cur, const float *R ref, int stride, int x0, int y0, int bw, int bh, int u, int v, float limit) {
  float sad = 0.0f;
  const int offset = v * stride + u;
  if (bw == 8) {
    // The usual block: a row is two 4-lane vectors.
    for (int y = 0; y < bh; y++) {
      const float *c = cur + (y0 + y) * stride + x0;
      const float *r = ref + (y0 + y) * stride + x0 + offset;
      const v128_t d = wasm_f32x4_add(wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(c), wasm_v128_load(r))),
                                      wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(c + 4), wasm_v128_load(r + 4))));
      sad += (wasm_f32x4_extract_lane(d, 0) + wasm_f32x4_extract_lane(d, 1)) + (wasm_f32x4_extract_lane(d, 2) + wasm_f32x4_extract_lane(d, 3));
      if (sad >= limit) return sad;
    }
    return sad;
  }
  for (int y = 0; y < bh; y++) {
    const float *R c = cur + (y0 + y) * stride + x0;
    const float *R r = ref + (y0 + y) * stride + x0 + offset;
    float row = 0.0f;
    for (int x = 0; x < bw; x++) row += fabs_(c[x] - r[x]);
    sad += row;
    if (sad >= limit) return sad;
  }
  return sad;
}

static float fine_cost(const float *R cur, const float *R ref, int W, int x0, int y0, int bw, int bh, int uMin, int uMax, int vMin, int vMax,
                       float penaltyArea, int u, int v, float limit) {
  if (u < uMin || u > uMax || v < vMin || v > vMax) return __builtin_inff();
  const float bias = penaltyArea * (float)((u < 0 ? -u : u) + (v < 0 ? -v : v));
  if (bias >= limit) return __builtin_inff();
  return bias + block_sad(cur, ref, W, x0, y0, bw, bh, u, v, limit - bias);
}

static float parabolic_offset(float minus, float centre, float plus) {
  if (minus == __builtin_inff() || plus == __builtin_inff()) return 0.0f;
  const float curvature = minus - 2.0f * centre + plus;
  if (curvature <= 1e-6f) return 0.0f;
  const float offset = (minus - plus) / (2.0f * curvature);
  return fmin_(0.5f, fmax_(-0.5f, offset));
}

typedef struct {
  const float *currentFull, *currentHalf, *referenceFull, *referenceHalf;
  int width, height, blockSize, coarseRadius;
  float motionPenalty, stillSnap;
  /** Scratch of ceil(blocksX/2) × ceil(blocksY/2) each. */
  int32_t *coarseU, *coarseV;
  /** Out: blocksX × blocksY each. */
  float *vx, *vy;
} MotionJob;

/** The motion field of motion.ts estimateMotion: coarse full search, fine predictive search, sub-pixel fit. */
EXPORT(estimate_motion)
void estimate_motion(const MotionJob *job) {
  const int W = job->width, H = job->height, B = job->blockSize, R_ = job->coarseRadius;
  const int blocksX = (W + B - 1) / B, blocksY = (H + B - 1) / B;
  const int hw = W >> 1, hh = H >> 1;
  const int coarseX = (blocksX + 1) / 2, coarseY = (blocksY + 1) / 2;
  const float penalty = job->motionPenalty / 255.0f;
  int32_t *R coarseU = job->coarseU, *R coarseV = job->coarseV;
  for (int cy = 0; cy < coarseY; cy++) {
    const int y0 = imin(cy * B, imax(0, hh - 1));
    const int bh = imax(0, imin(B, hh - y0));
    for (int cx = 0; cx < coarseX; cx++) {
      const int x0 = imin(cx * B, imax(0, hw - 1));
      const int bw = imax(0, imin(B, hw - x0));
      const int k = cy * coarseX + cx;
      coarseU[k] = 0;
      coarseV[k] = 0;
      if (bw == 0 || bh == 0) continue;
      const float area = (float)(bw * bh);
      const int uMin = imax(-R_, -x0), uMax = imin(R_, hw - x0 - bw);
      const int vMin = imax(-R_, -y0), vMax = imin(R_, hh - y0 - bh);
      float best = block_sad(job->currentHalf, job->referenceHalf, hw, x0, y0, bw, bh, 0, 0, __builtin_inff());
      int bu = 0, bv = 0;
      for (int v = vMin; v <= vMax; v++) {
        for (int u = uMin; u <= uMax; u++) {
          if (u == 0 && v == 0) continue;
          const float bias = penalty * area * (float)((u < 0 ? -u : u) + (v < 0 ? -v : v)) * 2.0f;
          if (bias >= best) continue;
          const float cost = bias + block_sad(job->currentHalf, job->referenceHalf, hw, x0, y0, bw, bh, u, v, best - bias);
          if (cost < best) {
            best = cost;
            bu = u;
            bv = v;
          }
        }
      }
      coarseU[k] = bu;
      coarseV[k] = bv;
    }
  }

  const float *R cur = job->currentFull;
  const float *R ref = job->referenceFull;
  for (int by = 0; by < blocksY; by++) {
    const int y0 = by * B;
    const int bh = imin(B, H - y0);
    const int cy = by >> 1;
    const int cyN = imin(coarseY - 1, imax(0, (by & 1) ? cy + 1 : cy - 1));
    for (int bx = 0; bx < blocksX; bx++) {
      const int x0 = bx * B;
      const int bw = imin(B, W - x0);
      const int cx = bx >> 1;
      const int cxN = imin(coarseX - 1, imax(0, (bx & 1) ? cx + 1 : cx - 1));
      const int uMin = -x0, uMax = W - x0 - bw, vMin = -y0, vMax = H - y0 - bh;
      const float pa = penalty * (float)(bw * bh);
      const int candidatesU[3] = {2 * coarseU[cy * coarseX + cx], 2 * coarseU[cy * coarseX + cxN], 2 * coarseU[cyN * coarseX + cx]};
      const int candidatesV[3] = {2 * coarseV[cy * coarseX + cx], 2 * coarseV[cy * coarseX + cxN], 2 * coarseV[cyN * coarseX + cx]};
      int bu = 0, bv = 0;
      float best = fine_cost(cur, ref, W, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, 0, 0, __builtin_inff());
      for (int c = 0; c < 3; c++) {
        const int u = candidatesU[c], v = candidatesV[c];
        if (u == bu && v == bv) continue;
        const float e = fine_cost(cur, ref, W, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, u, v, best);
        if (e < best) {
          best = e;
          bu = u;
          bv = v;
        }
      }
      float left = __builtin_inff(), right = __builtin_inff(), up = __builtin_inff(), down = __builtin_inff();
      for (int step = 0; step < 4; step++) {
        // Exact costs (no early exit) so the parabola fit below sees true values.
        left = fine_cost(cur, ref, W, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu - 1, bv, __builtin_inff());
        right = fine_cost(cur, ref, W, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu + 1, bv, __builtin_inff());
        up = fine_cost(cur, ref, W, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu, bv - 1, __builtin_inff());
        down = fine_cost(cur, ref, W, x0, y0, bw, bh, uMin, uMax, vMin, vMax, pa, bu, bv + 1, __builtin_inff());
        const float m = fmin_(fmin_(left, right), fmin_(up, down));
        if (m >= best) break;
        best = m;
        if (m == left) bu -= 1;
        else if (m == right) bu += 1;
        else if (m == up) bv -= 1;
        else bv += 1;
        if (step == 3) left = right = up = down = __builtin_inff();
      }
      const int k = by * blocksX + bx;
      float fx = parabolic_offset(left, best, right);
      float fy = parabolic_offset(up, best, down);
      if (bu == 0 && bv == 0 && fabs_(fx) < job->stillSnap && fabs_(fy) < job->stillSnap) fx = fy = 0.0f;
      job->vx[k] = (float)bu + fx;
      job->vy[k] = (float)bv + fy;
    }
  }
}
