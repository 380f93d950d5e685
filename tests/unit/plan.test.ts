import { describe, expect, it } from 'vitest';
import { draftsFromPlannerOutput, finalizePlan } from '../../src/tasks/plan.js';
import { planComments } from '../../src/protocol/render.js';
import { decode, GITHUB_COMMENT_LIMIT } from '../../src/protocol/codec.js';
import type { DraftTask } from '../../src/tasks/issue-tasks.js';

const draft = (id: string, deps: string[] = []): DraftTask => ({
  id,
  title: id,
  body: '',
  priority: 'medium',
  depends_on: deps,
});

describe('planner output', () => {
  it('reads a valid plan, after any log lines', () => {
    const out =
      'thinking...\n{"tasks":[{"id":"a","title":"A","body":"do a","priority":"high","depends_on":["b"]},{"id":"b","title":"B"}]}';
    expect(draftsFromPlannerOutput(out)).toEqual([
      { id: 'a', title: 'A', body: 'do a', priority: 'high', depends_on: ['b'] },
      { id: 'b', title: 'B', body: '', priority: 'medium', depends_on: [] },
    ]);
  });

  it('says what is wrong with an invalid plan', () => {
    expect(() => draftsFromPlannerOutput('nope')).toThrow(/not JSON/);
    expect(() => draftsFromPlannerOutput('{"tasks":[]}')).toThrow(/tasks: the plan has no tasks/);
    expect(() => draftsFromPlannerOutput('{"tasks":[{"id":"a b","title":"x"}]}')).toThrow(/tasks\.0\.id/);
    expect(() => draftsFromPlannerOutput('{"tasks":[{"id":"a","priority":"urgent","title":"x"}]}')).toThrow(
      /priority/,
    );
  });
});

describe('checking a plan', () => {
  it('marks cycles, unknown and self dependencies and duplicate ids, and leaves the rest runnable', () => {
    const tasks = finalizePlan([
      draft('a'),
      draft('b', ['c']),
      draft('c', ['b']),
      draft('d', ['zzz']),
      draft('e', ['e']),
      draft('a'),
      draft('f', ['a', 'b']),
    ]);
    const byId = Object.fromEntries(tasks.map((t) => [t.id, t.error]));
    expect(byId.a).toBeUndefined();
    expect(byId.b).toMatch(/dependency cycle: b → c → b/);
    expect(byId.c).toMatch(/dependency cycle/);
    expect(byId.d).toBe('unknown dependency: zzz');
    expect(byId.e).toBe('depends on itself');
    expect(byId['a-dup6']).toBe('duplicate task id a');
    expect(byId.f).toBeUndefined();
  });

  it('splits a large plan into comments under the limit that reassemble in order', () => {
    const big = finalizePlan(
      Array.from({ length: 400 }, (_, i) => ({
        ...draft(`t${i}`),
        body: 'x'.repeat(600),
        title: `Task ${i}`,
      })),
    );
    let n = 0;
    const bodies = planComments(
      { type: 'plan', run: '1.1', node: 'n1', term: 1, max_attempts: 2 },
      big,
      () => `nonce-${++n}-abcdefgh`,
    );
    expect(bodies.length).toBeGreaterThan(1);
    const decoded = bodies.map((b) => {
      expect(b.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      const d = decode(b);
      if (d.kind !== 'message' || d.message.type !== 'plan') throw new Error('not a plan');
      return d.message;
    });
    expect(decoded.every((m) => m.parts === bodies.length)).toBe(true);
    expect(decoded.flatMap((m) => m.tasks.map((t) => t.id))).toEqual(big.map((t) => t.id));
  });
});
