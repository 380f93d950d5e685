// Leases a holder lengthened because its API budget ran short: every reader judges the holder's silence
// against the lease the holder announced in its comment, never against its own settings, and a lengthened
// lease counts only from the edit that announced it in time.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { taskViews } from '../../src/protocol/decide.js';
import { heardLeaseEnd, HEARS_ALL } from '../../src/protocol/hearing.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });

function planned(): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0);
  t.bid('node-2', T0);
  t.plan('node-1', [task('task-1')], T0 + 1000);
  return t;
}

describe('a lengthened lease', () => {
  it('holds a claim posted with a longer lease than the readers’ settings for all of it', () => {
    const t = planned();
    t.claim('node-1', 'task-1', T0 + 2000, { lease_ms: 60_000 });
    const s = state(t);
    const attempt = s.tasks.get('task-1')!.attempts[0]!;
    expect(heardLeaseEnd(attempt.ev, 'node-1', HEARS_ALL)).toBe(T0 + 62_000);
    expect(taskViews(s, T0 + 61_000).get('task-1')?.status).toBe('running');
    // A takeover within the announced lease does not count; one after it does.
    t.claim('node-2', 'task-1', T0 + 30_000, { attempt: 2 });
    expect(state(t).tasks.get('task-1')?.attempts).toHaveLength(1);
    t.claim('node-2', 'task-1', T0 + 63_000, { attempt: 2 });
    expect(
      state(t)
        .tasks.get('task-1')
        ?.attempts.map((a) => a.outcome),
    ).toEqual(['expired', 'open']);
  });

  it('runs from the heartbeat that announced it, when it landed within the lease before', () => {
    const t = planned();
    const c = t.claim('node-1', 'task-1', T0 + 2000);
    // The 3 s lease of the claim, lengthened to 40 s by a heartbeat 2 s later.
    t.update(c, T0 + 4000, { state: 'running', lease_ms: 40_000, prev_lease_ms: 3000 });
    t.claim('node-2', 'task-1', T0 + 20_000, { attempt: 2 });
    const s = state(t);
    const attempt = s.tasks.get('task-1')!.attempts[0]!;
    expect(attempt.ev).toMatchObject({ lastAlive: T0 + 4000, leaseMs: 40_000, late: false });
    expect(s.tasks.get('task-1')?.attempts).toHaveLength(1);
    expect(s.entries.at(-1)?.note).toMatch(/still alive/);
  });

  it('counts for nothing when its heartbeat landed after the lease before had run out', () => {
    const t = planned();
    const c = t.claim('node-1', 'task-1', T0 + 2000);
    // Held back by GitHub: the lengthening heartbeat lands 10 s after the claim, past its 3 s lease. Judged
    // by its own 40 s it would be in time, and would void the takeover made at T0 + 6 s.
    t.claim('node-2', 'task-1', T0 + 6000, { attempt: 2 });
    t.update(c, T0 + 12_000, { state: 'running', lease_ms: 40_000, prev_lease_ms: 3000 }, T0 + 2000);
    const s = state(t);
    const [first, second] = s.tasks.get('task-1')!.attempts;
    expect(first?.ev).toMatchObject({ lastAlive: T0 + 2000, leaseMs: 3000, late: true });
    expect([first?.outcome, second?.node]).toEqual(['expired', 'node-2']);
  });

  it('holds a leader’s bid as long as it announced, so nobody stands for the next term before', () => {
    const t = new ThreadBuilder();
    t.bid('node-1', T0, { lease_ms: 50_000 });
    t.bid('node-2', T0 + 20_000, { term: 2 });
    expect(state(t).terms.get(2)).toBeUndefined();
    t.bid('node-2', T0 + 51_000, { term: 2 });
    expect(state(t).terms.get(2)?.leader?.node).toBe('node-2');
  });
});
