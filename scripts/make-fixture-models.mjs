#!/usr/bin/env node
// Writes small ONNX models (plus their model.json manifests) for the test suite, without Python:
// the ONNX protobuf is encoded by hand with a minimal protobuf writer below.
//
//   node scripts/make-fixture-models.mjs [outDir]     (default: test/fixtures/generated/models)
//
// Models written (all opset 17, float32, dynamic N/H/W, deterministic pseudo-random weights):
//   fixture-chroma          luma [N,1,H,W] → Conv 3x3 (1→2) → Tanh → ·0.5 → chroma [N,2,H,W]
//   fixture-rgb             image [N,3,H,W] → Conv 3x3 (3→3) → Sigmoid → rgb [N,3,H,W], range rgb-01
//   fixture-rgb-normalized  image [N,3,H,W] → Conv 3x3 (3→3) → rgb [N,3,H,W], range rgb-normalized
//   fixture-bad-hash        fixture-chroma's model with a manifest whose sha256 does not match
//   fixture-wrong-contract  manifest says chroma, but the model outputs 3 channels
//   fixture-pins            fixture-chroma plus a pins graph (manifest "pins"): luma [N,1,H,W] and
//                           hints [N,3,H,W] (Cb, Cr, mask) → chroma = the hint Cb/Cr (0 where no pin)
// The weights are exported (fixtureWeights) so tests can compute the expected outputs themselves.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './seeded-random.mjs';

// ---------------------------------------------------------------------------------------------
// Minimal protobuf writer: enough of the wire format for ONNX (varints, fixed32, length-delimited).
// ---------------------------------------------------------------------------------------------

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

function varint(value) {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // int64 negatives are ten-byte two's complement varints
  const bytes = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

const tag = (field, wire) => varint((field << 3) | wire);

/** A protobuf message: append fields, then `bytes()`. */
class Message {
  #parts = [];

  int(field, value) {
    this.#parts.push(tag(field, WIRE_VARINT), varint(value));
    return this;
  }

  float(field, value) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.#parts.push(tag(field, WIRE_FIXED32), b);
    return this;
  }

  bytesField(field, data) {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    this.#parts.push(tag(field, WIRE_LENGTH_DELIMITED), varint(b.length), b);
    return this;
  }

  string(field, text) {
    return this.bytesField(field, Buffer.from(text, 'utf8'));
  }

  message(field, message) {
    return this.bytesField(field, message.bytes());
  }

  packedInts(field, values) {
    return this.bytesField(field, Buffer.concat(values.map(varint)));
  }

  bytes() {
    return Buffer.concat(this.#parts);
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX messages (field numbers from onnx/onnx.proto)
// ---------------------------------------------------------------------------------------------

const IR_VERSION = 8; // goes with opset 17
const OPSET = 17;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;

function tensor(name, dims, values) {
  const raw = Buffer.from(Float32Array.from(values).buffer);
  return new Message().packedInts(1, dims).int(2, FLOAT).string(8, name).bytesField(9, raw);
}

/** dims: numbers (fixed) or strings (symbolic, e.g. 'N'). */
function valueInfo(name, dims) {
  const shape = new Message();
  for (const d of dims) {
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

function intsAttribute(name, values) {
  return new Message().string(1, name).packedInts(8, values).int(20, ATTR_INTS);
}

function intAttribute(name, value) {
  return new Message().string(1, name).int(3, value).int(20, ATTR_INT);
}

function node(opType, inputs, outputs, name, attributes = []) {
  const m = new Message();
  for (const i of inputs) m.string(1, i);
  for (const o of outputs) m.string(2, o);
  m.string(3, name).string(4, opType);
  for (const a of attributes) m.message(5, a);
  return m;
}

function model({ graphName, nodes, initializers, inputs, outputs }) {
  const graph = new Message();
  for (const n of nodes) graph.message(1, n);
  graph.string(2, graphName);
  for (const t of initializers) graph.message(5, t);
  for (const i of inputs) graph.message(11, i);
  for (const o of outputs) graph.message(12, o);
  return new Message()
    .int(1, IR_VERSION)
    .string(2, 'chromareel-fixtures')
    .string(3, '1')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, OPSET))
    .bytes();
}

// ---------------------------------------------------------------------------------------------
// The fixture models
// ---------------------------------------------------------------------------------------------

function randomValues(count, seed, scale) {
  const random = mulberry32(seed);
  // Rounded through float32 so the exported numbers are exactly what the model holds.
  return Array.from(Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale));
}

/**
 * The fixtures' weights: a 3x3 convolution with `outChannels × inChannels × 3 × 3` weights (row-major,
 * as ONNX Conv's W) and one bias per output channel; zero padding of 1, stride 1.
 */
export function fixtureWeights() {
  return {
    chroma: { inChannels: 1, outChannels: 2, weight: randomValues(2 * 1 * 9, 17, 1.5), bias: randomValues(2, 18, 0.5) },
    rgb: { inChannels: 3, outChannels: 3, weight: randomValues(3 * 3 * 9, 29, 0.8), bias: randomValues(3, 30, 0.3) },
    rgbNormalized: { inChannels: 3, outChannels: 3, weight: randomValues(3 * 3 * 9, 41, 0.6), bias: randomValues(3, 42, 0.2) },
    wrongContract: { inChannels: 1, outChannels: 3, weight: randomValues(3 * 1 * 9, 53, 1), bias: randomValues(3, 54, 0.2) },
  };
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function convNode(inputName, outputName, conv) {
  return {
    node: node('Conv', [inputName, 'conv.weight', 'conv.bias'], [outputName], 'conv', [
      intsAttribute('kernel_shape', [3, 3]),
      intsAttribute('pads', [1, 1, 1, 1]),
      intsAttribute('strides', [1, 1]),
    ]),
    initializers: [
      tensor('conv.weight', [conv.outChannels, conv.inChannels, 3, 3], conv.weight),
      tensor('conv.bias', [conv.outChannels], conv.bias),
    ],
  };
}

function chromaModel(conv, outputName = 'chroma') {
  const c = convNode('luma', 'conv_out', conv);
  return model({
    graphName: 'fixture_chroma',
    nodes: [c.node, node('Tanh', ['conv_out'], ['tanh_out'], 'tanh'), node('Mul', ['tanh_out', 'half'], [outputName], 'scale')],
    initializers: [...c.initializers, tensor('half', [], [0.5])],
    inputs: [valueInfo('luma', ['N', 1, 'H', 'W'])],
    outputs: [valueInfo(outputName, ['N', conv.outChannels, 'H', 'W'])],
  });
}

/** The pins fixture's graph: chroma = 1×1 Conv picking the hints' Cb and Cr planes, + 0·luma (so luma is a used input). */
function pinsModel() {
  return model({
    graphName: 'fixture_pins',
    nodes: [
      node('Conv', ['hints', 'pick.weight', 'pick.bias'], ['picked'], 'pick', [
        intsAttribute('kernel_shape', [1, 1]),
        intsAttribute('pads', [0, 0, 0, 0]),
        intsAttribute('strides', [1, 1]),
      ]),
      node('Mul', ['luma', 'zero'], ['no_luma'], 'ignore_luma'),
      node('Add', ['picked', 'no_luma'], ['chroma'], 'add'),
    ],
    initializers: [tensor('pick.weight', [2, 3, 1, 1], [1, 0, 0, 0, 1, 0]), tensor('pick.bias', [2], [0, 0]), tensor('zero', [], [0])],
    inputs: [valueInfo('luma', ['N', 1, 'H', 'W']), valueInfo('hints', ['N', 3, 'H', 'W'])],
    outputs: [valueInfo('chroma', ['N', 2, 'H', 'W'])],
  });
}

function rgbModel(conv, withSigmoid) {
  const c = convNode('image', withSigmoid ? 'conv_out' : 'rgb', conv);
  const nodes = [c.node];
  if (withSigmoid) nodes.push(node('Sigmoid', ['conv_out'], ['rgb'], 'sigmoid'));
  return model({
    graphName: withSigmoid ? 'fixture_rgb' : 'fixture_rgb_normalized',
    nodes,
    initializers: c.initializers,
    inputs: [valueInfo('image', ['N', 3, 'H', 'W'])],
    outputs: [valueInfo('rgb', ['N', 3, 'H', 'W'])],
  });
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function baseManifest(id, name, contract, onnxBytes) {
  return {
    schemaVersion: 1,
    id,
    name,
    version: '1.0.0',
    description: 'Tiny test model written by scripts/make-fixture-models.mjs; its colours mean nothing.',
    licence: 'MIT (generated test fixture)',
    contract,
    file: 'model.onnx',
    sha256: sha256(onnxBytes),
    sizeMultiple: 8,
    renderFactor: { min: 1, max: 40, default: 4 },
    preferredFor: 'any',
    training: { data: 'none', steps: 0, notes: 'fixed pseudo-random weights' },
    metrics: {},
  };
}

/** Writes `bytes` to `file` atomically, and only when the content differs (keeps mtimes stable). */
function writeIfChanged(file, bytes) {
  if (existsSync(file) && readFileSync(file).equals(bytes)) return;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, bytes);
  renameSync(temp, file);
}

function writeModel(outDir, onnxBytes, manifest, extraFiles = {}) {
  const dir = path.join(outDir, manifest.id);
  mkdirSync(dir, { recursive: true });
  writeIfChanged(path.join(dir, 'model.onnx'), onnxBytes);
  for (const [name, bytes] of Object.entries(extraFiles)) writeIfChanged(path.join(dir, name), bytes);
  writeIfChanged(path.join(dir, 'model.json'), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return dir;
}

/** Writes every fixture model into `outDir` (idempotent); returns { id: folder }. */
export function makeFixtureModels(outDir) {
  const w = fixtureWeights();
  const written = {};

  const chroma = chromaModel(w.chroma);
  written['fixture-chroma'] = writeModel(outDir, chroma, {
    ...baseManifest('fixture-chroma', 'Fixture (chroma)', 'chroma', chroma),
    input: { name: 'luma', mean: [0], std: [1] },
    output: { name: 'chroma', range: 'cbcr-offset' },
  });

  const rgb = rgbModel(w.rgb, true);
  written['fixture-rgb'] = writeModel(outDir, rgb, {
    ...baseManifest('fixture-rgb', 'Fixture (rgb)', 'rgb', rgb),
    input: { name: 'image', ...IMAGENET },
    output: { name: 'rgb', range: 'rgb-01' },
  });

  const rgbNormalized = rgbModel(w.rgbNormalized, false);
  written['fixture-rgb-normalized'] = writeModel(outDir, rgbNormalized, {
    ...baseManifest('fixture-rgb-normalized', 'Fixture (rgb, normalized output)', 'rgb', rgbNormalized),
    input: { name: 'image', ...IMAGENET },
    output: { name: 'rgb', range: 'rgb-normalized' },
  });

  written['fixture-bad-hash'] = writeModel(outDir, chroma, {
    ...baseManifest('fixture-bad-hash', 'Fixture (damaged file)', 'chroma', chroma),
    sha256: sha256(Buffer.from('not the model')),
    input: { name: 'luma', mean: [0], std: [1] },
    output: { name: 'chroma', range: 'cbcr-offset' },
  });

  const wrongContract = chromaModel(w.wrongContract);
  written['fixture-wrong-contract'] = writeModel(outDir, wrongContract, {
    ...baseManifest('fixture-wrong-contract', 'Fixture (contract mismatch)', 'chroma', wrongContract),
    input: { name: 'luma', mean: [0], std: [1] },
    output: { name: 'chroma', range: 'cbcr-offset' },
  });

  const pins = pinsModel();
  written['fixture-pins'] = writeModel(
    outDir,
    chroma,
    {
      ...baseManifest('fixture-pins', 'Fixture (chroma, with a pins graph)', 'chroma', chroma),
      input: { name: 'luma', mean: [0], std: [1] },
      output: { name: 'chroma', range: 'cbcr-offset' },
      pins: { file: 'model-pins.onnx', sha256: sha256(pins), input: 'hints' },
    },
    { 'model-pins.onnx': pins },
  );

  return written;
}

/**
 * A chroma model whose output is NaN everywhere (0/0), with a valid manifest: what a broken export or a
 * bad normalization looks like to the engine. Written on request only (not one of the shared fixtures).
 */
export function makeNanFixtureModel(outDir) {
  const onnx = model({
    graphName: 'fixture_nan',
    nodes: [
      node('Sub', ['luma', 'luma'], ['zero'], 'zero'),
      node('Div', ['zero', 'zero'], ['nan'], 'nan'),
      node('Concat', ['nan', 'nan'], ['chroma'], 'concat', [intAttribute('axis', 1)]),
    ],
    initializers: [],
    inputs: [valueInfo('luma', ['N', 1, 'H', 'W'])],
    outputs: [valueInfo('chroma', ['N', 2, 'H', 'W'])],
  });
  return writeModel(outDir, onnx, {
    ...baseManifest('fixture-nan', 'Fixture (NaN output)', 'chroma', onnx),
    input: { name: 'luma', mean: [0], std: [1] },
    output: { name: 'chroma', range: 'cbcr-offset' },
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'test/fixtures/generated/models'));
  const written = makeFixtureModels(outDir);
  for (const [id, dir] of Object.entries(written)) console.log(`${id}\t${dir}`);
}
