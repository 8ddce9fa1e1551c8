// Model folders: the model.json schema, loading and checking one model, listing and picking models.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EngineError } from '../errors.js';
import type { ExecutionProvider, ModelInfo } from '../../common/types.js';
import { findPackageRoot, moduleDir } from './package-root.js';

export { renderSize } from './render-size.js';

const MANIFEST_FILE = 'model.json';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const channelValues = z
  .array(finite)
  .min(1)
  .max(3)
  .refine((v) => v.length !== 2, 'must hold 1 or 3 values');

const relativeFileName = z
  .string()
  .min(1)
  .refine((f) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'), 'must be a file name inside the model folder');

export const manifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, dots, dashes or underscores'),
    name: z.string().min(1).max(120),
    version: z.string().min(1).max(40),
    description: z.string().max(4000).optional(),
    licence: z.string().min(1).max(400),
    contract: z.enum(['chroma', 'rgb']),
    file: relativeFileName,
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal digits'),
    input: z.object({
      name: z.string().min(1).max(256),
      // Bounded so that normalizing a [0,1] luma stays a finite float32 (a tiny std overflows to infinity).
      mean: channelValues.refine((v) => v.every((m) => Math.abs(m) <= 1e4), 'must hold values from -10000 to 10000'),
      std: channelValues.refine((v) => v.every((s) => s >= 1e-6 && s <= 1e6), 'must hold positive values from 0.000001 to 1000000'),
    }),
    output: z.object({
      name: z.string().min(1).max(256),
      range: z.enum(['cbcr-offset', 'rgb-01', 'rgb-normalized']),
    }),
    sizeMultiple: z.number().int().min(1).max(512),
    renderFactor: z
      .object({
        min: z.number().int().min(1).max(200),
        max: z.number().int().min(1).max(200),
        default: z.number().int().min(1).max(200),
      })
      .refine((r) => r.min <= r.default && r.default <= r.max, {
        message: 'must satisfy min ≤ default ≤ max',
      }),
    preferredFor: z.enum(['cpu', 'gpu', 'any']),
    /** Optional pins graph (issue 16): luma + hint planes (Cb, Cr, mask) in, the same chroma out. */
    pins: z
      .object({
        file: relativeFileName,
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal digits'),
        input: z.string().min(1).max(256).default('hints'),
        /** Side of a pin's square in the hint planes (pixels, odd); 5 when not said. */
        pinSide: z
          .number()
          .int()
          .min(1)
          .max(63)
          .refine((v) => v % 2 === 1, 'must be odd')
          .optional(),
        /** Also spread the pins over the graph's output with the edge-aware post-process (pins/propagate.ts). */
        spread: z.boolean().optional(),
      })
      .optional(),
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.union([finite, z.string()])).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.contract === 'chroma') {
      if (m.output.range !== 'cbcr-offset') {
        ctx.addIssue({ code: 'custom', path: ['output', 'range'], message: "must be 'cbcr-offset' for a chroma model" });
      }
      for (const key of ['mean', 'std'] as const) {
        if (m.input[key].length !== 1) {
          ctx.addIssue({ code: 'custom', path: ['input', key], message: 'must hold one value for a chroma model (one luma channel)' });
        }
      }
      if (m.pins && m.pins.input === m.input.name) {
        ctx.addIssue({ code: 'custom', path: ['pins', 'input'], message: "must differ from the luma input's name" });
      }
    } else if (m.pins) {
      ctx.addIssue({ code: 'custom', path: ['pins'], message: 'is only for chroma models' });
    } else if (m.output.range === 'cbcr-offset') {
      ctx.addIssue({ code: 'custom', path: ['output', 'range'], message: "must be 'rgb-01' or 'rgb-normalized' for an rgb model" });
    }
  });

export type ManifestJson = z.infer<typeof manifestSchema>;

/** A validated manifest plus where it lives. Plain data: it crosses to the inference process as is. */
export interface ModelManifest extends ManifestJson {
  /** Folder holding model.json and the model file. */
  dir: string;
  manifestPath: string;
  /** Absolute path of the ONNX file. */
  modelPath: string;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  return `field "${field}" ${issue.message}`;
}

/** Reads and validates a model's manifest; `dirOrJsonPath` is the model folder or its model.json. */
export function loadManifest(dirOrJsonPath: string): ModelManifest {
  const given = path.resolve(dirOrJsonPath);
  if (!existsSync(given)) {
    throw new EngineError(
      'model-not-found',
      `There is no model at ${given}; give a model folder holding model.json and model.onnx, or the id of an installed model.`,
    );
  }
  const manifestPath = statSync(given).isDirectory() ? path.join(given, MANIFEST_FILE) : given;
  if (!existsSync(manifestPath)) {
    throw new EngineError(
      'model-not-found',
      `The folder ${given} holds no ${MANIFEST_FILE}, so it is not a model folder; give a folder holding model.json and model.onnx.`,
    );
  }

  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new EngineError(
      'model-invalid',
      `The model manifest ${manifestPath} is not valid JSON; fix the file or reinstall the model.`,
      String(error),
    );
  }

  const parsed = manifestSchema.safeParse(json, {
    error: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'is missing' : undefined),
  });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new EngineError(
      'model-invalid',
      `The model manifest ${manifestPath} is not valid: ${describeIssue(issues[0])}${more}; fix the file or reinstall the model.`,
      issues.map(describeIssue).join('\n'),
    );
  }

  const dir = path.dirname(manifestPath);
  const modelPath = path.join(dir, parsed.data.file);
  if (!existsSync(modelPath)) {
    throw new EngineError(
      'model-not-found',
      `The model "${parsed.data.id}" has no ${parsed.data.file} in ${dir}; reinstall or re-export the model.`,
    );
  }
  if (!statSync(modelPath).isFile()) {
    throw new EngineError(
      'model-invalid',
      `The model "${parsed.data.id}" names ${parsed.data.file} in ${dir} as its model file, but that is not a file; fix "file" in its model.json or reinstall the model.`,
    );
  }
  return { ...parsed.data, dir, manifestPath, modelPath };
}

// Hashing a large model takes a moment; remember files already checked while they stay unchanged.
const verifiedFiles = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checks the model file against the manifest's sha256 (streamed); throws 'model-hash-mismatch'. */
export async function verifyModelFile(manifest: ModelManifest): Promise<void> {
  if (!existsSync(manifest.modelPath)) {
    throw new EngineError(
      'model-not-found',
      `The model "${manifest.id}" has no ${manifest.file} in ${manifest.dir}; reinstall or re-export the model.`,
    );
  }
  const info = statSync(manifest.modelPath);
  const { size, mtimeMs } = info;
  if (!info.isFile()) {
    throw new EngineError(
      'model-invalid',
      `The model "${manifest.id}" names ${manifest.file} in ${manifest.dir} as its model file, but that is not a file; fix "file" in its model.json or reinstall the model.`,
    );
  }
  const expected = manifest.sha256.toLowerCase();
  const known = verifiedFiles.get(manifest.modelPath);
  if (known && known.size === size && known.mtimeMs === mtimeMs && known.sha256 === expected) return;

  const actual = await sha256OfFile(manifest.modelPath);
  if (actual !== expected) {
    throw new EngineError(
      'model-hash-mismatch',
      `The model file ${manifest.modelPath} does not match its manifest (sha256 differs), so it is damaged or was replaced; reinstall the model or re-export it with a fresh model.json.`,
      `expected ${expected}, found ${actual}`,
    );
  }
  verifiedFiles.set(manifest.modelPath, { size, mtimeMs, sha256: expected });
}

/**
 * Where models are looked for, in priority order: CHROMAREEL_MODELS_DIR (one or more folders joined
 * by the platform's path delimiter), the project's native-models/, and the packaged app's
 * resources/native-models.
 */
export function defaultModelsDirs(): string[] {
  const dirs: string[] = [];
  const fromEnv = process.env.CHROMAREEL_MODELS_DIR;
  if (fromEnv) dirs.push(...fromEnv.split(path.delimiter).filter(Boolean));
  const root = findPackageRoot(moduleDir(import.meta.url));
  if (root) dirs.push(path.join(root, 'native-models'));
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) dirs.push(path.join(resourcesPath, 'native-models'));
  return [...new Set(dirs.map((d) => path.resolve(d)))];
}

/**
 * Every valid model in `modelsDirs` (first folder wins when two hold the same id). Folders without a
 * model.json are ignored; broken models are skipped and reported to `onSkipped`.
 */
function scanModels(modelsDirs: string[], onSkipped?: (error: EngineError) => void): ModelManifest[] {
  const found = new Map<string, ModelManifest>();
  for (const modelsDir of modelsDirs) {
    if (!existsSync(modelsDir) || !statSync(modelsDir).isDirectory()) continue;
    const entries = readdirSync(modelsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(modelsDir, e.name, MANIFEST_FILE)))
      .map((e) => e.name)
      .sort();
    for (const name of entries) {
      try {
        const manifest = loadManifest(path.join(modelsDir, name));
        if (!found.has(manifest.id)) found.set(manifest.id, manifest);
      } catch (error) {
        if (error instanceof EngineError) onSkipped?.(error);
        else throw error;
      }
    }
  }
  return [...found.values()];
}

function toModelInfo(m: ModelManifest): ModelInfo {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    contract: m.contract,
    description: m.description,
    licence: m.licence,
    dir: m.dir,
    renderFactor: { ...m.renderFactor },
    sizeMultiple: m.sizeMultiple,
    preferredFor: m.preferredFor,
    metrics: m.metrics ? { ...m.metrics } : undefined,
  };
}

export function listModels(modelsDirs: string[], onSkipped?: (error: EngineError) => void): ModelInfo[] {
  return scanModels(modelsDirs, onSkipped).map(toModelInfo);
}

/**
 * Picks the model to run. `spec` may be a path (model folder or model.json), used as is, or the id of
 * an installed model; without a spec the model made for the provider's class (gpu / cpu) is picked,
 * else any installed one.
 */
export function resolveModel(spec: string | undefined, provider: ExecutionProvider, modelsDirs: string[]): ModelManifest {
  if (spec !== undefined && spec.trim() !== '') {
    if (existsSync(spec)) return loadManifest(spec);
    const models = scanModels(modelsDirs);
    const byId = models.find((m) => m.id === spec);
    if (byId) return byId;
    const installed = models.length > 0 ? `the installed ones are ${models.map((m) => m.id).join(', ')}` : 'none is installed';
    throw new EngineError(
      'model-not-found',
      `There is no model "${spec}": it is neither a model folder nor the id of an installed model (${installed}); pick one of those or give the path of a model folder.`,
    );
  }

  const models = scanModels(modelsDirs);
  const wanted = provider === 'cpu' ? 'cpu' : 'gpu';
  const picked = models.find((m) => m.preferredFor === wanted) ?? models.find((m) => m.preferredFor === 'any') ?? models[0];
  if (!picked) {
    throw new EngineError(
      'model-not-found',
      `No colourization model is installed (looked in ${modelsDirs.join(', ') || 'no folders'}); put a model folder in native-models/ or point CHROMAREEL_MODELS_DIR at one.`,
    );
  }
  return picked;
}
