// CPU cost per frame of joining the model's chroma with the full-resolution luma, two ways side by
// side in one process (issue 17): "js" upscales the float chroma in JavaScript (FrameColorizer.merge,
// upscaleChroma, what previews use); "wasm" quantizes it at the model's size and upscales the codes
// in WebAssembly (FrameColorizer.encoderFrame, what renders use). Both pipe whole yuv420p frames to
// the segment encoder. (Until 2026-12-04 renders left the scale and merge to the encoding ffmpeg's
// filter graph instead: on 2 cores that cost about 2.6 ms of ffmpeg's CPU per 1080p frame more than
// whole frames, see docs/gpu-run.md.) Each run encodes the same synthetic frames
// (textured luma, smooth chroma with noise) to a segment; reported per frame: the host's CPU
// (process.cpuUsage) and the encoding ffmpeg's (cutime + cstime of this process in /proc/self/stat,
// which counts children once reaped; Linux only, 10 ms ticks). Runs alternate, after one warm-up each.
//
//   npx tsx scripts/bench/chroma-merge-cost.ts [--size 1920x1080] [--render 336x192] [--frames 60] [--reps 3] [--preset ultrafast]

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createSegmentEncoder } from '../../electron/engine/media/encode.js';
import { BufferPool } from '../../electron/engine/media/buffer-pool.js';
import type { InferenceSession } from '../../electron/engine/model/inference-client.js';
import { FrameColorizer } from '../../electron/engine/pipeline/colorizer.js';
import type { LowResChroma, LumaFrame } from '../../electron/engine/pipeline/frames.js';
import { childrenCpuMs } from './process-tree.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1920x1080' },
    render: { type: 'string', default: '336x192' },
    frames: { type: 'string', default: '60' },
    reps: { type: 'string', default: '3' },
    preset: { type: 'string', default: 'ultrafast' },
  },
});
const [width, height] = values.size.split('x').map(Number);
const [renderWidth, renderHeight] = values.render.split('x').map(Number);
const frameCount = Number(values.frames);
const reps = Number(values.reps);

const colorizer = new FrameColorizer({} as InferenceSession, {
  frameWidth: width,
  frameHeight: height,
  renderWidth,
  renderHeight,
  lumaRange: 'tv',
  saturation: 1,
});

// A few distinct frames, cycled: the hot loop allocates nothing.
let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const lumas: LumaFrame[] = [];
const chromas: LowResChroma[] = [];
for (let k = 0; k < 4; k++) {
  const y = new Uint8Array(width * height);
  for (let i = 0; i < y.length; i++) y[i] = 16 + ((((i % width) + k * 9) ^ ((i / width) | 0)) & 127) + ((random() * 24) | 0);
  lumas.push({ index: k, width, height, y });
  const cb = new Float32Array(renderWidth * renderHeight);
  const cr = new Float32Array(renderWidth * renderHeight);
  for (let i = 0; i < cb.length; i++) {
    const [x, row] = [i % renderWidth, (i / renderWidth) | 0];
    cb[i] = 0.3 * Math.sin(x / 7 + row / 11 + k) + 0.05 * (random() - 0.5);
    cr[i] = 0.25 * Math.cos(x / 13 - row / 5 + k) + 0.05 * (random() - 0.5);
  }
  chromas.push({ index: k, width: renderWidth, height: renderHeight, luma: new Float32Array(cb.length), cb, cr });
}

async function run(mode: 'js' | 'wasm', dir: string): Promise<{ host: number; child: number }> {
  const pool = new BufferPool(2 * (width >> 1) * (height >> 1), 8);
  const childBefore = childrenCpuMs();
  const hostBefore = process.cpuUsage();
  const encoder = await createSegmentEncoder({
    path: path.join(dir, `${mode}.mp4`),
    width,
    height,
    frameRate: { num: 25, den: 1 },
    crf: 18,
    preset: values.preset,
    colorRange: 'tv',
  });
  for (let f = 0; f < frameCount; f++) {
    const luma = { ...lumas[f % lumas.length], index: f };
    const chroma = chromas[f % chromas.length];
    const planes = pool.take();
    const frame = mode === 'js' ? colorizer.merge(luma, chroma, planes) : colorizer.encoderFrame(luma, chroma, planes);
    await encoder.write(frame, () => pool.give(planes));
  }
  await encoder.finish();
  const host = process.cpuUsage(hostBefore);
  const child = childrenCpuMs() - childBefore;
  return { host: (host.user + host.system) / 1000 / frameCount, child: child / frameCount };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'chromareel-chroma-cost-'));
try {
  await run('js', dir);
  await run('wasm', dir);
  const rows: string[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    for (const mode of ['js', 'wasm'] as const) {
      const { host, child } = await run(mode, dir);
      rows.push(`| ${rep} | ${mode} | ${host.toFixed(2)} | ${child.toFixed(1)} | ${(host + child).toFixed(1)} |`);
    }
  }
  console.log(`${width}x${height}, chroma from ${renderWidth}x${renderHeight}, ${frameCount} frames a run, x264 ${values.preset} CRF 18`);
  console.log('| rep | chroma upscale in | host CPU ms/frame | encoding ffmpeg CPU ms/frame | sum |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await rm(dir, { recursive: true, force: true });
}
