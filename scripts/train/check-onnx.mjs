// Runs an exported ONNX model in onnxruntime-node (the runtime the app uses) and compares its output
// with the torch output the exporter saved beside it; optionally measures fps at a render size.
//
//   node scripts/train/check-onnx.mjs <model.onnx> <check-dir> [--tolerance 1e-3] [--bench 256] [--threads 2]
//
// <check-dir> holds input.bin / expected.bin (raw little-endian float32) and shapes.json
// ({"input":[N,1,H,W],"expected":[N,2,H,W]}, plus "hints":[N,3,H,W] and hints.bin for a pins model).
// Prints one JSON line; exits 1 on mismatch.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

function parseArgs(argv) {
  const opts = { tolerance: 1e-3, bench: 0, threads: 2, runs: 30 };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tolerance') opts.tolerance = Number(argv[++i]);
    else if (a === '--bench') opts.bench = Number(argv[++i]);
    else if (a === '--threads') opts.threads = Number(argv[++i]);
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else positional.push(a);
  }
  if (positional.length < 1) throw new Error('usage: check-onnx.mjs <model.onnx> [check-dir] [options]');
  return { modelPath: positional[0], checkDir: positional[1], ...opts };
}

function readFloat32(file) {
  const buf = readFileSync(file);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

const args = parseArgs(process.argv.slice(2));
const session = await ort.InferenceSession.create(args.modelPath, {
  executionProviders: ['cpu'],
  intraOpNumThreads: args.threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const report = { inputNames: session.inputNames, outputNames: session.outputNames };
let ok = true;

if (args.checkDir) {
  const shapes = JSON.parse(readFileSync(path.join(args.checkDir, 'shapes.json'), 'utf8'));
  const input = readFloat32(path.join(args.checkDir, 'input.bin'));
  const expected = readFloat32(path.join(args.checkDir, 'expected.bin'));
  const feed = { luma: new ort.Tensor('float32', input, shapes.input) };
  if (shapes.hints) feed.hints = new ort.Tensor('float32', readFloat32(path.join(args.checkDir, 'hints.bin')), shapes.hints);
  const result = await session.run(feed);
  const out = result.chroma;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(out.data[i] - expected[i]));
  const sameShape = JSON.stringify(out.dims) === JSON.stringify(shapes.expected);
  report.outputShape = out.dims;
  report.maxAbsDiff = maxAbs;
  report.match = sameShape && maxAbs <= args.tolerance;
  ok = report.match;
}

if (args.bench > 0) {
  const s = args.bench;
  const data = new Float32Array(s * s);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000;
  const feed = { luma: new ort.Tensor('float32', data, [1, 1, s, s]) };
  // A pins model is timed with empty hint planes: the same graph runs whatever they hold.
  if (session.inputNames.includes('hints')) feed.hints = new ort.Tensor('float32', new Float32Array(3 * s * s), [1, 3, s, s]);
  for (let i = 0; i < 3; i++) await session.run(feed);
  const times = [];
  for (let i = 0; i < args.runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feed);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  report.bench = { size: s, threads: args.threads, medianMs: median, minMs: times[0], fps: 1000 / median };
}

console.log(JSON.stringify(report));
process.exit(ok ? 0 : 1);
