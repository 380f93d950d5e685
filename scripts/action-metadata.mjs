// Reads action.yml: the one place the inputs, their descriptions and defaults are written down.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export function readAction(file = new URL('../action.yml', import.meta.url)) {
  const action = parse(readFileSync(file, 'utf8'));
  if (!action || typeof action !== 'object' || !action.inputs) throw new Error('action.yml has no inputs');
  return action;
}

/** The source of src/generated/action-defaults.ts: each input's default, for runs outside the Actions runner. */
export function defaultsModule(action) {
  const entries = Object.entries(action.inputs).map(
    ([name, spec]) => `  '${name}': ${JSON.stringify(String(spec.default ?? ''))},`,
  );
  return [
    '// Generated from action.yml by scripts/build.mjs: do not edit. The Actions runner fills in these defaults',
    '// itself; a process started any other way (a test, the demo, an acceptance suite) gets them from here.',
    'export const ACTION_DEFAULTS: Readonly<Record<string, string>> = {',
    ...entries,
    '};',
    '',
  ].join('\n');
}
