// The direction of imports between the layers (docs/architecture.md) is checked by ESLint's
// import/no-restricted-paths: a wrong-way import fails `npm run lint`, and so CI. These cases lint
// small sources as if they lived in each layer, through ESLint's own API and the repository's config.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

const eslint = new ESLint({ cwd: repoRoot });

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(repoRoot, file) });
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the layers import one way only', () => {
  it.each([
    ['electron/engine/probe-layer.ts', "import { createIpcHandlers } from '../host/handlers.js';", 'electron/engine may import only'],
    ['electron/engine/media/probe-layer.ts', "import { startServer } from '../../server/index.js';", 'electron/engine may import only'],
    ['electron/common/probe-layer.ts', "import { createEngine } from '../engine/index.js';", 'electron/common may import only'],
    ['electron/host/probe-layer.ts', "import { registerIpc } from '../main/ipc-bridge.js';", 'electron/host may import only'],
    ['electron/server/probe-layer.ts', "import { registerIpc } from '../main/ipc-bridge.js';", 'electron/server may import only'],
    ['renderer/src/probe-layer.ts', "import { createEngine } from '../../electron/engine/index.js';", 'renderer/src may import only'],
    ['renderer/src/probe-layer.ts', "import { PathAllowList } from '../../electron/host/allow-list.js';", 'renderer/src may import only'],
    ['renderer/src/probe-layer.ts', "import { readFile } from 'node:fs/promises';", 'no Node modules'],
    ['electron/common/probe-layer.ts', "import path from 'node:path';", 'no Node modules'],
    ['electron/host/probe-layer.ts', "import { app } from 'electron';", 'Only electron/main and electron/preload use Electron'],
  ])('%s: %s fails', async (file, source, expected) => {
    const found = await problems(file, `${source}\nexport const used = [${source.match(/import \{?\s*(\w+)/)?.[1]}];\n`);
    expect(found.join('\n')).toContain(expected);
  });

  it.each([
    ['electron/engine/probe-layer.ts', "import type { MediaInfo } from '../common/types.js';\nexport type Used = MediaInfo;"],
    [
      'electron/host/probe-layer.ts',
      "import { createEngine } from '../engine/index.js';\nimport { IPC } from '../common/protocol.js';\nexport const used = [createEngine, IPC];",
    ],
    [
      'electron/main/probe-layer.ts',
      "import { createIpcHandlers } from '../host/handlers.js';\nimport { app } from 'electron';\nexport const used = [createIpcHandlers, app];",
    ],
    ['electron/cli/probe-layer.ts', "import { createEngine } from '../engine/index.js';\nexport const used = [createEngine];"],
    ['renderer/src/probe-layer.ts', "import { IPC } from '../../electron/common/protocol.js';\nexport const used = [IPC];"],
  ])('%s: the allowed direction passes', async (file, source) => {
    expect(await problems(file, `${source}\n`)).toEqual([]);
  });
});
