// Stopping a run from the issue: a node relays the request of someone with write permission as a `stop`
// message; the fold keeps the first one, and every task not completed, failed or skipped is then stopped.
import { describe, expect, it } from 'vitest';
import { fold, type RunState } from '../../src/protocol/fold.js';
import { chooseTask, electionDue, runFinished, tally, taskViews } from '../../src/protocol/decide.js';
import { encode } from '../../src/protocol/codec.js';
import { renderStop } from '../../src/protocol/render.js';
import type { Claim, Result, Stop } from '../../src/protocol/messages.js';
import type { ThreadComment } from '../../src/protocol/thread-comment.js';
import { renderSummary, summarize } from '../../src/aggregate/run-summary.js';
import { BOT, MALLORY, RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const ALICE = { login: 'alice', id: 7, type: 'User' };
const BOB = { login: 'bob', id: 8, type: 'User' };
const state = (t: ThreadBuilder): RunState => fold(t.comments, { run: RUN, trust });
const statuses = (s: RunState, now: number) =>
  Object.fromEntries([...taskViews(s, now)].map(([id, v]) => [id, v.status]));
const LONG: Partial<Claim> = { lease_ms: 600_000 };
const outcome = (ok: boolean): Partial<Claim> => {
  const result: Result = { exit_code: ok ? 0 : 1, duration_ms: 1000, output_tail: '' };
  return ok ? { state: 'completed', result } : { state: 'failed', result: { ...result, error: 'exit 1' } };
};

let stops = 0;
/** A person asks to stop (`asker`'s comment), and a node relays it as a stop message written by `user`. */
function stop(
  t: ThreadBuilder,
  node: string,
  at: number,
  asker = ALICE,
  user: ThreadComment['user'] = BOT,
  run = RUN,
): { request: ThreadComment; relay: ThreadComment } {
  const request = t.add('/p2p-dev stop', at - 1000, asker);
  const m: Stop = {
    p2p: 1,
    type: 'stop',
    run,
    node,
    nonce: `stop-nonce-${++stops}`,
    by: { login: asker.login, id: asker.id },
    comment_id: request.id,
  };
  return { request, relay: t.add(encode(m, renderStop(m)), at, user) };
}

/**
 * Seven tasks at T0 + 6 s: task-1 completed, task-2 running, task-3 claimable, task-4 blocked on task-2,
 * task-5 failed once with an attempt left, task-6 cannot run (skipped), task-7 failed both its attempts.
 */
function midRun() {
  const t = new ThreadBuilder();
  for (const n of ['node-1', 'node-2', 'node-3', 'node-4']) t.bid(n, T0);
  t.plan(
    'node-1',
    [
      task('task-1'),
      task('task-2'),
      task('task-3'),
      task('task-4', { depends_on: ['task-2'] }),
      task('task-5'),
      task('task-6', { error: 'unknown dependency nope' }),
      task('task-7'),
    ],
    T0 + 1000,
    { max_attempts: 2 },
  );
  t.update(t.claim('node-2', 'task-1', T0 + 2000, LONG), T0 + 3000, outcome(true));
  const running = t.claim('node-3', 'task-2', T0 + 2000, LONG);
  t.update(t.claim('node-4', 'task-5', T0 + 2000, LONG), T0 + 3000, outcome(false));
  t.update(t.claim('node-1', 'task-7', T0 + 2000, LONG), T0 + 3000, outcome(false));
  t.update(t.claim('node-2', 'task-7', T0 + 4000, { ...LONG, attempt: 2 }), T0 + 5000, outcome(false));
  return { t, running };
}
const BEFORE = {
  'task-1': 'completed',
  'task-2': 'running',
  'task-3': 'claimable',
  'task-4': 'blocked',
  'task-5': 'claimable',
  'task-6': 'skipped',
  'task-7': 'failed',
};
const NOW = T0 + 8000;

describe('a stop', () => {
  it('stops every task that had not completed, failed or been skipped; nothing more is offered; the run is over', () => {
    const { t } = midRun();
    expect(statuses(state(t), NOW)).toEqual(BEFORE);
    const { request } = stop(t, 'node-1', T0 + 7000);
    const s = state(t);
    expect(s.stopped).toEqual({ by: 'alice', byId: 7, commentId: request.id, node: 'node-1', at: T0 + 7000 });
    expect(statuses(s, NOW)).toEqual({
      'task-1': 'completed',
      'task-2': 'stopped',
      'task-3': 'stopped',
      'task-4': 'stopped',
      'task-5': 'stopped',
      'task-6': 'skipped',
      'task-7': 'failed',
    });
    expect(taskViews(s, NOW).get('task-3')).toMatchObject({ reason: 'stopped by @alice', cause: 'stop' });
    expect(tally(s, NOW)).toMatchObject({ completed: 1, failed: 1, skipped: 1, stopped: 4, running: 0 });
    for (const [node, instance] of [
      ['node-1', 1],
      ['node-2', 2],
      ['node-4', 4],
    ] as const)
      expect(chooseTask(s, NOW, { node, instance })).toBeUndefined();
    // task-2's agent still runs (its node stops it), yet no node waits for anything.
    expect(runFinished(s, NOW)).toBe(true);
  });

  it('still counts an outcome that completes a running task after the stop', () => {
    const { t, running } = midRun();
    stop(t, 'node-1', T0 + 7000);
    t.update(running, T0 + 9000, outcome(true));
    expect(statuses(state(t), T0 + 9000)['task-2']).toBe('completed');
    t.update(running, T0 + 9000, outcome(false));
    expect(statuses(state(t), T0 + 9000)['task-2']).toBe('stopped');
  });

  it('keeps the first stop of the run; a later one is accepted but changes nothing', () => {
    const { t } = midRun();
    const first = stop(t, 'node-2', T0 + 7000);
    const second = stop(t, 'node-3', T0 + 9000, BOB);
    const s = state(t);
    expect(s.stopped).toMatchObject({ by: 'alice', commentId: first.request.id, node: 'node-2' });
    const entry = s.entries.find((e) => e.commentId === second.relay.id);
    expect(entry).toMatchObject({ status: 'accepted' });
    expect(entry?.note).toMatch(/already stopped by @alice/);
    expect(taskViews(s, NOW).get('task-3')?.reason).toBe('stopped by @alice');
  });

  it('changes nothing when written by anyone but the action, or for another run', () => {
    const { t } = midRun();
    const forged = stop(t, 'node-1', T0 + 7000, ALICE, MALLORY);
    const other = stop(t, 'node-1', T0 + 7000, ALICE, BOT, '99.1');
    const s = state(t);
    expect(s.stopped).toBeUndefined();
    expect(s.entries.find((e) => e.commentId === forged.relay.id)?.status).toBe('forged');
    expect(s.entries.find((e) => e.commentId === other.relay.id)?.status).toBe('other-run');
    expect(statuses(s, NOW)).toEqual(BEFORE);
    expect(chooseTask(s, NOW, { node: 'node-1', instance: 1 })?.task).toBe('task-3');
    expect(runFinished(s, NOW)).toBe(false);
  });

  it('before any plan: no election is called and the run is over; the relaying node does not join the run', () => {
    const t = new ThreadBuilder();
    t.bid('node-1', T0);
    stop(t, 'node-9', T0 + 5000);
    const s = state(t);
    expect(s.stopped?.node).toBe('node-9');
    expect([...s.nodes.keys()]).toEqual(['node-1']);
    expect(electionDue(s, T0 + 60_000)).toBeUndefined();
    expect(runFinished(s, T0 + 60_000)).toBe(true);
  });

  it('is said in the thread and in the summary', () => {
    const { t } = midRun();
    const { request, relay } = stop(t, 'node-1', T0 + 7000);
    expect(relay.body).toContain(`🛑 **STOP** · stopping the run, as @alice asked in comment ${request.id}`);
    const text = renderSummary(summarize(state(t), NOW));
    expect(text).toContain(`Stopped by @alice (comment ${request.id}); 4 task(s) stopped.`);
    expect(text).toContain('Totals: 1 completed, 1 failed, 1 skipped, 4 stopped.');
    expect(text).toMatch(/task-3: Do task-3 \| 🛑 stopped \(stopped by @alice\)/);
  });
});
