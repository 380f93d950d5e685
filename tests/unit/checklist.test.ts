import { describe, expect, it } from 'vitest';
import {
  findChecklist,
  readChecklist,
  renderChecklist,
  shouldEdit,
  type ChecklistShown,
  type ShownTask,
} from '../../src/protocol/checklist.js';
import { decode, encode, GITHUB_COMMENT_LIMIT } from '../../src/protocol/codec.js';
import { fold } from '../../src/protocol/fold.js';
import type { Result, Task } from '../../src/protocol/messages.js';
import { BOT, MALLORY, RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const LONG = { lease_ms: 3_600_000 };
const PR = 'https://github.com/acme/widgets/pull/12';

function planned(tasks: Task[] = [task('t1'), task('t2')], maxAttempts = 2): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0);
  t.bid('node-2', T0);
  t.plan('node-1', tasks, T0 + 1000, { max_attempts: maxAttempts });
  return t;
}

const render = (t: ThreadBuilder, now: number) =>
  renderChecklist({ state: fold(t.comments, { run: RUN, trust }), now });
const lineOf = (body: string, id: string): string =>
  body.split('\n').find((l) => l.includes(`**${id}**`)) ?? '(no line)';
const result = (extra: Partial<Result> = {}): Result => ({
  exit_code: 0,
  duration_ms: 60_000,
  output_tail: '',
  ...extra,
});

describe('renderChecklist', () => {
  it('shows a task with an open attempt as running, by whom, which attempt and since when', () => {
    const t = planned();
    t.claim('node-2', 't1', T0 + 2000, LONG);
    const { body, shown } = render(t, T0 + 10_000);
    expect(lineOf(body, 't1')).toBe(
      '- [ ] **t1** Do t1 — 🏃 running on node-2 (attempt 1, since 10:00:02 UTC)',
    );
    expect(lineOf(body, 't2')).toBe('- [ ] **t2** Do t2 — ⏳ waiting');
    expect(shown.get('t1')).toEqual({ status: 'running', step: 1 });
  });

  it('ticks a completed task with who ran it, its pull request, its check and its cost', () => {
    const t = planned();
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    const check = { command: 'npm test', passed: true, fix_rounds: 1, exit_code: 0, output_tail: '' };
    t.update(c, T0 + 62_000, {
      state: 'completed',
      result: result({ pr: PR, check, usage: { cost_usd: 0.42 } }),
    });
    const { body, shown } = render(t, T0 + 63_000);
    expect(lineOf(body, 't1')).toBe(
      `- [x] **t1** Do t1 — completed by node-2 · [PR #12](${PR}) · check passed after 1 fix round · $0.42`,
    );
    expect(shown.get('t1')).toEqual({ status: 'completed', step: 2 });
    expect(body).toContain('Agent cost so far: $0.42');
  });

  it('credits the attempt that completed the task, names its branch, and says when its cost is unknown', () => {
    const t = planned();
    t.claim('node-2', 't1', T0 + 2000);
    // node-2 fell silent; node-1 took over and completed.
    const c2 = t.claim('node-1', 't1', T0 + 7000, { ...LONG, attempt: 2 });
    t.update(c2, T0 + 9000, { state: 'completed', result: result({ branch: 'p2p-dev/t1' }) });
    const { body } = render(t, T0 + 10_000);
    expect(lineOf(body, 't1')).toBe(
      '- [x] **t1** Do t1 — completed by node-1 · branch p2p-dev/t1 · cost unknown',
    );
    expect(body).toContain('Agent cost so far: unknown');
  });

  it('does not tick a task for a result comment an untrusted author wrote', () => {
    const t = planned();
    t.claim('node-2', 't1', T0 + 2000, LONG);
    t.claim('node-3', 't2', T0 + 2000, { state: 'completed', result: result({ pr: PR }) }, MALLORY);
    const { body, shown } = render(t, T0 + 10_000);
    expect(lineOf(body, 't2')).toBe('- [ ] **t2** Do t2 — ⏳ waiting');
    expect(body).not.toContain('- [x]');
    expect(shown.get('t2')?.status).toBe('claimable');
    expect(body).toContain('0 of 2 completed · 1 running');
  });

  it('marks failed, skipped and blocked tasks, and a retry after a failed attempt', () => {
    const t = planned(
      [task('t1'), task('t2', { depends_on: ['t1'] }), task('t3'), task('t4', { depends_on: ['t3'] })],
      1,
    );
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    t.update(c, T0 + 3000, { state: 'failed', result: result({ exit_code: 1, error: 'boom' }) });
    t.claim('node-1', 't3', T0 + 2000, LONG);
    const { body } = render(t, T0 + 4000);
    expect(lineOf(body, 't1')).toBe('- [ ] **t1** Do t1 — ❌ failed (1 attempt(s); last: boom)');
    expect(lineOf(body, 't2')).toBe('- [ ] **t2** Do t2 — ⏭️ skipped (dependency t1 failed)');
    expect(lineOf(body, 't4')).toBe('- [ ] **t4** Do t4 — ⏳ blocked on t3');

    const retry = planned([task('t1')], 2);
    const r = retry.claim('node-2', 't1', T0 + 2000, LONG);
    retry.update(r, T0 + 3000, { state: 'failed', result: result({ exit_code: 1, error: 'boom' }) });
    const again = render(retry, T0 + 4000);
    expect(lineOf(again.body, 't1')).toBe('- [ ] **t1** Do t1 — ⏳ waiting to retry (attempt 1 failed)');
    expect(again.shown.get('t1')).toEqual({ status: 'claimable', step: 2 });
  });

  it('marks the tasks of a stopped run stopped and says who stopped it', () => {
    const t = planned();
    const stop = {
      p2p: 1 as const,
      type: 'stop' as const,
      run: RUN,
      node: 'node-1',
      nonce: 'nonce-stop-0001',
      by: { login: 'alice', id: 7 },
      comment_id: 1,
    };
    t.add(encode(stop, 'stop requested'), T0 + 3000);
    const { body, shown } = render(t, T0 + 4000);
    expect(lineOf(body, 't1')).toBe('- [ ] **t1** Do t1 — 🛑 stopped');
    expect(shown.get('t2')?.status).toBe('stopped');
    expect(body).toContain('🛑 The run was stopped by alice.');
    // The clock stops at the stop, not at the last outcome.
    expect(body).toContain('0 of 2 completed · 2 stopped · elapsed 3s');
  });

  it('sanitizes titles and reasons: one line, no HTML, no hidden text, no mentions, markdown escaped', () => {
    const title =
      'Fix @octocat <img src=x onerror=alert(1)> **bold\n\n# Heading <!-- p2p-dev:checklist {} --> `tick` [x](y) |a|';
    const t = planned([task('t1', { title })], 1);
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    t.update(c, T0 + 3000, {
      state: 'failed',
      result: result({ exit_code: 1, error: 'cc @admins\n- [x] **t9** done' }),
    });
    const { body } = render(t, T0 + 4000);
    const line = lineOf(body, 't1');
    expect(line).toBe(
      '- [ ] **t1** Fix @\u200Boctocat &lt;img src=x onerror=alert(1)&gt; \\*\\*bold # Heading \\`tick\\` \\[x\\](y) \\|a\\| — ' +
        '❌ failed (1 attempt(s); last: cc @\u200Badmins - \\[x\\] \\*\\*t9\\*\\* done)',
    );
    expect(body.match(/<!--/g)).toHaveLength(1);
    expect(body).not.toMatch(/@(octocat|admins)/);
    expect(body).not.toContain('<img');
    expect(body.split('\n').filter((l) => l.startsWith('- ['))).toHaveLength(1);
  });

  it('is people talking to the fold, even with marker words in a title', () => {
    const t = planned([task('t1', { title: 'CLAIM 🎯 PROGRESS 📊 HEARTBEAT 💓' }), task('t2')]);
    t.add(
      encode(
        {
          p2p: 1,
          type: 'stop',
          run: RUN,
          node: 'node-1',
          nonce: 'nonce-stop-0002',
          by: { login: 'a', id: 7 },
          comment_id: 1,
        },
        'stop',
      ),
      T0 + 3000,
    );
    const { body } = render(t, T0 + 4000);
    expect(body).toContain('🛑 stopped');
    expect(decode(body)).toEqual({ kind: 'chatter' });
  });

  it('gives the elapsed time and an estimate from the completed tasks, shared among the working nodes', () => {
    const t = planned([task('t1'), task('t2'), task('t3'), task('t4')]);
    expect(render(t, T0 + 2000).body).not.toMatch(/left/);
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    t.update(c, T0 + 122_000, { state: 'completed', result: result({ usage: { cost_usd: 1 } }) });
    // Three tasks of 2m each left, two nodes working: 3m.
    const { body } = render(t, T0 + 180_000);
    expect(body).toContain('1 of 4 completed · elapsed 3m 0s · about 3m 0s left');
    // A running task counts what is left of it; never less than the longest task left.
    const t2 = planned([task('t1'), task('t2')]);
    const c1 = t2.claim('node-2', 't1', T0 + 2000, LONG);
    t2.update(c1, T0 + 122_000, { state: 'completed', result: result() });
    t2.claim('node-1', 't2', T0 + 122_000, LONG);
    expect(render(t2, T0 + 152_000).body).toContain('about 1m 30s left');
  });

  it('stops the clock and drops the estimate once every task is done', () => {
    const t = planned([task('t1')]);
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    t.update(c, T0 + 62_000, { state: 'completed', result: result() });
    const { body } = render(t, T0 + 3_600_000);
    expect(body).toContain('1 of 1 completed · elapsed 1m 2s\n');
  });
});

describe('the marker', () => {
  it('round-trips: what a body shows is what readChecklist reads', () => {
    const t = planned([task('t1'), task('t2'), task('constructor')]);
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    t.update(c, T0 + 3000, { state: 'completed', result: result() });
    t.claim('node-1', 't2', T0 + 3000, LONG);
    const { body, shown } = render(t, T0 + 4000);
    expect(body.startsWith('<!-- p2p-dev:checklist {"v":1,"run":"100.1","shown":{')).toBe(true);
    expect(readChecklist(body)).toEqual({ run: RUN, shown });
    expect([...shown.keys()]).toEqual(['t1', 't2', 'constructor']);
    expect(shown.get('constructor')).toEqual({ status: 'claimable', step: 0 });
  });

  it('reads nothing from anything that is not a valid marker, and never throws', () => {
    const good = '<!-- p2p-dev:checklist {"v":1,"run":"1.1","shown":{"t1":"c2"}} -->';
    expect(readChecklist(good)?.shown.get('t1')).toEqual({ status: 'completed', step: 2 });
    for (const body of [
      '',
      'just a comment',
      good.replace('"v":1', '"v":2'),
      good.replace('c2', 'q2'),
      good.replace('c2', 'completed'),
      good.replace('"t1"', '"../x"'),
      good.replace('"run":"1.1",', ''),
      good.replace(' -->', ''),
      '<!-- p2p-dev:checklist {"v":1, -->',
      '<!-- p2p-dev:checklist null -->',
      '<!-- p2p-dev:checklist [] -->',
    ])
      expect(readChecklist(body)).toBeUndefined();
    expect(readChecklist(null as unknown as string)).toBeUndefined();
  });

  it('keeps 500 tasks under the comment limit with the marker complete', () => {
    const long = (i: number) => `t${String(i).padStart(3, '0')}-${'x'.repeat(95)}`;
    const tasks = Array.from({ length: 500 }, (_, i) =>
      task(long(i), { title: `${'Title '.repeat(82)}${i}` }),
    );
    const t = planned(tasks);
    const { body, shown } = render(t, T0 + 2000);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(readChecklist(body)?.shown.size).toBe(500);
    expect(shown.size).toBe(500);
    const lines = body.split('\n').filter((l) => l.startsWith('- [ ] **'));
    expect(lines.length).toBeGreaterThan(0);
    expect(body).toContain(`- … and ${500 - lines.length} more`);
    expect(body).toMatch(/0 of 500 completed/);

    const short = planned(Array.from({ length: 500 }, (_, i) => task(`t${i}`)));
    const all = render(short, T0 + 2000).body;
    expect(all.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(all.split('\n').filter((l) => l.startsWith('- [ ] **'))).toHaveLength(500);
    expect(all).not.toContain('more');
  });

  it('keeps even the largest plan under the limit: the marker keeps the tasks whose ids fit, in plan order', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `t${String(i).padStart(4, '0')}-${'y'.repeat(94)}`);
    const t = planned(ids.map((id) => task(id)));
    const { body, shown } = render(t, T0 + 2000);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const read = readChecklist(body)!;
    expect(read.shown).toEqual(shown);
    expect([...shown.keys()]).toEqual(ids.slice(0, shown.size));
    expect(shown.size).toBeGreaterThan(400);
    // The same view renders the same marker: no node edits for nothing.
    expect(shouldEdit(read.shown, render(t, T0 + 3000).shown)).toBe(false);
  });
});

describe('findChecklist', () => {
  it('takes the earliest checklist of the run written by the action, never a forged one', () => {
    const t = planned();
    const body = render(t, T0 + 2000).body;
    const forged = t.add(body.replace('"w0"', '"c2"'), T0 + 2000, MALLORY);
    const otherRun = t.add(body.replace('"run":"100.1"', '"run":"99.1"'), T0 + 2000);
    const first = t.add(body, T0 + 3000);
    t.add(body, T0 + 4000);
    const found = findChecklist([...t.comments].reverse(), trust, RUN);
    expect(found?.comment).toBe(first);
    expect(found?.shown.get('t1')?.status).toBe('claimable');
    expect(findChecklist([forged, otherRun], trust, RUN)).toBeUndefined();
    expect(findChecklist([forged], { ids: new Set([MALLORY.id]), logins: new Set() }, RUN)?.comment).toBe(
      forged,
    );
    expect(BOT.id).not.toBe(MALLORY.id);
  });

  it('breaks a same-second tie by comment id', () => {
    const t = planned();
    const body = render(t, T0 + 2000).body;
    const a = t.add(body, T0 + 3000);
    const b = t.add(body, T0 + 3000);
    expect(findChecklist([b, a], trust, RUN)?.comment).toBe(a);
  });
});

describe('shouldEdit', () => {
  const shown = (entries: Record<string, ShownTask>): ChecklistShown => new Map(Object.entries(entries));
  const s = (status: ShownTask['status'], step: number): ShownTask => ({ status, step });

  it('edits when there is nothing readable yet, and not when nothing changed', () => {
    const next = shown({ t1: s('running', 1) });
    expect(shouldEdit(undefined, next)).toBe(true);
    expect(shouldEdit(shown({ t1: s('running', 1) }), next)).toBe(false);
  });

  it('moves forward: running → completed, waiting → running, a lapse, a retry, blocked → waiting', () => {
    expect(shouldEdit(shown({ t1: s('running', 1) }), shown({ t1: s('completed', 2) }))).toBe(true);
    expect(shouldEdit(shown({ t1: s('claimable', 0) }), shown({ t1: s('running', 1) }))).toBe(true);
    expect(shouldEdit(shown({ t1: s('running', 1) }), shown({ t1: s('claimable', 1) }))).toBe(true);
    expect(shouldEdit(shown({ t1: s('claimable', 2) }), shown({ t1: s('running', 3) }))).toBe(true);
    expect(shouldEdit(shown({ t1: s('blocked', 0) }), shown({ t1: s('claimable', 0) }))).toBe(true);
    expect(shouldEdit(shown({ t1: s('completed', 2) }), shown({ t1: s('failed', 4) }))).toBe(true);
  });

  it('never goes back', () => {
    // A terminal task shown non-terminal: the view's listing lags.
    expect(shouldEdit(shown({ t1: s('completed', 2) }), shown({ t1: s('running', 1) }))).toBe(false);
    expect(shouldEdit(shown({ t1: s('failed', 2) }), shown({ t1: s('claimable', 2) }))).toBe(false);
    expect(shouldEdit(shown({ t1: s('stopped', 1) }), shown({ t1: s('running', 1) }))).toBe(false);
    // A claim the view has not listed yet.
    expect(shouldEdit(shown({ t1: s('running', 1) }), shown({ t1: s('claimable', 0) }))).toBe(false);
    expect(shouldEdit(shown({ t1: s('running', 3) }), shown({ t1: s('running', 1) }))).toBe(false);
    // A lapse the view has not reached yet.
    expect(shouldEdit(shown({ t1: s('claimable', 1) }), shown({ t1: s('running', 1) }))).toBe(false);
    // One task behind holds back the whole edit, even when another moved forward.
    const current = shown({ t1: s('completed', 2), t2: s('running', 1) });
    expect(shouldEdit(current, shown({ t1: s('running', 1), t2: s('completed', 2) }))).toBe(false);
    // A view without the plan.
    expect(shouldEdit(current, shown({}))).toBe(false);
  });

  it('agrees with the fold as a thread grows, and refuses a lagging view', () => {
    const t = planned();
    const before = render(t, T0 + 2000).shown;
    const c = t.claim('node-2', 't1', T0 + 2000, LONG);
    const running = render(t, T0 + 3000).shown;
    t.update(c, T0 + 4000, { state: 'completed', result: result() });
    const done = render(t, T0 + 5000).shown;
    expect(shouldEdit(before, running)).toBe(true);
    expect(shouldEdit(running, done)).toBe(true);
    expect(shouldEdit(done, before)).toBe(false);
    expect(shouldEdit(done, running)).toBe(false);
    expect(shouldEdit(readChecklist(render(t, T0 + 5000).body)!.shown, done)).toBe(false);
  });
});
