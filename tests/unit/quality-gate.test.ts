// The quality gate's bookkeeping, with scripted runs: which rounds ran, what the record says, the budget.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWithChecks } from '../../src/node/agent/quality-gate.js';
import type { NodeContext } from '../../src/node/loop/context.js';
import type { ProcessOptions, ProcessResult } from '../../src/node/agent/agent-process.js';
import type { Task } from '../../src/protocol/messages.js';

type Step = { exit: number; cost?: number };

/** A context whose agent and check runs follow `script`, in order, recording what ran. */
function scripted(
  script: { agent: Step[]; check: Step[] },
  options: { budget?: number; fixAttempts?: number } = {},
) {
  const ran: string[] = [];
  const budgets: (string | undefined)[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-gate-'));
  const ctx = {
    config: {
      agent: { kind: 'custom', command: 'agent' },
      workspace: dir,
      tempDir: dir,
      agentEnv: {},
      taskTimeoutMs: 60_000,
      check: { command: 'check', fixAttempts: options.fixAttempts ?? 2, timeoutMs: 60_000 },
    },
    log: { info: () => {}, warning: () => {}, debug: () => {} },
    startProcess: (o: ProcessOptions) => {
      const kind = o.command === 'check' ? 'check' : 'agent';
      const step = script[kind].shift()!;
      ran.push(`${kind}${kind === 'agent' ? o.env.P2P_FIX_ROUND : ''}`);
      if (kind === 'agent') budgets.push(o.env.P2P_MAX_COST_USD);
      const result: ProcessResult = {
        exitCode: step.exit,
        signal: null,
        durationMs: 1,
        outputTail: `${kind} output`,
        stdout: '',
        timedOut: false,
        ...(step.cost !== undefined ? { report: { usage: { cost_usd: step.cost }, notes: [] } } : {}),
      };
      return { done: Promise.resolve(result), kill: () => {} };
    },
  } as unknown as NodeContext;
  const task: Task = { id: 't', title: 'T', body: '', priority: 'medium', depends_on: [] };
  const run = () =>
    runWithChecks(
      ctx,
      {},
      {
        task,
        attempt: 1,
        prompt: 'do it',
        promptFile: path.join(dir, 't-attempt-1.md'),
        env: {},
        onProgress: () => {},
        onOutput: () => {},
        ...(options.budget !== undefined
          ? { budget: { usd: options.budget, input: 'max-task-cost-usd' } }
          : {}),
      },
    );
  return { run, ran, budgets };
}

describe('the quality gate', () => {
  it('completes after a fix round, counting the runs and the rounds', async () => {
    const g = scripted({ agent: [{ exit: 0 }, { exit: 0 }], check: [{ exit: 1 }, { exit: 0 }] });
    const r = await g.run();
    expect(g.ran).toEqual(['agent0', 'check', 'agent1', 'check']);
    expect(r).toMatchObject({ ok: true, runs: 2, check: { passed: true, fix_rounds: 1, output_tail: '' } });
  });

  it('fails after the last fix round, naming the check and the rounds', async () => {
    const g = scripted(
      { agent: [{ exit: 0 }, { exit: 0 }], check: [{ exit: 1 }, { exit: 2 }] },
      { fixAttempts: 1 },
    );
    const r = await g.run();
    expect(r).toMatchObject({ ok: false, runs: 2, check: { passed: false, fix_rounds: 1, exit_code: 2 } });
    expect(r.error).toBe('the check `check` exited with 2 after 1 fix round(s)');
    expect(r.check!.output_tail).toBe('check output');
  });

  it('says the fix round failed when the agent does, keeping the last check as it ran', async () => {
    const g = scripted({ agent: [{ exit: 0 }, { exit: 3 }], check: [{ exit: 1 }] });
    const r = await g.run();
    expect(g.ran).toEqual(['agent0', 'check', 'agent1']);
    expect(r).toMatchObject({ ok: false, runs: 2, check: { passed: false, fix_rounds: 0 } });
    expect(r.error).toBe('fix round 1: the agent exited with 3');
  });

  it('gives each run what the task’s budget has left, and starts no fix round it cannot pay for', async () => {
    const g = scripted(
      {
        agent: [
          { exit: 0, cost: 0.4 },
          { exit: 0, cost: 0.59 },
        ],
        check: [{ exit: 1 }, { exit: 1 }],
      },
      { budget: 1 },
    );
    const r = await g.run();
    expect(g.budgets).toEqual(['1.0000', '0.6000']);
    expect(g.ran).toEqual(['agent0', 'check', 'agent1', 'check']);
    expect(r.ok).toBe(false);
    expect(r.usage).toEqual({ cost_usd: 0.99 });
    expect(r.error).toBe(
      'the check `check` exited with 1 after 1 fix round(s), and the task’s budget has too little left for a fix round ($0.99 of max-task-cost-usd $1.00 spent)'.replace(
        '’',
        "'",
      ),
    );
  });

  it('fails the attempt when a run reports more than the budget', async () => {
    const g = scripted({ agent: [{ exit: 0, cost: 1.5 }], check: [] }, { budget: 1 });
    const r = await g.run();
    expect(r.error).toBe('the agent spent $1.50, more than max-task-cost-usd $1.00');
    expect(g.ran).toEqual(['agent0']);
  });
});
