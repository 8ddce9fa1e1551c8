import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../electron/engine/errors.js';
import { defaultModelsDirs, listModels, loadManifest, resolveModel, verifyModelFile } from '../../electron/engine/model/manifest.js';
import { ensureFixtureModels, fixtureModelDir, repoRoot } from '../helpers/models.js';

let scratch: string;

beforeAll(() => {
  ensureFixtureModels();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'chromareel-manifest-'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of fixture-chroma whose model.json is edited by `edit`. */
function modelWith(name: string, edit: (json: Record<string, any>) => void): string {
  const dir = path.join(scratch, name);
  cpSync(fixtureModelDir('fixture-chroma'), dir, { recursive: true });
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  edit(json);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

function engineErrorOf(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected an EngineError');
}

describe('loadManifest', () => {
  it('loads a valid model folder and its model.json path alike', () => {
    const dir = fixtureModelDir('fixture-chroma');
    const manifest = loadManifest(dir);
    expect(manifest).toMatchObject({ id: 'fixture-chroma', contract: 'chroma', dir, modelPath: path.join(dir, 'model.onnx') });
    expect(loadManifest(path.join(dir, 'model.json')).id).toBe('fixture-chroma');
  });

  it('names a missing required field', () => {
    const error = engineErrorOf(() => loadManifest(modelWith('no-sha', (j) => delete j.sha256)));
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain('"sha256" is missing');
  });

  it('names a field out of bounds', () => {
    const error = engineErrorOf(() => loadManifest(modelWith('bad-factor', (j) => (j.renderFactor = { min: 8, max: 20, default: 30 }))));
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain('renderFactor');
  });

  it('rejects an output range that does not fit the contract', () => {
    const error = engineErrorOf(() => loadManifest(modelWith('bad-range', (j) => (j.output.range = 'rgb-01'))));
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain('"output.range"');
  });

  it('rejects another schema version, bad ids, bad hashes and non-positive std', () => {
    const cases: [string, (j: Record<string, any>) => void, string][] = [
      ['v2', (j) => (j.schemaVersion = 2), 'schemaVersion'],
      ['bad-id', (j) => (j.id = '../escape'), '"id"'],
      ['short-sha', (j) => (j.sha256 = 'abc'), '"sha256"'],
      ['zero-std', (j) => (j.input.std = [0]), 'input.std'],
      ['escaping-file', (j) => (j.file = '../model.onnx'), '"file"'],
    ];
    for (const [name, edit, field] of cases) {
      const error = engineErrorOf(() => loadManifest(modelWith(name, edit)));
      expect(error.code, name).toBe('model-invalid');
      expect(error.message, name).toContain(field);
    }
  });

  it('says when model.json is not JSON', () => {
    const dir = modelWith('not-json', () => {});
    writeFileSync(path.join(dir, 'model.json'), '{ "id": ');
    const error = engineErrorOf(() => loadManifest(dir));
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain('not valid JSON');
  });

  it('reports missing folders, manifests and model files as model-not-found', () => {
    expect(engineErrorOf(() => loadManifest(path.join(scratch, 'nothing-here'))).code).toBe('model-not-found');
    const empty = path.join(scratch, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(engineErrorOf(() => loadManifest(empty)).message).toContain('holds no model.json');
    const noOnnx = modelWith('no-onnx', () => {});
    rmSync(path.join(noOnnx, 'model.onnx'));
    const error = engineErrorOf(() => loadManifest(noOnnx));
    expect(error.code).toBe('model-not-found');
    expect(error.message).toContain('model.onnx');
  });
});

describe('verifyModelFile', () => {
  it('accepts a model whose sha256 matches', async () => {
    await expect(verifyModelFile(loadManifest(fixtureModelDir('fixture-chroma')))).resolves.toBeUndefined();
  });

  it('rejects a model whose sha256 does not match, saying it is damaged or replaced', async () => {
    const error = await verifyModelFile(loadManifest(fixtureModelDir('fixture-bad-hash'))).catch((e) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('model-hash-mismatch');
    expect(error.message).toMatch(/damaged or was replaced/);
    expect(error.message).toMatch(/reinstall|re-export/);
  });

  it('notices a file changed after it was verified once', async () => {
    const dir = modelWith('changed-later', () => {});
    const manifest = loadManifest(dir);
    await verifyModelFile(manifest);
    const bytes = readFileSync(manifest.modelPath);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(manifest.modelPath, bytes);
    const later = new Date(Date.now() + 5000);
    utimesSync(manifest.modelPath, later, later);
    await expect(verifyModelFile(manifest)).rejects.toMatchObject({ code: 'model-hash-mismatch' });
  });
});

describe('listModels and resolveModel', () => {
  let modelsDir: string;

  beforeAll(() => {
    modelsDir = path.join(scratch, 'models');
    mkdirSync(modelsDir, { recursive: true });
    const place = (id: string, preferredFor: string) => {
      const dir = path.join(modelsDir, id);
      cpSync(fixtureModelDir('fixture-chroma'), dir, { recursive: true });
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...json, id, preferredFor }));
    };
    place('small', 'cpu');
    place('large', 'gpu');
    const broken = path.join(modelsDir, 'broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'model.json'), '{}');
    mkdirSync(path.join(modelsDir, 'not-a-model'));
  });

  it('lists valid models as ModelInfo and reports broken ones', () => {
    const skipped: EngineError[] = [];
    const models = listModels([modelsDir, path.join(scratch, 'absent')], (e) => skipped.push(e));
    expect(models.map((m) => m.id)).toEqual(['large', 'small']);
    expect(models[0]).toMatchObject({ contract: 'chroma', preferredFor: 'gpu', dir: path.join(modelsDir, 'large'), sizeMultiple: 8 });
    expect(skipped).toHaveLength(1);
    expect(skipped[0].code).toBe('model-invalid');
  });

  it('keeps the first folder when two hold the same id', () => {
    const models = listModels([modelsDir, ensureFixtureModels(), modelsDir]);
    expect(models.filter((m) => m.id === 'small')).toHaveLength(1);
    expect(models.some((m) => m.id === 'fixture-rgb')).toBe(true);
  });

  it('picks by provider class when no model is named', () => {
    expect(resolveModel(undefined, 'cpu', [modelsDir]).id).toBe('small');
    expect(resolveModel(undefined, 'cuda', [modelsDir]).id).toBe('large');
    expect(resolveModel(undefined, 'webgpu', [modelsDir]).id).toBe('large');
    // Only 'any' models: any of them is fine for either class.
    expect(resolveModel(undefined, 'cuda', [ensureFixtureModels()]).preferredFor).toBe('any');
  });

  it('takes an id or a path, and explains an unknown name', () => {
    expect(resolveModel('small', 'cuda', [modelsDir]).id).toBe('small');
    const byPath = resolveModel(fixtureModelDir('fixture-rgb'), 'cpu', [modelsDir]);
    expect(byPath.id).toBe('fixture-rgb');
    expect(resolveModel(path.join(fixtureModelDir('fixture-rgb'), 'model.json'), 'cpu', []).contract).toBe('rgb');
    const error = engineErrorOf(() => resolveModel('nope', 'cpu', [modelsDir]));
    expect(error.code).toBe('model-not-found');
    expect(error.message).toContain('large, small');
  });

  it('says so when no model is installed at all', () => {
    const error = engineErrorOf(() => resolveModel(undefined, 'cpu', [path.join(scratch, 'absent')]));
    expect(error.code).toBe('model-not-found');
    expect(error.message).toContain('CHROMAREEL_MODELS_DIR');
  });
});

describe('defaultModelsDirs', () => {
  it('holds the project native-models folder and CHROMAREEL_MODELS_DIR first', () => {
    const before = process.env.CHROMAREEL_MODELS_DIR;
    try {
      delete process.env.CHROMAREEL_MODELS_DIR;
      expect(defaultModelsDirs()).toContain(path.join(repoRoot, 'native-models'));
      process.env.CHROMAREEL_MODELS_DIR = [scratch, path.join(scratch, 'more')].join(path.delimiter);
      const dirs = defaultModelsDirs();
      expect(dirs.slice(0, 2)).toEqual([scratch, path.join(scratch, 'more')]);
      expect(dirs).toContain(path.join(repoRoot, 'native-models'));
    } finally {
      if (before === undefined) delete process.env.CHROMAREEL_MODELS_DIR;
      else process.env.CHROMAREEL_MODELS_DIR = before;
    }
  });
});
