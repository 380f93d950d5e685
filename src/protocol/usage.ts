// What an agent run spent: money, tokens and turns, as its CLI reports them (or as a custom agent writes them
// to P2P_USAGE_FILE). Every figure is optional; runs add up figure by figure. Pure: the dashboard uses it
// too.
import * as z from 'zod';

const MAX_AMOUNT = 1e12;
const MAX_COUNT = 1e15;
const amount = z.number().finite().nonnegative().max(MAX_AMOUNT);
const count = z.number().int().nonnegative().max(MAX_COUNT);

export const UsageSchema = z.object({
  cost_usd: amount.optional(),
  input_tokens: count.optional(),
  output_tokens: count.optional(),
  turns: count.optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** What several runs spent together: a figure is present when any run reported it. */
export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: Usage = {};
  for (const key of ['cost_usd', 'input_tokens', 'output_tokens', 'turns'] as const) {
    if (a[key] === undefined && b[key] === undefined) continue;
    const sum = (a[key] ?? 0) + (b[key] ?? 0);
    out[key] =
      key === 'cost_usd' ? Math.min(Math.round(sum * 1e6) / 1e6, MAX_AMOUNT) : Math.min(sum, MAX_COUNT);
  }
  return out;
}

/**
 * What a CLI's output said it spent, made a valid usage: counts rounded, figures kept within bounds, anything
 * that is not a number left out. Undefined when nothing is left.
 */
export function normalizeUsage(u: Partial<Record<keyof Usage, unknown>> | undefined): Usage | undefined {
  if (!u) return undefined;
  const out: Usage = {};
  for (const key of ['cost_usd', 'input_tokens', 'output_tokens', 'turns'] as const) {
    const v = u[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) continue;
    out[key] = key === 'cost_usd' ? Math.min(v, MAX_AMOUNT) : Math.min(Math.round(v), MAX_COUNT);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** True when the usage says nothing at all. */
export const isEmptyUsage = (u: Usage | undefined): boolean =>
  !u || Object.values(u).every((v) => v === undefined);

function tokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatCost(usd: number): string {
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "$0.42 · 1.2k in / 340 out tokens · 7 turns", leaving out what is not known. */
export function formatUsage(u: Usage | undefined): string {
  if (!u) return '';
  const parts: string[] = [];
  if (u.cost_usd !== undefined) parts.push(formatCost(u.cost_usd));
  if (u.input_tokens !== undefined || u.output_tokens !== undefined)
    parts.push(`${tokens(u.input_tokens ?? 0)} in / ${tokens(u.output_tokens ?? 0)} out tokens`);
  if (u.turns !== undefined) parts.push(`${u.turns} turn${u.turns === 1 ? '' : 's'}`);
  return parts.join(' · ');
}
