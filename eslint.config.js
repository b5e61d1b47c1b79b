// Lint rules, including the layer check (docs/ARCHITECTURE.md, "The floors of core/"): core/ is plain
// Node and never imports Electron, Vue or the doors; the renderer sees only the API contract.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import { CORE_FLOORS } from './scripts/coreFloors.mjs';

const doors = ['**/server/**', '**/main/**', '**/preload/**', '**/renderer/**', '**/workers/**', '**/cli/**'];
const corePaths = ['electron', 'vue', 'pinia', 'vue-router'].map((name) => ({ name, message: 'core/ is plain Node: no Electron or Vue.' }));
const corePatterns = [
  { group: doors, message: 'core/ never imports from main/, preload/, renderer/, workers/ or cli/.' },
  { group: ['**/bench/**', '**/bench'], message: 'core/ never imports from bench/ (benchmarks import core/, not the other way).' },
];

/**
 * The floors of core/ (scripts/coreFloors.mjs): one block per room, forbidding the rooms of its own
 * floor and of every floor above. Relative specifiers only: from a folder room the others are
 * `../<room>`, from a file at core/'s root `./<room>`. Tests (*.test.ts) may import any room.
 */
function floorRules() {
  const escape = (r) => r.replace(/\.ts$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return CORE_FLOORS.flatMap((rooms, floor) =>
    rooms.map((room) => {
      const above = CORE_FLOORS.slice(floor).flat().filter((r) => r !== room);
      const up = room.endsWith('.ts') ? '\\.' : '\\.\\.';
      const names = above.map(escape).join('|');
      return {
        files: [room.endsWith('.ts') ? `core/${room}` : `core/${room}/**/*.ts`],
        ignores: ['**/*.test.ts'],
        rules: {
          'no-restricted-imports': ['error', {
            paths: corePaths,
            patterns: [
              ...corePatterns,
              {
                regex: `^${up}/(${names})(\\.ts)?(/|$)`,
                message: `core/${room} is on floor ${floor} of core/: it imports only from lower floors (scripts/coreFloors.mjs, docs/ARCHITECTURE.md).`,
              },
            ],
          }],
        },
      };
    }),
  );
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist-web/**', 'test-output/**', '.avstudio-dev/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser }, globals: { ...globals.browser } },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: corePaths, patterns: corePatterns }],
    },
  },
  ...floorRules(),
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The renderer talks to the studio only through the API client.' }],
        patterns: [
          { regex: '(^|/)core/(?!contract/api(\\.ts)?$)', message: 'The renderer may import only the API contract (core/contract/api) from core/.' },
          { group: ['node:*', 'fs', 'path', 'child_process', 'better-sqlite3'], message: 'The renderer has no Node modules.' },
        ],
      }],
    },
  },
);
