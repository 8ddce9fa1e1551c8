import { describe, expect, it } from 'vitest';
import { EngineError } from '../../electron/engine/errors.js';
import { checkOutputDims, extractChroma, prepareInput, rgbToCbCr } from '../../electron/engine/model/contracts.js';
import { shortReason } from '../../electron/engine/model/onnx-session.js';

const chroma = {
  id: 'c',
  contract: 'chroma' as const,
  input: { name: 'luma', mean: [0], std: [1] },
  output: { name: 'chroma', range: 'cbcr-offset' as const },
};
const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const rgb01 = {
  id: 'r',
  contract: 'rgb' as const,
  input: { name: 'image', ...imagenet },
  output: { name: 'rgb', range: 'rgb-01' as const },
};
const rgbNorm = { ...rgb01, id: 'rn', output: { name: 'rgb', range: 'rgb-normalized' as const } };

describe('prepareInput', () => {
  it('passes luma through for a chroma model with mean 0 and std 1', () => {
    const luma = Float32Array.from([0, 0.25, 0.5, 1]);
    const input = prepareInput(chroma, luma, 1, 2, 2);
    expect(input.dims).toEqual([1, 1, 2, 2]);
    expect(input.data).toBe(luma);
  });

  it('normalizes a chroma model input with its mean and std', () => {
    const input = prepareInput(
      { ...chroma, input: { name: 'luma', mean: [0.5], std: [0.25] } },
      Float32Array.from([0, 0.5, 1, 0.75]),
      1,
      2,
      2,
    );
    expect(Array.from(input.data)).toEqual([-2, 0, 2, 1]);
  });

  it('replicates grey to three channels per image and normalizes each channel', () => {
    const luma = Float32Array.from([0.1, 0.9, 0.3, 0.7]); // two 1x2 images
    const input = prepareInput(rgb01, luma, 2, 1, 2);
    expect(input.dims).toEqual([2, 3, 1, 2]);
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 2; p++) {
          expect(input.data[(i * 3 + c) * 2 + p]).toBeCloseTo((luma[i * 2 + p] - imagenet.mean[c]) / imagenet.std[c], 5);
        }
      }
    }
  });
});

describe('extractChroma', () => {
  it('splits a chroma output per image into cb and cr and clamps to [-0.5, 0.5]', () => {
    // n=2, 1x2 pixels: image 0 cb [0.1,-0.2] cr [0.3,0.9]; image 1 cb [-0.7,0] cr [0.25,-0.25]
    const output = Float32Array.from([0.1, -0.2, 0.3, 0.9, -0.7, 0, 0.25, -0.25]);
    const { cb, cr } = extractChroma(chroma, output, [2, 2, 1, 2], 2, 1, 2);
    expect(Array.from(cb)).toEqual([0.1, -0.2, -0.5, 0].map(Math.fround));
    expect(Array.from(cr)).toEqual([0.3, 0.5, 0.25, -0.25].map(Math.fround));
  });

  it('turns rgb-01 output into BT.601 chroma: grey has none, primaries have the JFIF values', () => {
    // 4 pixels: grey, red, green, blue
    const output = Float32Array.from([0.5, 1, 0, 0, /* G */ 0.5, 0, 1, 0, /* B */ 0.5, 0, 0, 1]);
    const { cb, cr } = extractChroma(rgb01, output, [1, 3, 1, 4], 1, 1, 4);
    expect(cb[0]).toBeCloseTo(0, 6);
    expect(cr[0]).toBeCloseTo(0, 6);
    expect(cb[1]).toBeCloseTo(-0.168736, 5);
    expect(cr[1]).toBeCloseTo(0.5, 5);
    expect(cb[2]).toBeCloseTo(-0.331264, 5);
    expect(cr[2]).toBeCloseTo(-0.418688, 5);
    expect(cb[3]).toBeCloseTo(0.5, 5);
    expect(cr[3]).toBeCloseTo(-0.081312, 5);
  });

  it('denormalizes rgb-normalized output with the input mean/std first', () => {
    const colour = [0.8, 0.3, 0.1];
    const output = Float32Array.from(colour.map((v, c) => (v - imagenet.mean[c]) / imagenet.std[c]));
    const { cb, cr } = extractChroma(rgbNorm, output, [1, 3, 1, 1], 1, 1, 1);
    const [ecb, ecr] = rgbToCbCr(0.8, 0.3, 0.1);
    expect(cb[0]).toBeCloseTo(ecb, 5);
    expect(cr[0]).toBeCloseTo(ecr, 5);
  });

  it('refuses outputs that break the contract, in a plain sentence', () => {
    const error = (() => {
      try {
        checkOutputDims(chroma, [1, 3, 4, 4], 1, 4, 4);
      } catch (e) {
        return e as EngineError;
      }
    })();
    expect(error).toBeInstanceOf(EngineError);
    expect(error?.code).toBe('model-contract');
    expect(error?.message).toContain('says contract chroma but its output has shape [1,3,4,4]');
    expect(() => checkOutputDims(chroma, [1, 2, 8, 8], 1, 4, 4)).toThrow(/must match its input size/);
  });
});

describe('shortReason', () => {
  it("keeps the readable end of onnxruntime's messages", () => {
    const webgpu =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
    expect(shortReason(new Error(webgpu))).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(shortReason(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toBe(
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    );
  });
});
