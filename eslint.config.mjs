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
  // Promises: none left floating, none passed where a plain callback is expected (type-aware).
  {
    files: ['src/**/*.ts', 'emulator/**/*.ts', 'scripts/**/*.ts', 'sim/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Functions a newcomer can read whole: none in the product longer than 80 lines, no file longer than 400.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80 }],
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
    },
  },
  // The layers. Only src/github talks to GitHub: it alone imports Octokit and calls `octokit.rest`.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/github/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@actions/github', message: 'Only src/github/ talks to GitHub.' }],
          patterns: [{ group: ['@octokit/*'], message: 'Only src/github/ talks to GitHub.' }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='octokit']",
          message: 'Only src/github/ talks to GitHub: add a function there.',
        },
      ],
    },
  },
  // The protocol and the plan decide from the state and the clock they are given: no timers, no clock reads.
  {
    // (The node's step functions and polling policies too: the loop in run-node.ts gives them the clocks.)
    files: [
      'src/protocol/**/*.ts',
      'src/tasks/**/*.ts',
      'src/node/loop/node-step.ts',
      'src/node/loop/polling.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'The pure layer takes the time as an argument: no Date.now().',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'The pure layer takes the time as an argument: no new Date().',
        },
        {
          selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']",
          message: 'The pure layer takes the time as an argument.',
        },
        // (This list replaces the one above for these folders: the rule about GitHub holds here too.)
        {
          selector: "MemberExpression[property.name='octokit']",
          message: 'Only src/github/ talks to GitHub: add a function there.',
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'fetch', 'process'].map((name) => ({
          name,
          message: 'The pure layer has no effects: timers, the network and the process belong to the node.',
        })),
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
              group: ['**/github/*', '**/node/**', '**/delivery/*', '**/containment/*', '**/agents/*'],
              message: 'The pure layer does not reach into the effects.',
            },
          ],
        },
      ],
    },
  },
);
