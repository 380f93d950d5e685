// The fold of the summary job's agent's spend messages (messages.ts, SpendSchema): each takes its cap of the
// run's budget where it stands in the log, as a claim does, and gives back what it did not spend once its
// comment records that it ran; one that never does keeps its whole cap (BudgetLedger). Pure.
import type { Spend } from './messages.js';
import type { Decoded, RunState, SpendRecord } from './run-state.js';

export function applySpend(state: RunState, d: Decoded, m: Spend): void {
  const record: SpendRecord = {
    commentId: d.comment.id,
    purpose: m.purpose,
    ...(m.cap_usd !== undefined ? { capUsd: m.cap_usd } : {}),
    done: m.state === 'done',
    ...(m.usage ? { usage: m.usage } : {}),
  };
  (state.spends ??= []).push(record);
  if (!state.budget) return;
  const { refusal } = state.budget.claim({ commentId: d.comment.id, at: d.created, askedUsd: m.cap_usd });
  if (refusal) {
    record.refused = true;
    d.entry.note = `less than it asked was left of the run's budget`;
    return;
  }
  if (record.done)
    state.budget.ends(d.comment.id, {
      at: d.updated,
      ...(m.usage?.cost_usd !== undefined ? { reportedUsd: m.usage.cost_usd } : {}),
    });
}
