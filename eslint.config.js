// Lint rules, including the layer check (docs/ARCHITECTURE.md, "The floors of core/"): core/ is plain
// Node and never imports Electron, Vue or the doors; the renderer sees only the API contract.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

const doors = ['**/server/**', '**/main/**', '**/preload/**', '**/renderer/**', '**/workers/**', '**/cli/**'];

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
      'no-restricted-imports': ['error', {
        paths: ['electron', 'vue', 'pinia', 'vue-router'].map((name) => ({ name, message: 'core/ is plain Node: no Electron or Vue.' })),
        patterns: [{ group: doors, message: 'core/ never imports from main/, preload/, renderer/, workers/ or cli/.' }],
      }],
    },
  },
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The renderer talks to the studio only through the API client.' }],
        patterns: [
          { regex: '(^|/)core/(?!api/contract(\\.ts)?$)', message: 'The renderer may import only the API contract (core/api/contract) from core/.' },
          { group: ['node:*', 'fs', 'path', 'child_process', 'better-sqlite3'], message: 'The renderer has no Node modules.' },
        ],
      }],
    },
  },
);
