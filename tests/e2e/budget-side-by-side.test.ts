// The run's budget shared by agents side by side, with real dist/index.js processes against the emulator:
// four nodes, a $1.00 budget, and the claude preset run by a stand-in for Claude Code that spends up to $0.30
// a task but never more than --max-budget-usd (as Claude Code keeps to it). Each attempt takes its cap out of
// what is left when it claims (recorded in the log), gives back what it did not spend with its outcome, and no
// agent starts with less than is really left: the caps never sum past the budget, nor does the summary's total.
// (Before, each agent was given what was left when it started: $1.00 three times, then $0.10, $1.30 spent.)
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TIMINGS } from '../../scripts/local-nodes.js';
import type { AttemptRecord } from '../../src/protocol/fold.js';
import { runAggregate, startScenario, type Scenario, taskList } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const BUDGET = 1;
const EPSILON = 1e-9;
/** What each task's agent would spend, left to itself: up to $0.30. */
const WANTS: Record<string, number> = {
  'task-1': 0.3,
  'task-2': 0.05,
  'task-3': 0.3,
  'task-4': 0.1,
  'task-5': 0.3,
  'task-6': 0.03,
  'task-7': 0.3,
  'task-8': 0.2,
};

interface AgentRun {
  task: string;
  attempt: number;
  cap: number;
  startMs: number;
  spent?: number;
  endMs?: number;
}

/** The stand-in's log: one entry per agent run, with the cap it was given and what it spent. */
function agentRuns(logFile: string): AgentRun[] {
  if (!existsSync(logFile)) return [];
  const runs = new Map<string, AgentRun>();
  for (const line of readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean)) {
    const [event, task, , attempt, usd, ms] = line.split(' ');
    const key = `${task}#${attempt}`;
    if (event === 'start')
      runs.set(key, { task: task!, attempt: Number(attempt), cap: Number(usd), startMs: Number(ms) });
    else Object.assign(runs.get(key)!, { spent: Number(usd), endMs: Number(ms) });
  }
  return [...runs.values()];
}

/** A `claude` on the PATH that is the stand-in. */
function standInBin(): string {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'p2p-claude-bin-'));
  mkdirSync(bin, { recursive: true });
  const claude = path.join(bin, 'claude');
  copyFileSync(path.resolve(import.meta.dirname, 'agents/claude-stand-in.mjs'), claude);
  chmodSync(claude, 0o755);
  return bin;
}

/**
 * The most the claims had committed at any point, as the log records it: walking the attempts in log order,
 * each claim's grant is added when it is made, and each outcome, from its server time on, counts what it
 * reported instead of the grant.
 */
function mostCommitted(attempts: AttemptRecord[], planningUsd: number): number {
  const claims = attempts
    .filter((a) => a.cap)
    .sort((a, b) => a.created - b.created || a.commentId - b.commentId);
  let most = planningUsd;
  for (const c of claims) {
    let committed = planningUsd;
    for (const a of claims) {
      if (a.created > c.created || (a.created === c.created && a.commentId > c.commentId)) continue;
      const ended = a.result !== undefined && a.updated <= c.created && a !== c;
      committed += ended ? (a.result!.usage?.cost_usd ?? a.cap!.granted) : a.cap!.granted;
    }
    most = Math.max(most, committed);
  }
  return most;
}

describe('the run’s budget shared by agents side by side', () => {
  it('never hands out caps that sum past max-cost-usd, and the run spends no more than it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-budget-'));
    const logFile = path.join(dir, 'claude-runs.log');
    scenario = await startScenario({
      nodes: 4,
      issueBody: taskList(8),
      env: {
        PATH: `${standInBin()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        STAND_IN_LOG: logFile,
        STAND_IN_WANTS: JSON.stringify(WANTS),
        STAND_IN_SLEEP_MS: '1500',
      },
      inputs: {
        ...FAST_TIMINGS,
        agent: 'claude',
        'agent-command': '',
        'max-cost-usd': BUDGET.toFixed(2),
        'max-attempts': '1',
      },
    });
    await scenario.finish(120_000);
    for (const n of scenario.nodes) expect((await n.exited).code, n.log()).toBe(0);

    const runs = agentRuns(logFile);
    const state = scenario.state();
    const attempts = [...state.tasks.values()].flatMap((r) => r.attempts).filter((a) => !a.closing);
    // At every agent's start, the caps of the agents still running (its own too) and what the ended ones
    // spent come to no more than the budget.
    for (const r of runs) {
      let committed = 0;
      for (const o of runs) {
        if (o.startMs > r.startMs) continue;
        committed += o.endMs !== undefined && o.endMs < r.startMs ? o.spent! : o.cap;
      }
      expect(committed, `committed when ${r.task} started`).toBeLessThanOrEqual(BUDGET + EPSILON);
    }
    // More agents ran than there are nodes: what the first ones did not spend went to the next.
    expect(runs.length).toBeGreaterThan(4);
    for (const r of runs) {
      // Claude Code was given its cap (--max-budget-usd), never less than an agent starts with, and kept to it.
      expect(r.cap, `${r.task}`).toBeGreaterThanOrEqual(0.02);
      expect(r.spent, `${r.task} ended`).toBeDefined();
      expect(r.spent!).toBeLessThanOrEqual(r.cap);
      // The cap handed to the agent is the one the claim was granted in the log, every node agreeing.
      const a = attempts.find((x) => x.task === r.task && x.attempt === r.attempt);
      expect(a?.cap?.granted, `${r.task}: the grant in the log`).toBe(r.cap);
    }
    // Every claim carried its ask; in the log, the grants never sum past the budget at any point.
    for (const a of attempts) expect(a.cap, `${a.task}'s claim asked for a cap`).toBeDefined();
    expect(mostCommitted(attempts, state.plan?.usage?.cost_usd ?? 0)).toBeLessThanOrEqual(BUDGET + EPSILON);
    expect(state.budget!.spentUsd + state.budget!.reservedUsd).toBeLessThanOrEqual(BUDGET + EPSILON);

    // The summary's total is what the agents reported, and it stays within the budget.
    await runAggregate(scenario, { 'fail-on-task-failure': 'false' });
    const summary = scenario.server.emulator
      .listComments(scenario.issue)
      .find((c) => c.body.includes('p2p-dev-summary'))!.body;
    const total = Number(/Agent cost of the run: \$(\d+\.\d+)/.exec(summary)?.[1]);
    const spent = runs.reduce((sum, r) => sum + (r.spent ?? 0), 0);
    // The summary prints cents: $0.955 spent reads $0.95 (toBeCloseTo's 2 digits refused that, half a cent off).
    expect(Math.abs(total - spent), `summary $${total}, spent $${spent}`).toBeLessThanOrEqual(
      0.005 + EPSILON,
    );
    expect(total).toBeLessThanOrEqual(BUDGET);
  });
});
