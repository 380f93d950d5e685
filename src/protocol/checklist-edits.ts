// Whether a checklist edit goes forward: a node (or the summary job) edits the checklist only to show a view
// that is behind it on no task, so that a lagging view never writes over a newer one.
import { TERMINAL, type TaskStatus } from './decide.js';

/**
 * What the checklist shows of one task: its status and its `step`, a count that only grows as the log grows
 * (two per attempt, one less while the last attempt is open), so a view that lacks a claim or an outcome has a
 * smaller step than one that shows it.
 */
export interface ShownTask {
  status: TaskStatus;
  step: number;
}

/** Per task id, in plan order. A Map: task ids such as `constructor` are no object's keys. */
export type ChecklistShown = ReadonlyMap<string, ShownTask>;

/** Why `next` is behind `current` for one task, if it is. */
function behind(current: ShownTask, next: ShownTask | undefined): boolean {
  if (!next) return true;
  if (next.step < current.step) return true;
  if (TERMINAL.has(current.status) && !TERMINAL.has(next.status)) return true;
  const waiting = (s: TaskStatus): boolean => s === 'blocked' || s === 'claimable';
  return next.step === current.step && waiting(current.status) && next.status === 'running';
}

/** Whether `next` shows a task behind what `current` shows (an edit from it would go back). */
export function isBehind(current: ChecklistShown, next: ChecklistShown): boolean {
  for (const [id, shown] of current) if (behind(shown, next.get(id))) return true;
  return false;
}

/**
 * Whether a node should edit the checklist that shows `current` to show `next` (its own view). Yes when they
 * differ and `next` goes backwards on no task. A view goes backwards on a task when it
 * - does not have the task (it has not seen the plan);
 * - has a smaller step: it lacks a claim or an outcome the comment shows (its listing lags);
 * - shows non-terminal a task the comment shows completed, failed, skipped or stopped;
 * - shows running, at the same step, a task the comment shows waiting: the attempt's lease ran out, or its
 *   node is gone, in a view this one has not caught up with (its clock estimate, or what it knows of jobs).
 * Anything else is forward: running → completed, waiting → running, running → waiting once a lease ran out,
 * blocked → waiting, and a terminal status the fold revised to another (a takeover voided an outcome).
 * Without a current checklist (none, or unreadable), any view is worth showing.
 */
export function shouldEdit(current: ChecklistShown | undefined, next: ChecklistShown): boolean {
  if (!current) return true;
  if (isBehind(current, next)) return false;
  if (current.size !== next.size) return true;
  for (const [id, shown] of next) {
    const was = current.get(id);
    if (!was || was.status !== shown.status || was.step !== shown.step) return true;
  }
  return false;
}
