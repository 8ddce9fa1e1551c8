// ESLint (flat config): TypeScript and React hooks rules, and the one direction of imports between
// the layers (docs/architecture.md). `npm run lint` runs it with knip (unused files and exports).
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const ELECTRON = ['electron/engine', 'electron/host', 'electron/main', 'electron/preload', 'electron/server', 'electron/cli'];
/** Each layer and the layers it may import from (besides itself). */
const MAY_IMPORT = {
  'electron/common': [],
  'electron/engine': ['electron/common'],
  'electron/host': ['electron/engine', 'electron/common'],
  'electron/main': ['electron/host', 'electron/engine', 'electron/common'],
  'electron/server': ['electron/host', 'electron/engine', 'electron/common'],
  'electron/cli': ['electron/host', 'electron/engine', 'electron/common'],
  'electron/preload': ['electron/common'],
  'renderer/src': ['electron/common'],
};
const LAYERS = ['electron/common', ...ELECTRON, 'renderer'];

export const layerZones = Object.entries(MAY_IMPORT).map(([target, allowed]) => ({
  target: `./${target}`,
  from: LAYERS.filter((layer) => layer !== target && !target.startsWith(`${layer}/`) && !allowed.includes(layer)).map(
    (layer) => `./${layer}`,
  ),
  message: `${target} may import only ${[target, ...allowed].join(', ')} (docs/architecture.md).`,
}));

const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'url', 'stream', 'worker_threads'],
  message: 'This layer runs in the page too: no Node modules.',
};

export default tseslint.config(
  // Build and test outputs (git-ignored) too: a second run of the test command lints after the first wrote test-output/.
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'build/**',
      '.bench/**',
      'scripts/train/**',
      '**/*.d.mts',
      'test-output/**',
      'renderer/dist/**',
      'test/fixtures/generated/**',
      'release/**',
      '.eval/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': {
        typescript: { project: ['tsconfig.node.json', 'tsconfig.web.json', 'tsconfig.test-dom.json'], noWarnOnMultipleProjects: true },
        node: true,
      },
    },
    rules: {
      'import/no-restricted-paths': ['error', { zones: layerZones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // TypeScript checks names itself; plain JavaScript files are Node scripts.
  { files: ['**/*.{ts,tsx}'], rules: { 'no-undef': 'off' } },
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  // Tests poke at parsed JSON and at deliberately malformed values.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' } },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The classic pair. v7's React Compiler rules (refs, set-state-in-effect) are left off: the page
      // deliberately keeps latest-callback refs and resets state when its input goes away.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The page reaches the host only through renderer/src/client.' }], patterns: [nodeBuiltins] },
      ],
    },
  },
  {
    files: ['electron/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'react', 'react-dom'].map((name) => ({ name, message: 'electron/common is plain data and types.' })),
          patterns: [nodeBuiltins],
        },
      ],
    },
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/host/**/*.ts', 'electron/server/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Only electron/main and electron/preload use Electron.' },
            { name: 'react', message: 'React is for the renderer.' },
          ],
        },
      ],
    },
  },
);
