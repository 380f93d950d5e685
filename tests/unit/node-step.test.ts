// The node's decisions as step functions of the folded thread, the clocks and its memory: what it does next
// in each phase of its life, and the named waits it picks among.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { FIRST_MEMORY, step, type NodeMemory, type NodeView } from '../../src/node/loop/node-step.js';
import {
  claimStaggerMs,
  electionWaitMs,
  firstReadingWaitMs,
  idleBackOffMs,
  idleCapMs,
  planTailThreshold,
  readingPhase,
  watchesTail,
} from '../../src/node/loop/polling.js';
import { HEARS_ALL, RUNNING_GRACE_MS } from '../../src/protocol/hearing.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const SETTINGS = {
  pollMs: 1000,
  settleMs: 2000,
  leaseMs: 3000,
  listingLagMs: 1000,
  nodeId: 'node-1',
  instance: 1,
};

function view(t: ThreadBuilder, at: number, extra: Partial<NodeView> = {}): NodeView {
  return {
    state: fold(t.comments, { run: RUN, trust }),
    serverNow: at,
    localNow: at,
    settings: SETTINGS,
    thread: { size: t.comments.length, canReadTail: true },
    candidacies: new Map(),
    gone: new Map(),
    hearing: HEARS_ALL,
    jobs: { canLook: false, lastLook: -Infinity, spread: 1 },
    stretch: 1,
    ...extra,
  };
}

/** Bids of node-1 (ours) and node-2, node-1's the earlier. */
function election(): { t: ThreadBuilder; mine: { nonce: string; postedAt: number } } {
  const t = new ThreadBuilder();
  const bid = t.bid('node-1', T0);
  t.bid('node-2', T0 + 1000);
  const nonce = (JSON.parse(/<!-- p2p-dev (.*) -->/.exec(bid.body)![1]!) as { nonce: string }).nonce;
  return { t, mine: { nonce, postedAt: T0 } };
}

describe('the electing step', () => {
  it('leads the term its bid won once the settle window has passed, and only once', () => {
    const { t, mine } = election();
    const candidacies = new Map([[1, mine]]);
    const early = step(view(t, T0 + 1000, { candidacies }), FIRST_MEMORY);
    expect(early.action).toEqual({ kind: 'wait', ms: 1000, optional: false });
    const due = step(view(t, T0 + 2500, { candidacies }), FIRST_MEMORY);
    expect(due.action.kind).toBe('lead');
    expect(due.memory.leadAttemptedTerm).toBe(1);
    expect(step(view(t, T0 + 2600, { candidacies }), due.memory).action.kind).toBe('wait');
  });

  it('waits for the leader’s plan, and stands for the next term when the leader falls silent', () => {
    const { t } = election();
    // node-1 leads and is not us: we are node-2 here, with no standing bid.
    const settings = { ...SETTINGS, nodeId: 'node-2', instance: 2 };
    const waiting = step(view(t, T0 + 2000, { settings }), FIRST_MEMORY);
    expect(waiting.action).toEqual({ kind: 'wait', ms: 1000, optional: false });
    expect(waiting.memory.planAwaitedSince).toBe(T0 + 2000);
    // The bid's lease is 3 s: a full second past its end the leader counts as fallen silent.
    const silent = step(view(t, T0 + 4000, { settings }), waiting.memory);
    expect(silent.action).toMatchObject({ kind: 'stand', term: 2 });
  });

  it('watches the end of a long thread for the plan instead of listing it', () => {
    const { t } = election();
    const settings = { ...SETTINGS, nodeId: 'node-2', instance: 2 };
    const long = { size: 150, canReadTail: true };
    const first = step(view(t, T0 + 1000, { settings, thread: long }), FIRST_MEMORY);
    expect(first.action.kind).toBe('wait'); // 150 < two pages at first
    const later = step(view(t, T0 + 2500, { settings, thread: long }), {
      ...first.memory,
      planAwaitedSince: T0 - 3000,
    });
    expect(later.action).toMatchObject({ kind: 'watch-for-plan', forMs: 15_000, probeMs: 1000 });
    const noTail = step(
      view(t, T0 + 2500, { settings, thread: { size: 150, canReadTail: false } }),
      later.memory,
    );
    expect(noTail.action.kind).toBe('wait');
  });
});

/** A plan of two tasks by node-1; node-2 and node-3 bid too. */
function planned(tasks = [task('task-1'), task('task-2')]): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0);
  t.bid('node-2', T0, { runner: 'runner-2' });
  t.bid('node-3', T0, { runner: 'runner-3' });
  t.plan('node-1', tasks, T0 + 1000);
  return t;
}

describe('the worker step', () => {
  it('claims the task chosen for it, and holds back while nodes ahead of it may claim', () => {
    const t = planned([task('task-1')]);
    const first = step(view(t, T0 + 2000), { ...FIRST_MEMORY, idleRounds: 5 });
    expect(first.action).toMatchObject({ kind: 'claim', choice: { task: 'task-1', attempt: 1 } });
    expect(first.memory.idleRounds).toBe(0);
    // node-2 is second in line for the only task: it waits a stagger for node-1.
    const second = step(
      view(t, T0 + 2000, { settings: { ...SETTINGS, nodeId: 'node-2', instance: 2 } }),
      FIRST_MEMORY,
    );
    expect(second.action).toEqual({ kind: 'wait', ms: 1000, optional: false });
    expect(second.memory.waitingFor).toBe('holding back');
  });

  it('reads a gone owner’s last write again before taking its task over, then claims', () => {
    const t = planned([task('task-1')]);
    t.claim('node-2', 'task-1', T0 + 2000);
    const gone = new Map([['node-2', { job: 12, endedAt: T0 + 3000 }]]);
    const at = T0 + 3500; // the lease (3 s) still runs
    const confirm = step(view(t, at, { gone }), FIRST_MEMORY);
    expect(confirm.action).toEqual({ kind: 'confirm-takeover', task: 'task-1', attempt: 1 });
    const claim = step(view(t, at, { gone }), confirm.memory);
    expect(claim.action).toMatchObject({
      kind: 'claim',
      choice: { task: 'task-1', attempt: 2, takeover: { node: 'node-2' } },
    });
    expect(claim.memory.confirmedTakeover).toBeUndefined();
  });

  it('takes a silent owner’s task over only once the silence it could hear outlasts the lease', () => {
    const t = planned([task('task-1')]);
    t.claim('node-2', 'task-1', T0 + 2000); // the lease (3 s) runs out at T0 + 5000
    const at = T0 + 9000;
    // GitHub failed this node from T0 + 3000 to T0 + 8000: 5 s of the silence prove nothing.
    const hearing = { deaf: [{ from: T0 + 3000, to: T0 + 8000 }], running: new Set<string>() };
    expect(step(view(t, at, { hearing }), FIRST_MEMORY).action.kind).not.toBe('claim');
    expect(step(view(t, at), FIRST_MEMORY).action).toMatchObject({ kind: 'claim' });
    expect(step(view(t, T0 + 11_000, { hearing }), FIRST_MEMORY).action).toMatchObject({
      kind: 'claim',
      choice: { task: 'task-1', attempt: 2 },
    });
  });

  it('looks at the owner’s job before a takeover decided on silence, and waits out a silent limit while it runs', () => {
    const t = planned([task('task-1')]);
    t.claim('node-2', 'task-1', T0 + 2000);
    const jobs = { canLook: true, lastLook: -Infinity, spread: 1 };
    const at = T0 + 7000; // past the lease
    const look = step(view(t, at, { jobs }), FIRST_MEMORY);
    expect(look.action).toMatchObject({ kind: 'look-at-jobs' });
    expect(look.memory.lookedBeforeTakeover).toBe('task-1#2');
    // The look shows node-2's job running: it may be sitting out a minute's limit; no claim yet.
    const running = { deaf: [], running: new Set(['node-2']) };
    const after = step(view(t, at, { jobs, hearing: running }), look.memory);
    expect(after.action.kind).not.toBe('claim');
    // Bounded: the lease, then GitHub's wait and the time to write after it.
    const late = T0 + 5000 + RUNNING_GRACE_MS + 1000;
    expect(step(view(t, late, { jobs, hearing: running }), look.memory).action).toMatchObject({
      kind: 'claim',
      choice: { task: 'task-1', attempt: 2 },
    });
  });

  it('closes a task whose last allowed attempt fell silent', () => {
    const t = planned([task('task-1')]);
    t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-1', T0 + 7000, { attempt: 2 });
    const closing = step(view(t, T0 + 12_000), FIRST_MEMORY);
    expect(closing.action).toMatchObject({ kind: 'close', choice: { task: 'task-1', attempt: 3 } });
  });

  it('leaves when every task is over, and when planning failed', () => {
    const t = planned([task('task-1')]);
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    t.update(c, T0 + 3000, {
      state: 'completed',
      result: { exit_code: 0, duration_ms: 900, output_tail: '' },
    });
    expect(step(view(t, T0 + 3500), FIRST_MEMORY).action).toEqual({ kind: 'leave' });
    const failed = new ThreadBuilder();
    failed.bid('node-1', T0);
    failed.plan('node-1', [], T0 + 1000, { error: 'the planner exited with 1' });
    expect(step(view(failed, T0 + 2000), FIRST_MEMORY).action).toEqual({
      kind: 'leave',
      warning: 'the run has no tasks: planning failed: the planner exited with 1',
    });
  });
});

describe('the idle step', () => {
  /** Both tasks run on other nodes: node-1 has nothing to claim. */
  function busy(): ThreadBuilder {
    const t = planned();
    t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-2', T0 + 2000);
    return t;
  }

  it('backs off gently on a short thread, round after round', () => {
    let memory: NodeMemory = FIRST_MEMORY;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = step(view(busy(), T0 + 2500), memory);
      expect(d.action.kind).toBe('wait');
      waits.push((d.action as { ms: number }).ms);
      memory = d.memory;
    }
    expect(waits).toEqual([1000, 1000, 1000, 1000, 1000, 1000].map((_, i) => idleBackOffMs(SETTINGS, i + 1)));
    expect(memory.waitingFor).toBe('idle');
  });

  it('looks at the jobs when a look is due, without counting an idle round', () => {
    const t = busy();
    const jobs = { canLook: true, lastLook: -Infinity, spread: 1 };
    const d = step(view(t, T0 + 2500, { jobs }), FIRST_MEMORY);
    expect(d).toEqual({ action: { kind: 'look-at-jobs' }, memory: FIRST_MEMORY });
    // Just after a look the next one is an interval away: the wait is no longer than that.
    const after = step(view(t, T0 + 2500, { jobs: { ...jobs, lastLook: T0 + 2500 } }), FIRST_MEMORY);
    expect(after.action.kind).toBe('wait');
  });

  it('leaves early past the three lowest idle instances once only running tasks are left', () => {
    const t = busy();
    for (const n of [4, 5, 6]) t.bid(`node-${n}`, T0);
    const as = (n: number) => ({ settings: { ...SETTINGS, nodeId: `node-${n}`, instance: n } });
    // Idle: node-1, node-4, node-5, node-6. The three lowest stay to take over; node-6 has nothing left to do.
    for (const n of [1, 4, 5]) expect(step(view(t, T0 + 2500, as(n)), FIRST_MEMORY).action.kind).toBe('wait');
    expect(step(view(t, T0 + 2500, as(6)), FIRST_MEMORY).action).toMatchObject({
      kind: 'leave',
      spare: expect.stringMatching(/no task is left to claim: 2 task\(s\) running, and 3 idle nodes/),
    });
    // A node that is gone no longer counts as staying: node-6 then stays.
    const gone = new Map([['node-4', { job: 4, endedAt: T0 }]]);
    expect(step(view(t, T0 + 2500, { ...as(6), gone }), FIRST_MEMORY).action.kind).toBe('wait');
    // While a task waits on another, every idle node stays: it may be needed when that one ends.
    const waiting = planned([task('task-1'), task('task-2'), task('task-3', { depends_on: ['task-1'] })]);
    waiting.claim('node-2', 'task-1', T0 + 2000);
    waiting.claim('node-3', 'task-2', T0 + 2000);
    for (const n of [4, 5, 6]) waiting.bid(`node-${n}`, T0);
    expect(step(view(waiting, T0 + 2500, as(6)), FIRST_MEMORY).action.kind).toBe('wait');
  });

  it('watches the end of a long thread until a lease may run out', () => {
    const d = step(view(busy(), T0 + 2500, { thread: { size: 120, canReadTail: true } }), FIRST_MEMORY);
    expect(d.action).toMatchObject({
      kind: 'watch-tail',
      untilLocal: T0 + 2500 + idleCapMs(SETTINGS),
      lookAtLocal: Infinity,
      probeMs: 1000,
    });
    expect((d.action as { lapseServer: number }).lapseServer).toBeGreaterThan(T0 + 2500);
  });
});

describe('the polling policies', () => {
  it('name the waits', () => {
    expect(planTailThreshold(1000)).toBe(200);
    expect(planTailThreshold(4000)).toBe(100);
    expect(electionWaitMs(SETTINGS, { candidate: true, leader: true, settleLeftMs: 300 })).toBe(300);
    expect(electionWaitMs(SETTINGS, { candidate: true, leader: false, settleLeftMs: -1 })).toBe(500);
    expect(
      electionWaitMs({ ...SETTINGS, pollMs: 5000 }, { candidate: false, leader: true, settleLeftMs: 0 }),
    ).toBe(1000);
    expect(claimStaggerMs(SETTINGS)).toBe(5000);
    // The first reading after standing: at the settle window's end (a poll interval at most), never before.
    const defaults = { ...SETTINGS, pollMs: 3000 };
    expect([0, 300, 1999, 2500].map((since) => firstReadingWaitMs(defaults, since))).toEqual([
      2000, 1700, 1, 0,
    ]);
    expect(firstReadingWaitMs(SETTINGS, 300)).toBe(1000);
    expect([1, 3, 4, 5, 9, 20].map((r) => idleBackOffMs({ ...SETTINGS, leaseMs: 900_000 }, r))).toEqual([
      1000, 1000, 2000, 4000, 60_000, 60_000,
    ]);
    expect(watchesTail({ blocked: 0, threadSize: 100, canReadTail: true })).toBe(true);
    expect(watchesTail({ blocked: 1, threadSize: 500, canReadTail: true })).toBe(false);
    expect(watchesTail({ blocked: 0, threadSize: 99, canReadTail: true })).toBe(false);
    expect(readingPhase(false, 'idle', 'idle')).toBe('electing');
    expect(readingPhase(true, 'working', 'idle')).toBe('catching up');
    expect(readingPhase(true, 'idle', 'holding back')).toBe('holding back');
  });
});
