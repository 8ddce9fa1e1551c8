// electron-builder.yml checked with electron-builder's own code, without packaging (which needs to
// download Electron): the schema it validates the configuration against, and the glob matchers it copies
// files with, run over the real files in node_modules/ and native-models/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/app.js';

const require = createRequire(import.meta.url);
const builderLib = path.dirname(require.resolve('app-builder-lib/package.json'));
const yaml = createRequire(path.join(builderLib, 'package.json'))('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require(path.join(builderLib, 'out/util/config/config.js')) as {
  validateConfiguration(config: unknown, debugLogger: unknown): Promise<void>;
};

interface Matcher {
  createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean;
  isEmpty(): boolean;
  containsOnlyIgnore(): boolean;
  prependPattern(pattern: string): void;
}
const fileMatcher = require(path.join(builderLib, 'out/fileMatcher.js')) as {
  FileMatcher: new (from: string, to: string, expand: (pattern: string) => string, patterns?: string[]) => Matcher;
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    expand: (pattern: string) => string,
    platformOptions: unknown,
    packager: unknown,
  ): Matcher;
  getFileMatchers(config: unknown, name: string, destination: string, options: unknown): Matcher[] | null;
};

type PlatformKey = 'linux' | 'win' | 'mac';
interface TargetEntry {
  target: string;
  arch: string[];
}
interface BuilderConfig {
  files: unknown[];
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  linux: { target: TargetEntry[]; files?: string[] };
  win: { target: TargetEntry[]; files?: string[] };
  mac: { target: TargetEntry[]; files?: string[] };
}

const config = yaml.load(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
/** electron-builder's platform keys and the Node platform names onnxruntime-node and sharp use. */
const NODE_PLATFORM: Record<PlatformKey, NodeJS.Platform> = { linux: 'linux', win: 'win32', mac: 'darwin' };
const targets = (['linux', 'win', 'mac'] as const).flatMap((os) =>
  [...new Set(config[os].target.flatMap((entry) => entry.arch))].map((arch) => ({ os, arch, platform: NODE_PLATFORM[os] })),
);

/** The ${os} and ${arch} macros as electron-builder expands them for one target. */
function expander(os: PlatformKey, arch: string) {
  return (pattern: string) =>
    pattern.replace(/\$\{(\w+)\}/g, (_match, name: string) => {
      if (name === 'os') return os;
      if (name === 'arch') return arch;
      throw new Error(`unexpected macro \${${name}} in ${pattern}`);
    });
}

/** Files under `dir` (relative to `base`) that a copy with `filter` keeps, descending only into kept folders. */
function kept(base: string, dir: string, filter: ReturnType<Matcher['createFilter']>): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      const stat = statSync(full);
      if (!filter(full, stat)) continue;
      if (stat.isDirectory()) walk(full);
      else out.push(path.relative(base, full).split(path.sep).join('/'));
    }
  };
  if (filter(dir, statSync(dir))) walk(dir);
  return out.sort();
}

const ortBin = path.join(repoRoot, 'node_modules/onnxruntime-node/bin/napi-v6');

describe('electron-builder.yml', () => {
  it('is valid for electron-builder (its own schema)', async () => {
    await expect(validateConfiguration(config, { add() {}, isEnabled: false })).resolves.toBeUndefined();
    expect(config.linux.target.map((entry) => entry.target)).toEqual(['AppImage', 'deb']);
    expect(config.win.target.map((entry) => entry.target)).toEqual(['nsis']);
    expect(config.mac.target.map((entry) => entry.target)).toEqual(['dmg']);
  });

  it('sets the Electron fuses that close the usual ways to run other code in the app', () => {
    const fuses = (config as unknown as { electronFuses: Record<string, boolean> }).electronFuses;
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // The app never forks itself as Node (which RunAsNode would break): inference is a utilityProcess.
    const main = readFileSync(path.join(repoRoot, 'electron/main/index.ts'), 'utf8');
    expect(main).toContain('utilityProcess.fork');
    expect(main).not.toMatch(/child_process/);
  });

  it('targets only CPUs that onnxruntime-node ships a binary for', () => {
    for (const { platform, arch } of targets) {
      expect(existsSync(path.join(ortBin, platform, arch, 'onnxruntime_binding.node')), `${platform}/${arch}`).toBe(true);
    }
  });

  it.each(targets)('keeps only the $os-$arch onnxruntime binaries and unpacks them from the asar', ({ os, arch, platform }) => {
    const expand = expander(os, arch);
    const nodeModules = fileMatcher
      .getNodeModuleFileMatcher(repoRoot, '/app', expand, config[os], { config, debugLogger: { isEnabled: false } })
      .createFilter();
    const binaries = kept(repoRoot, ortBin, nodeModules);
    const expected = readdirSync(path.join(ortBin, platform, arch)).map(
      (name) => `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/${name}`,
    );
    expect(binaries).toEqual(expected.sort());
    expect(binaries.some((file) => /onnxruntime_binding\.node$/.test(file))).toBe(true);
    expect(binaries.some((file) => /(libonnxruntime\.so\.1|libonnxruntime\.\d+\.dylib|onnxruntime\.dll)$/.test(file))).toBe(true);

    // Kept: the JavaScript of the packages the app runs. Pruned: install scripts, ffmpeg-static.
    const stat = { isDirectory: () => false };
    expect(nodeModules(path.join(repoRoot, 'node_modules/onnxruntime-node/dist/index.js'), stat)).toBe(true);
    expect(nodeModules(path.join(repoRoot, 'node_modules/onnxruntime-node/script/install.js'), stat)).toBe(false);
    expect(nodeModules(path.join(repoRoot, 'node_modules/ffmpeg-static/index.js'), stat)).toBe(false);

    const [unpack] = fileMatcher.getFileMatchers(config, 'asarUnpack', '/app', {
      macroExpander: expand,
      customBuildOptions: config[os],
      globalOutDir: path.join(repoRoot, 'release'),
      defaultSrc: repoRoot,
    })!;
    const unpacked = unpack!.createFilter();
    for (const file of binaries) expect(unpacked(path.join(repoRoot, file), stat), file).toBe(true);
    const sharpNative = `node_modules/@img/sharp-${platform}-${arch}/lib/sharp-${platform}-${arch}-0.35.5.node`;
    expect(unpacked(path.join(repoRoot, sharpNative), stat)).toBe(true);
    expect(unpacked(path.join(repoRoot, 'node_modules/zod/index.js'), stat)).toBe(false);
  });

  it("unpacks this machine's sharp add-on and libvips (real files)", () => {
    const [unpack] = fileMatcher.getFileMatchers(config, 'asarUnpack', '/app', {
      macroExpander: expander('linux', 'x64'),
      customBuildOptions: config.linux,
      globalOutDir: path.join(repoRoot, 'release'),
      defaultSrc: repoRoot,
    })!;
    const img = path.join(repoRoot, 'node_modules/@img');
    const natives = kept(repoRoot, img, () => true).filter((file) => /\.node$|\.so(\.\d+)*$|\.dylib$|\.dll$/.test(file));
    expect(natives.length).toBeGreaterThan(0);
    const unpacked = unpack!.createFilter();
    for (const file of natives) expect(unpacked(path.join(repoRoot, file), { isDirectory: () => false }), file).toBe(true);
  });

  it('ships the installed models and the platform ffmpeg as extra resources', () => {
    const models = config.extraResources.find((entry) => entry.from === 'native-models')!;
    expect(models.to).toBe('native-models');
    const modelFilter = new fileMatcher.FileMatcher(
      path.join(repoRoot, models.from),
      '/resources/native-models',
      expander('linux', 'x64'),
      models.filter,
    ).createFilter();
    const shipped = kept(path.join(repoRoot, models.from), path.join(repoRoot, models.from), modelFilter);
    const installed = readdirSync(path.join(repoRoot, 'native-models'), { withFileTypes: true }).filter((entry) => entry.isDirectory());
    for (const model of installed) {
      const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'native-models', model.name, 'model.json'), 'utf8')) as { file: string };
      expect(shipped).toContain(`${model.name}/model.json`);
      expect(shipped).toContain(`${model.name}/${manifest.file}`);
    }
    expect(shipped).not.toContain('README.md');

    // build/ffmpeg/<os>-<arch>/ for every target, as build/ffmpeg/README.md tells packagers.
    const ffmpeg = config.extraResources.find((entry) => entry.to === 'ffmpeg')!;
    const readme = readFileSync(path.join(repoRoot, 'build/ffmpeg/README.md'), 'utf8');
    for (const { os, arch } of targets) {
      const folder = expander(os, arch)(ffmpeg.from);
      expect(folder).toBe(`build/ffmpeg/${os}-${arch}`);
      const exe = os === 'win' ? '.exe' : '';
      expect(readme).toContain(`${folder}/ffmpeg${exe}`);
      expect(readme).toContain(`${folder}/ffprobe${exe}`);
      const filter = new fileMatcher.FileMatcher(
        path.join(repoRoot, folder),
        '/resources/ffmpeg',
        expander(os, arch),
        ffmpeg.filter,
      ).createFilter();
      for (const name of [`ffmpeg${exe}`, `ffprobe${exe}`])
        expect(filter(path.join(repoRoot, folder, name), { isDirectory: () => false })).toBe(true);
    }
  });

  it('packs the built app: main, preload and page, without source maps', () => {
    const [main] = fileMatcher.getFileMatchers(config, 'files', '/app', {
      macroExpander: expander('linux', 'x64'),
      customBuildOptions: config.linux,
      globalOutDir: path.join(repoRoot, 'release'),
      defaultSrc: repoRoot,
    })!;
    const filter = main!.createFilter();
    const file = { isDirectory: () => false };
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    for (const entry of [
      packageJson.main,
      'out/main/inference-process.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'package.json',
    ]) {
      expect(filter(path.join(repoRoot, entry), file), entry).toBe(true);
    }
    expect(filter(path.join(repoRoot, 'out/main/index.js.map'), file)).toBe(false);
    expect(filter(path.join(repoRoot, 'electron/main/index.ts'), file)).toBe(false);
    expect(packageJson.scripts.dist).toMatch(/electron-vite build && electron-builder/);
  });
});
