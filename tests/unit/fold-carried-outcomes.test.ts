// An outcome carried by its node's next claim (`prior`): the fold reads it as an edit of the earlier claim
// made when the carrier was created, so that one comment both records a task's end and claims the next one,
// and nobody else can write an outcome for another node's attempt this way.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { taskViews } from '../../src/protocol/decide.js';
import type { Claim, PriorOutcome } from '../../src/protocol/messages.js';
import type { ThreadComment } from '../../src/protocol/thread-comment.js';
import { MALLORY, RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });
const messageOf = (c: ThreadComment): Claim => JSON.parse(/<!-- p2p-dev (.*) -->/.exec(c.body)![1]!) as Claim;

/** The earlier claim's final write, as its node's next claim carries it. */
function outcomeOf(c: ThreadComment, fields: Partial<PriorOutcome> = {}): PriorOutcome {
  const old = messageOf(c);
  return {
    ...old,
    state: 'completed',
    result: { exit_code: 0, duration_ms: 1000, output_tail: 'done' },
    beat: old.beat + 1,
    prev: Date.parse(c.updated_at),
    ...fields,
  };
}

function planned(): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0);
  t.bid('node-2', T0);
  t.plan('node-1', [task('a'), task('b', { depends_on: ['a'] }), task('c')], T0 + 1000);
  return t;
}

describe('an outcome carried by the next claim', () => {
  it('ends the earlier attempt at the carrier’s time, and its dependent may be claimed in that comment', () => {
    const t = planned();
    const a = t.claim('node-1', 'a', T0 + 2000, { lease_ms: 60_000 });
    t.claim('node-1', 'b', T0 + 30_000, { prior: outcomeOf(a), lease_ms: 60_000 });
    const s = state(t);
    const first = s.tasks.get('a')!.attempts[0]!;
    expect(first).toMatchObject({ outcome: 'completed', endedAt: T0 + 30_000, updated: T0 + 30_000 });
    expect(first.ev.late).toBe(false);
    expect(s.tasks.get('b')!.attempts.map((x) => x.node)).toEqual(['node-1']);
    expect(taskViews(s, T0 + 31_000).get('a')?.status).toBe('completed');
    expect(s.entries.find((e) => e.commentId === a.id)?.note).toMatch(/recorded in comment/);
  });

  it('still records the outcome when the claim that carries it loses its race', () => {
    const t = planned();
    const a = t.claim('node-1', 'a', T0 + 2000, { lease_ms: 60_000 });
    t.claim('node-2', 'c', T0 + 20_000, { lease_ms: 60_000 });
    t.claim('node-1', 'c', T0 + 20_000, { prior: outcomeOf(a), lease_ms: 60_000 });
    const s = state(t);
    expect(s.tasks.get('a')!.attempts[0]!.outcome).toBe('completed');
    expect(s.tasks.get('c')!.attempts.map((x) => x.node)).toEqual(['node-2']);
  });

  it('counts only from the node that holds the attempt, in the action’s identity', () => {
    const t = planned();
    const a = t.claim('node-1', 'a', T0 + 2000, { lease_ms: 60_000 });
    // Another node of the run cannot end node-1's attempt, nor can a person who copies the payload.
    t.claim('node-2', 'c', T0 + 10_000, { prior: { ...outcomeOf(a), node: 'node-2' } });
    t.claim('node-2', 'b', T0 + 11_000, { prior: outcomeOf(a) });
    t.claim('node-1', 'c', T0 + 12_000, { prior: outcomeOf(a), attempt: 2 }, MALLORY);
    const s = state(t);
    expect(s.tasks.get('a')!.attempts[0]!.outcome).toBe('open');
    expect(s.tasks.get('b')!.attempts).toHaveLength(0);
  });

  it('is late, as a late edit is, when it came after the lease had run out', () => {
    const t = planned();
    const a = t.claim('node-1', 'a', T0 + 2000, { lease_ms: 10_000 });
    t.claim('node-2', 'a', T0 + 15_000, { attempt: 2, lease_ms: 60_000 });
    t.claim('node-1', 'c', T0 + 20_000, { prior: outcomeOf(a, { state: 'failed' }) });
    const [first, second] = state(t).tasks.get('a')!.attempts;
    expect(first!.outcome).toBe('expired');
    expect(second!.outcome).toBe('open');
  });

  it('stands as the first outcome: a later write to the earlier comment does not move it', () => {
    // The carrier's answer was lost, so its node wrote the outcome into the claim as well, 30 s later; a
    // dependent claimed on the carrier in between keeps its claim.
    const t = planned();
    const a = t.claim('node-1', 'a', T0 + 2000, { lease_ms: 60_000 });
    t.claim('node-1', 'c', T0 + 10_000, { prior: outcomeOf(a), lease_ms: 60_000 });
    t.claim('node-2', 'b', T0 + 12_000, { lease_ms: 60_000 });
    t.update(a, T0 + 40_000, { state: 'completed' }, T0 + 2000);
    let s = state(t);
    expect(s.tasks.get('a')!.attempts[0]).toMatchObject({ outcome: 'completed', endedAt: T0 + 10_000 });
    expect(s.tasks.get('b')!.attempts.map((x) => x.node)).toEqual(['node-2']);
    // A heartbeat held back until after the carrier does not reopen the attempt either.
    t.update(a, T0 + 41_000, { state: 'running' }, T0 + 2000);
    s = state(t);
    expect(s.tasks.get('a')!.attempts[0]).toMatchObject({ outcome: 'completed', endedAt: T0 + 10_000 });
  });

  it('gives way to an outcome the earlier comment recorded first', () => {
    const t = planned();
    const a = t.claim('node-1', 'a', T0 + 2000, { lease_ms: 60_000 });
    t.update(a, T0 + 8000, { state: 'failed' }, T0 + 2000);
    t.claim('node-1', 'c', T0 + 10_000, { prior: outcomeOf(a, { beat: 5 }), lease_ms: 60_000 });
    const first = state(t).tasks.get('a')!.attempts[0]!;
    expect(first).toMatchObject({ outcome: 'failed', endedAt: T0 + 8000 });
  });
});
