// Lint rules, including the layering of DESIGN.md: shared <- platform <- hub, bench, sync, agents (never each other)
// <- cli, main; renderer imports shared only; only main and preload import electron.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electron = { name: 'electron', message: 'Only src/main and src/preload may import electron.' };
const layer = (group, message) => ({ group, message });
const NODE_ONLY = ['node:*', 'fs', 'path', 'os', 'child_process', 'better-sqlite3', 'fastify'];
const SERVICES = ['hub', 'bench', 'sync', 'agents'];
const OUTSIDE_SERVICES = ['**/cli/*', '**/main/*', '**/preload/*', '**/renderer/*'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.scratch/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules where they catch real bugs: a promise nobody awaits loses its error; an async handler where a
    // void callback is expected (an onClick, an event listener) rejects into nowhere.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: [electron] }],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            layer(['../*', '!../shared/*'], 'src/shared imports nothing from other layers.'),
            layer(NODE_ONLY, 'src/shared runs in the renderer too: no Node imports.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            layer(
              [...SERVICES.map((s) => `**/${s}/*`), ...OUTSIDE_SERVICES],
              'src/platform is the Node-only layer under the services: it imports src/shared only.',
            ),
          ],
        },
      ],
    },
  },
  // Each service: src/shared and src/platform, never another service, never a composition root or the UI.
  ...SERVICES.map((service) => ({
    files: [`src/${service}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            layer(
              SERVICES.filter((s) => s !== service).map((s) => `**/${s}/*`),
              'Services never import each other: share through src/platform (Node helpers) or src/shared (the contract).',
            ),
            layer(OUTSIDE_SERVICES, 'Services never import cli, main, preload or renderer.'),
          ],
        },
      ],
    },
  })),
  {
    files: ['src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [layer(['**/main/*', '**/preload/*', '**/renderer/*'], 'The CLI never imports the Electron side.')],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            layer(
              [
                '**/platform/*',
                '**/hub/*',
                '**/bench/*',
                '**/sync/*',
                '**/agents/*',
                '**/cli/*',
                '**/main/*',
                '**/preload/*',
              ],
              'The renderer imports src/shared only; it talks to the hub over HTTP.',
            ),
            layer(NODE_ONLY, 'The renderer runs in a browser: no Node imports.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**', 'src/preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests read JSON answers loosely typed on purpose: the assertions are the type check.
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
