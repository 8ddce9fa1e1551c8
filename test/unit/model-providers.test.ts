import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseProviders, listAvailableProviders, unavailableProviderNotice } from '../../electron/engine/model/providers.js';
import type { DeviceChoice, ExecutionProvider } from '../../electron/common/types.js';

const require = createRequire(import.meta.url);

describe('listAvailableProviders', () => {
  it('always has cpu, names only our providers, and counts CUDA only when its add-on is installed', () => {
    const available = listAvailableProviders();
    expect(available).toContain('cpu');
    for (const p of available) expect(['cpu', 'cuda', 'dml', 'coreml', 'webgpu']).toContain(p);

    const ort = require('onnxruntime-node') as { listSupportedBackends(): { name: string; bundled: boolean }[] };
    const backends = ort.listSupportedBackends();
    for (const b of backends.filter((b) => b.bundled && b.name !== 'cpu')) {
      if (['dml', 'coreml', 'webgpu'].includes(b.name)) expect(available).toContain(b.name);
    }
    const binDir = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin/napi-v6', process.platform, process.arch);
    const cudaFile = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const cudaListed = backends.some((b) => b.name === 'cuda');
    expect(available.includes('cuda')).toBe(cudaListed && existsSync(path.join(binDir, cudaFile)));
  });
});

describe('chooseProviders', () => {
  const all: ExecutionProvider[] = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

  it('prefers cuda, then dml, then coreml, then cpu for auto — only those available', () => {
    expect(chooseProviders('auto', all)).toEqual(['cuda', 'dml', 'coreml', 'cpu']);
    expect(chooseProviders('auto', ['cpu', 'dml'])).toEqual(['dml', 'cpu']);
    expect(chooseProviders('auto', ['cpu', 'coreml'])).toEqual(['coreml', 'cpu']);
    expect(chooseProviders('auto', ['cpu'])).toEqual(['cpu']);
  });

  it('leaves webgpu out of auto (opt-in only)', () => {
    expect(chooseProviders('auto', ['cpu', 'webgpu'])).toEqual(['cpu']);
    expect(chooseProviders('webgpu', ['cpu', 'webgpu'])).toEqual(['webgpu', 'cpu']);
  });

  it('keeps an explicit choice first and always ends with cpu', () => {
    const devices: DeviceChoice[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
    for (const device of devices) {
      const chosen = chooseProviders(device, ['cpu']);
      expect(chosen[chosen.length - 1]).toBe('cpu');
      expect(new Set(chosen).size).toBe(chosen.length);
      if (device !== 'auto') expect(chosen[0]).toBe(device);
    }
    expect(chooseProviders('cpu', all)).toEqual(['cpu']);
    expect(chooseProviders('cuda', ['cpu'])).toEqual(['cuda', 'cpu']);
  });

  it('explains an unavailable provider in a plain sentence', () => {
    expect(unavailableProviderNotice('cuda')).toMatch(/^CUDA was asked for but .*CPU instead/);
    expect(unavailableProviderNotice('dml')).toMatch(/^DirectML was asked for/);
  });
});
