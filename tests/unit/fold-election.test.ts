import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { currentLeader, electionDue } from '../../src/protocol/decide.js';
import { BOT, MALLORY, RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });

describe('leader election', () => {
  it('gives the leadership to the earliest bid; a same-second tie goes to the lower comment id', () => {
    const t = new ThreadBuilder();
    t.bid('node-3', T0 + 200);
    t.bid('node-1', T0 + 900); // same second as node-3, later id
    t.bid('node-2', T0 + 1500);
    expect(currentLeader(state(t))?.node).toBe('node-3');
  });

  it('orders by created_at before id', () => {
    const t = new ThreadBuilder();
    const late = t.bid('node-1', T0 + 5000);
    const early = t.bid('node-2', T0 + 1000);
    expect(late.id).toBeLessThan(early.id);
    expect(currentLeader(state(t))?.node).toBe('node-2');
  });

  it('decides the same from a lagging listing that already shows the deciding bid', () => {
    const t = new ThreadBuilder();
    t.bid('node-4', T0);
    t.bid('node-2', T0 + 100);
    const prefix = fold(t.comments.slice(0, 1), { run: RUN, trust });
    expect(currentLeader(prefix)?.node).toBe('node-4');
    expect(currentLeader(state(t))?.node).toBe('node-4');
  });

  it('counts a bid posted twice by a retried POST once', () => {
    const t = new ThreadBuilder();
    const first = t.bid('node-1', T0);
    t.add(first.body, T0 + 1000);
    const s = state(t);
    expect(s.terms.get(1)?.bids).toHaveLength(1);
    expect(s.entries.filter((e) => e.status === 'duplicate')).toHaveLength(1);
  });

  it('ignores bids from other accounts, even exact copies of the action’s own', () => {
    const t = new ThreadBuilder();
    const real = t.bid('node-9', T0 + 3000);
    t.bid('node-1', T0, {}, MALLORY);
    t.add(real.body.replace('node-9', 'node-0'), T0 + 1000, { ...MALLORY });
    const s = state(t);
    expect(currentLeader(s)?.node).toBe('node-9');
    expect(s.entries.filter((e) => e.status === 'forged')).toHaveLength(2);
  });

  it('ignores messages of other runs', () => {
    const t = new ThreadBuilder();
    t.bid('old-node', T0, { run: '99.1' });
    t.bid('node-2', T0 + 2000);
    expect(currentLeader(state(t))?.node).toBe('node-2');
  });

  it('replaces a leader that fell silent before publishing, and only then', () => {
    const t = new ThreadBuilder();
    t.bid('node-1', T0);
    t.bid('node-2', T0 + 100);
    expect(electionDue(state(t), T0 + 3999)).toBeUndefined();
    expect(electionDue(state(t), T0 + 4000)).toBe(2);
    // A term-2 bid made while the leader's lease still ran does not count.
    t.bid('node-2', T0 + 2000, { term: 2 });
    expect(currentLeader(state(t))?.node).toBe('node-1');
    t.bid('node-3', T0 + 4000, { term: 2 });
    const s = state(t);
    expect(currentLeader(s)).toMatchObject({ node: 'node-3', term: 2 });
    // The old leader's plan, arriving after it was replaced, is ignored; the new leader's counts.
    t.plan('node-1', [task('task-1')], T0 + 5000);
    t.plan('node-3', [task('task-1'), task('task-2')], T0 + 6000, { term: 2 });
    const after = state(t);
    expect(after.plan).toMatchObject({ term: 2, leader: 'node-3' });
    expect(after.plan?.tasks).toHaveLength(2);
  });

  it('keeps a leader whose heartbeats keep its bid alive', () => {
    const t = new ThreadBuilder();
    const bid = t.bid('node-1', T0);
    const body = (beat: number, prev: number) =>
      bid.body
        .replace('"beat":0', `"beat":${beat},"prev":${prev}`)
        .replace('"state":"standing"', '"state":"planning"');
    t.edit(bid, body(1, T0), T0 + 2000);
    expect(electionDue(state(t), T0 + 5999)).toBeUndefined();
    expect(electionDue(state(t), T0 + 6000)).toBe(2);
    // An edit that landed more than a lease after the previous write proves nothing.
    t.edit(bid, body(2, T0), T0 + 9000);
    expect(electionDue(state(t), T0 + 4000)).toBe(2);
  });

  it('accepts only the leader’s plan, reassembled from its parts', () => {
    const t = new ThreadBuilder();
    t.bid('node-1', T0);
    t.plan('node-2', [task('x')], T0 + 1000);
    t.plan('node-1', [task('task-1')], T0 + 1000, { part: 1, parts: 2 });
    expect(state(t).plan).toBeUndefined();
    t.plan('node-1', [task('task-2')], T0 + 2000, { part: 2, parts: 2 });
    t.plan('node-1', [task('x')], T0 + 2000, {}, MALLORY);
    const s = state(t);
    expect(s.plan?.tasks.map((x) => x.id)).toEqual(['task-1', 'task-2']);
    expect(s.entries.find((e) => e.status === 'ignored')?.note).toMatch(/not the term 1 leader/);
  });

  it('records a failed planning as the run’s end', () => {
    const t = new ThreadBuilder();
    t.bid('node-1', T0);
    t.plan('node-1', [], T0 + 1000, { error: 'the planner exited with 2' });
    expect(state(t).plan?.error).toBe('the planner exited with 2');
  });

  it('skips malformed comments and says why', () => {
    const t = new ThreadBuilder();
    t.add('<!-- p2p-dev {"p2p":1,"type":"bid","term":"one"} -->', T0, BOT);
    t.bid('node-1', T0 + 1000);
    const s = state(t);
    expect(currentLeader(s)?.node).toBe('node-1');
    expect(s.entries[0]).toMatchObject({
      status: 'malformed',
      note: expect.stringContaining('invalid message'),
    });
  });
});

describe('a node leaving', () => {
  it('records what it spent in its bid, which the run summary adds up', async () => {
    const { summarize, renderSummary } = await import('../../src/aggregate/run-summary.js');
    const { decode, encode } = await import('../../src/protocol/codec.js');
    const { renderBid } = await import('../../src/protocol/render.js');
    const t = new ThreadBuilder();
    const b1 = t.bid('node-1', T0);
    const b2 = t.bid('node-2', T0);
    t.bid('node-3', T0);
    t.plan('node-1', [task('task-1')], T0 + 1000);
    for (const [bid, spent] of [
      [b1, { requests: 40, not_modified: 100, writes: 3 }],
      [b2, { requests: 12, not_modified: 30, writes: 1 }],
    ] as const) {
      const m = decode(bid.body);
      if (m.kind !== 'message' || m.message.type !== 'bid') throw new Error('not a bid');
      const left = { ...m.message, beat: 1, spent };
      t.edit(bid, encode(left, renderBid(left)), T0 + 60_000);
    }
    const state = fold(t.comments, { run: RUN, trust });
    expect(state.nodes.get('node-1')?.spent).toEqual({ requests: 40, not_modified: 100, writes: 3 });
    // Leaving does not unmake the leader.
    expect(currentLeader(state)?.node).toBe('node-1');
    const summary = summarize(state, T0 + 61_000);
    expect(summary.spent).toEqual({ requests: 52, notModified: 130, writes: 4, nodes: 2 });
    expect(renderSummary(summary)).toContain(
      'API cost of the run: 52 counted requests (4 comments posted) and 130 free 304s, as recorded by 2 of 3 node(s) when they left (nodes that died recorded nothing).',
    );
  });
});
