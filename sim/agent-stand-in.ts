// The agent every simulated node runs: it takes a drawn time, then succeeds or fails as drawn; the node's lease
// keeper may kill it, and a crash of its node stops it.
import type { ProcessOptions, ProcessResult, RunningProcess } from '../src/node/agent/agent-process.js';
import type { AgentRun } from './invariants.js';
import type { Schedule } from './schedule.js';

/** What a simulated node knows of its agent: the run going on, and how a crash stops it. */
export interface AgentHolder {
  id: string;
  agent?: { run: AgentRun; stop: () => void };
}

export interface StandInOptions {
  node: AgentHolder;
  agent: Schedule['agent'];
  random: () => number;
  /** Each run as it starts (the node's `nth`, from 1), and how long it is to take. */
  started: (run: AgentRun, durationMs: number, nth: number) => void;
  /** Each run as it ends, done or killed (not when a crash stops it). */
  ended: (run: AgentRun) => void;
}

/** The `startProcess` of a node whose agent is the stand-in. */
export function standInAgent(o: StandInOptions): (spec: ProcessOptions) => RunningProcess {
  const { node } = o;
  let starts = 0;
  return (spec) => {
    const env = spec.env;
    const run: AgentRun = {
      node: node.id,
      task: env.P2P_TASK_ID ?? '?',
      attempt: Number(env.P2P_ATTEMPT),
      start: Date.now(),
    };
    starts += 1;
    const { minMs, maxMs, failRate } = o.agent;
    const duration = Math.round(minMs + o.random() * (maxMs - minMs));
    const fails = o.random() < failRate;
    let settle: (r: ProcessResult) => void = () => {};
    const done = new Promise<ProcessResult>((resolve) => (settle = resolve));
    const result = (exitCode: number | null, extra: Partial<ProcessResult> = {}): ProcessResult => ({
      exitCode,
      signal: exitCode === null ? 'SIGTERM' : null,
      durationMs: Date.now() - run.start,
      outputTail: `simulated agent for ${run.task}`,
      stdout: '',
      timedOut: false,
      ...extra,
    });
    const timer = setTimeout(() => {
      run.end = Date.now();
      run.outcome = fails ? 'failed' : 'ok';
      node.agent = undefined;
      o.ended(run);
      settle(result(fails ? 1 : 0));
    }, duration);
    node.agent = {
      run,
      stop: () => {
        clearTimeout(timer);
        run.end = Date.now();
        run.outcome = 'crashed';
      },
    };
    o.started(run, duration, starts);
    return {
      done,
      kill: (reason) => {
        if (run.end !== undefined) return;
        clearTimeout(timer);
        run.end = Date.now();
        run.outcome = 'killed';
        node.agent = undefined;
        o.ended(run);
        settle(result(null, { killedBecause: reason }));
      },
    };
  };
}
