// Flat ESLint config: typescript-eslint's recommended rules over the whole tree.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // The layers. Only src/github talks to GitHub.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/github/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@octokit/*'], message: 'Only src/github/ talks to GitHub.' }] },
      ],
    },
  },
  // The protocol, the plan and the dashboard are pure: messages, the fold and decisions of the state and the
  // clock, with no I/O (the dashboard runs them in a browser).
  {
    files: ['src/protocol/**/*.ts', 'src/tasks/**/*.ts', 'dashboard/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '@octokit/*', '@actions/*'], message: 'This layer is pure: no I/O.' },
            {
              group: ['**/github/*', '**/node/*', '**/delivery/*', '**/containment/*', '**/agents/*'],
              message: 'The pure layer does not reach into the effects.',
            },
          ],
        },
      ],
    },
  },
);
