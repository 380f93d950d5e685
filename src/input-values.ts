// How one input's value is read and checked: its text (or action.yml's default, copied into the bundle), a
// number in a range, a boolean, a branch name, a word. A bad value fails with the input's name and what it
// accepts (InputError); inputs.ts reads every input with these.
import * as core from '@actions/core';
import { ACTION_DEFAULTS } from './generated/action-defaults.js';

export class InputError extends Error {}

export function raw(name: string): string {
  const value = core.getInput(name);
  if (value !== '') return value;
  const fallback = ACTION_DEFAULTS[name] ?? '';
  // An expression such as `${{ github.token }}` is only expanded by the runner.
  return fallback.includes('${{') ? '' : fallback;
}

/** A branch name, or undefined when empty; refuses what git would refuse (spaces, `..`, control characters). */
export function branchInput(name: string): string | undefined {
  const value = raw(name)
    .trim()
    .replace(/^refs\/heads\//, '');
  if (value === '') return undefined;
  if (
    !/^[A-Za-z0-9._/-]+$/.test(value) ||
    value.includes('..') ||
    value.startsWith('/') ||
    value.endsWith('/') ||
    value.endsWith('.lock') ||
    value.startsWith('-')
  ) {
    throw new InputError(
      `Input "${name}" must be a branch name (letters, digits, ".", "_", "-" and "/"); got "${value}".`,
    );
  }
  return value;
}

export function numberInput(
  name: string,
  opts: { min: number; max: number; integer?: boolean; unit?: string },
): number {
  const text = raw(name).trim();
  const value = Number(text);
  const kind = opts.integer ? 'a whole number' : 'a number';
  const range = `from ${opts.min} to ${opts.max}${opts.unit ? ` ${opts.unit}` : ''}`;
  if (
    text === '' ||
    !Number.isFinite(value) ||
    (opts.integer && !Number.isInteger(value)) ||
    value < opts.min ||
    value > opts.max
  ) {
    throw new InputError(`Input "${name}" must be ${kind} ${range}; got "${text}".`);
  }
  return value;
}

/** A number input that may be left empty (no limit). */
export function optionalNumber(
  name: string,
  opts: { min: number; max: number; integer?: boolean; unit?: string },
): number | undefined {
  return raw(name).trim() === '' ? undefined : numberInput(name, opts);
}

export function booleanInput(name: string): boolean {
  const value = raw(name).trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(`Input "${name}" must be true or false; got "${raw(name)}".`);
}

export function nonEmpty(name: string, what: string): string {
  const value = raw(name).trim();
  if (!value || /\s/.test(value))
    throw new InputError(`Input "${name}" must be ${what} without spaces; got "${value}".`);
  return value;
}
