// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['bin/**/*.js', 'eslint.config.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'child_process', message: 'No shell in src/: use the Engine API.' }] },
      ],
    },
  },
  {
    // Only the engine layer talks to Docker.
    files: ['src/**/*.ts'],
    ignores: ['src/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'dockerode', message: 'Only src/engine/ imports dockerode.' },
            { name: 'child_process', message: 'No shell in src/: use the Engine API.' },
            { name: 'node:child_process', message: 'No shell in src/: use the Engine API.' },
          ],
        },
      ],
    },
  },
  {
    // `tsfig graph --format svg` runs Graphviz's dot (execFile, an argv, no shell).
    files: ['src/cli/graphviz.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'dockerode', message: 'Only src/engine/ imports dockerode.' }] }] },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
