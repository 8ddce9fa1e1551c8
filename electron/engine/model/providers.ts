// Which onnxruntime execution providers this machine's onnxruntime-node build can use, and which
// ones to try for a device choice.
//
// Decisions:
// - 'auto' tries cuda → dml → coreml → cpu, each only when the build has it. WebGPU is left out of
//   'auto': onnxruntime-node bundles it on Linux, but on machines without a usable adapter it fails
//   ("No supported adapters", as on headless Linux with only a software Vulkan driver), and where it
//   does start it is untested against CUDA/DirectML/Core ML; so it runs only when asked for
//   (--device webgpu).
// - Asking for a provider the build lacks, or one that fails to start, is not an error: the job runs
//   on CPU and the host emits a loud 'provider-fallback' warning notice (the CLI prints it).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DeviceChoice, ExecutionProvider } from '../../common/types.js';

const require = createRequire(import.meta.url);

interface SupportedBackend {
  name: string;
  bundled: boolean;
}

const AUTO_ORDER: ExecutionProvider[] = ['cuda', 'dml', 'coreml', 'cpu'];
const KNOWN: readonly ExecutionProvider[] = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

const LABELS: Record<ExecutionProvider, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'Core ML',
  webgpu: 'WebGPU',
};

export function providerLabel(provider: ExecutionProvider): string {
  return LABELS[provider];
}

/** Folder of onnxruntime-node's native binding for this platform (where add-on providers are installed). */
function bindingDir(): string {
  const packageDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
}

/** Non-bundled providers ship as add-on libraries that onnxruntime-node's installer may have fetched. */
function addOnInstalled(name: string): boolean {
  const file =
    process.platform === 'win32'
      ? `onnxruntime_providers_${name}.dll`
      : process.platform === 'darwin'
        ? `libonnxruntime_providers_${name}.dylib`
        : `libonnxruntime_providers_${name}.so`;
  return existsSync(path.join(bindingDir(), file));
}

let cachedAvailable: ExecutionProvider[] | undefined;

/** Providers this onnxruntime-node build can actually use here: bundled ones, or add-ons whose files are present. */
export function listAvailableProviders(): ExecutionProvider[] {
  if (cachedAvailable) return [...cachedAvailable];
  const ort = require('onnxruntime-node') as { listSupportedBackends(): SupportedBackend[] };
  const available = new Set<ExecutionProvider>(['cpu']);
  for (const backend of ort.listSupportedBackends()) {
    const name = backend.name as ExecutionProvider;
    if (!KNOWN.includes(name)) continue; // tensorrt, qnn, …: not offered
    if (backend.bundled || addOnInstalled(name)) available.add(name);
  }
  cachedAvailable = KNOWN.filter((p) => available.has(p));
  return [...cachedAvailable];
}

/**
 * Providers to try for a device choice, best first, always ending with 'cpu'. For 'auto' only the
 * available ones; an explicit choice is kept even if unavailable (the inference client skips it with
 * a loud notice, see `unavailableProviderNotice`).
 */
export function chooseProviders(
  device: DeviceChoice,
  available: readonly ExecutionProvider[] = listAvailableProviders(),
): ExecutionProvider[] {
  if (device === 'auto') return AUTO_ORDER.filter((p) => p === 'cpu' || available.includes(p));
  return device === 'cpu' ? ['cpu'] : [device, 'cpu'];
}

export function unavailableProviderNotice(provider: ExecutionProvider): string {
  const why =
    provider === 'cuda'
      ? 'this onnxruntime-node install has no CUDA add-on (reinstall onnxruntime-node on a machine with CUDA 12 to fetch it)'
      : `this onnxruntime-node build for ${process.platform} does not include it`;
  return `${providerLabel(provider)} was asked for but ${why}; colourizing on CPU instead, which is slower.`;
}

export function failedProviderNotice(provider: ExecutionProvider, reason: string, fallback: ExecutionProvider): string {
  return `${providerLabel(provider)} could not run the model (${reason}); colourizing on ${providerLabel(fallback)} instead, which is slower.`;
}
