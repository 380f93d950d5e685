// One seed of the deterministic simulation: the real node code (runNode and everything under it, the real
// Octokit client with its plugins) for every node in this one process, on a virtual clock, against the
// emulator's in-memory GitHub. The schedule decides latency, lag, faults, crashes, skew and forgeries; the
// invariants are checked on what happened.
import FakeTimers from '@sinonjs/fake-timers';
import { GitHubEmulator, type LoggedRequest } from '../emulator/index.js';
import { seededRandom } from '../emulator/clock.js';
import { threadOf } from '../emulator/thread-view.js';
import { createClient, type Logger } from '../src/github/client.js';
import { IssueThread } from '../src/github/thread.js';
import { ServerClock } from '../src/server-clock.js';
import { decode } from '../src/protocol/codec.js';
import { forge, RUN, TRUSTED } from './forge.js';
import type { Message } from '../src/protocol/messages.js';
import type { NodeContext } from '../src/node/loop/context.js';
import type { NodeConfig } from '../src/node/loop/node-config.js';
import type { Span } from '../src/protocol/hearing.js';
import { runNode, type NodeOutcome } from '../src/node/loop/run-node.js';
import { GITHUB_LIMITS, type CrashPoint, type Schedule } from './schedule.js';
import { HEARTBEAT_WRITES_PER_HOUR } from '../src/node/watches/lease-length.js';
import { checkInvariants, type AgentRun } from './invariants.js';
import { claimKey } from './liveness-invariants.js';
import { NodeFaults } from './node-faults.js';
import { longestQuiet, ProgressLog, progressBound } from './progress.js';
import { standInAgent } from './agent-stand-in.js';
import type { RunState } from '../src/protocol/fold.js';
import type { ThreadComment } from '../src/protocol/thread-comment.js';

export { RUN };
const RUN_ID = 8800;
/** The nodes' `listing-lag-ms`: GitHub's bound; the simulated listings lag by at most 7 s. */
const LISTING_LAG_MS = 20_000;

export interface SimResult {
  seed: number;
  violations: string[];
  virtualMs: number;
  wallMs: number;
  tasks: number;
  completed: number;
  failed: number;
  skipped: number;
  nodes: number;
  crashes: number;
  agentRuns: number;
  requests: number;
  contentCreating: number;
  notModified: number;
  /** Requests the secondary limit on content counts (creations, and edits and deletes of comments). */
  contentCounted: number;
  faultsInjected: number;
  /**
   * The limit answers the nodes got, by kind: the run's budget used up (`budget`), an injected exhaustion
   * (`exhausted`: a 'primary-rate-limit' fault), the content limit (`content`), injected secondary limits
   * with and without retry-after (`secondary`, `silent`).
   */
  limited: { budget: number; exhausted: number; content: number; secondary: number; silent: number };
  /**
   * The requests that met issue 19 part 4's faults: an outage every node sees (answered 503 or a reset), a
   * silent limit on a holder, the identity's limit, a connection that never answered.
   */
  met: { outage: number; holderSilent: number; identity: number; hangs: number };
  /** The longest any node went without progress, and the bound on it (sim/progress.ts), ms. */
  quietest: { ms: number; boundMs: number };
  /** The nodes' logs (kept when asked, for a replay). */
  log?: string[];
  /** With `details`: the agent runs, the final thread's fold, and what each node logged when (virtual ms). */
  details?: {
    agentRuns: AgentRun[];
    state: RunState;
    comments: ThreadComment[];
    byRoute: Record<string, number>;
    /** Every request the emulator answered (the benchmark tells writes apart by the comment they edit). */
    requests: LoggedRequest[];
    t0: number;
    /** What each node that finished reported (runNode's outcome), by node id. */
    reports: Map<string, NodeOutcome>;
    events: { node: number; at: number; message: string }[];
  };
}

export interface SimOptions {
  /** Keep every node's log in the result. */
  verbose?: boolean;
  /** Keep the agent runs, final state and timed log events (for the benchmark). */
  details?: boolean;
  /** Run this instead of the action's runNode (the benchmark's model of the seed protocol); no invariants then. */
  program?: (ctx: NodeContext) => Promise<unknown>;
  /** Give up (a violation) after this much virtual time. */
  limitMs?: number;
}

export function issueBody(schedule: Schedule): string {
  return schedule.tasks
    .map(
      (t) =>
        `- [ ] ${t.title}${t.depends.length ? ` (depends: ${t.depends.map((d) => `task-${d}`).join(', ')})` : ''}`,
    )
    .join('\n');
}

const hang = <T>(): Promise<T> => new Promise<T>(() => {});

/** What a request writes, when it writes a protocol message. */
function writtenMessage(init: RequestInit | undefined): { method: string; message?: Message } {
  const method = (init?.method ?? 'GET').toUpperCase();
  if (method === 'GET' || typeof init?.body !== 'string') return { method };
  try {
    const d = decode((JSON.parse(init.body) as { body?: string }).body ?? '');
    return d.kind === 'message' ? { method, message: d.message } : { method };
  } catch {
    return { method };
  }
}

let simulations = 0;

export async function simulate(schedule: Schedule, options: SimOptions = {}): Promise<SimResult> {
  simulations += 1;
  const wallStart = performance.now();
  const clock = FakeTimers.install({
    now: Date.UTC(2026, 0, 1, 12),
    toFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'setImmediate',
      'clearImmediate',
      'Date',
    ],
    loopLimit: 10_000_000,
  });
  const realRandom = Math.random;
  Math.random = seededRandom(schedule.seed * 31 + 7);
  const lines: string[] = [];
  try {
    return await run(schedule, clock, lines, options, wallStart);
  } finally {
    clock.uninstall();
    Math.random = realRandom;
  }
}

async function run(
  schedule: Schedule,
  clock: ReturnType<typeof FakeTimers.install>,
  lines: string[],
  options: SimOptions,
  wallStart: number,
): Promise<SimResult> {
  const t0 = Date.now();
  const stamp = (): string => `+${((Date.now() - t0) / 1000).toFixed(3)}s`;
  // The limits are always the schedule's (sim/schedule.ts, githubLimits), never the emulator's defaults.
  const { rateLimit, contentLimit, ...realism } = schedule.emulator;
  const emulator = new GitHubEmulator({
    seed: schedule.seed,
    config: { ...realism, rateLimit, contentLimit },
    // The benchmark tells every write apart by the request log: all of it, however long the run.
    ...(options.details ? { requestLogSize: Number.POSITIVE_INFINITY } : {}),
  });
  const issue = emulator.createIssue({ title: `Simulation ${schedule.seed}`, body: issueBody(schedule) });
  const agentRuns: AgentRun[] = [];
  const events: { node: number; at: number; message: string }[] = [];
  const violations: string[] = [];
  const random = seededRandom(schedule.seed * 131 + 3);
  const limited: SimResult['limited'] = { budget: 0, exhausted: 0, content: 0, secondary: 0, silent: 0 };
  /** What each node that finished reported (a crashed node reports nothing). */
  const reports = new Map<string, NodeOutcome>();

  for (const { atMs, fault } of schedule.faults) setTimeout(() => emulator.queueFaults([fault]), atMs);
  // Issue 19 part 4's faults: the outages every node sees, and those on one node or the identity.
  const outages = schedule.faults
    .filter((f) => f.tag === 'outage' && f.fault.kind === 'down')
    .map((f) => [t0 + f.atMs, t0 + f.atMs + (f.fault.kind === 'down' ? f.fault.forMs : 0)] as const);
  const inOutage = (): boolean => outages.some(([from, to]) => from <= Date.now() && Date.now() < to);
  let outageAnswers = 0;
  const nodeFaults = new NodeFaults(schedule.simFaults, t0);
  const progress = new ProgressLog();
  const bound = progressBound(schedule, LISTING_LAG_MS);
  /** What each claimant of a later attempt could not hear when it claimed (sim/liveness-invariants.ts). */
  const deafAtClaim = new Map<string, Span[]>();
  for (const forgery of schedule.forgeries)
    setTimeout(() => forge(emulator, issue, forgery.kind, forgery.as, random), forgery.atMs);

  interface SimNode {
    id: string;
    dead: boolean;
    finished: boolean;
    crashedAt?: number;
    agent?: { run: AgentRun; stop: () => void };
  }
  const nodes: SimNode[] = [];
  const running: Promise<void>[] = [];

  for (const plan of schedule.nodes) {
    const id = `run-${RUN}-node-${plan.instance}-sim${schedule.seed}`;
    const node: SimNode = { id, dead: false, finished: false };
    nodes.push(node);
    progress.note(id);
    const log: Logger = {
      debug: (m) => {
        if (process.env.SIM_DEBUG) lines.push(`${stamp()} [node ${plan.instance}] debug: ${m}`);
      },
      info: (m) => {
        if (options.details) events.push({ node: plan.instance, at: Date.now(), message: m });
        if (options.verbose) lines.push(`${stamp()} [node ${plan.instance}] ${m}`);
      },
      warning: (m) => lines.push(`${stamp()} [node ${plan.instance}] warning: ${m}`),
    };
    // Each node is a job of the run in the Actions API. A crashed node's job ends a few seconds later (its step
    // process died), or, for one crash in four (a runner lost), only after some minutes.
    const runner = `sim-runner-${plan.instance}`;
    const jobId = Number(
      emulator.addJob({
        run_id: RUN_ID,
        run_attempt: 1,
        name: `p2p-execute (${plan.instance})`,
        runner_name: runner,
      }).id,
    );
    const endJob = (conclusion: 'success' | 'failure', afterMs: number): void => {
      setTimeout(() => emulator.updateJob(jobId, { status: 'completed', conclusion }), afterMs);
    };
    const crash = (where: string): void => {
      if (node.dead) return;
      node.dead = true;
      node.crashedAt = Date.now();
      progress.end(id, Date.now(), false);
      lines.push(`${stamp()} [node ${plan.instance}] 💥 crashed ${where}`);
      node.agent?.stop();
      endJob(
        'failure',
        (plan.instance * 7919 + schedule.seed) % 4 === 0 ? 5 * 60_000 : 2000 + (schedule.seed % 5) * 1000,
      );
    };
    const counts = new Map<string, number>();
    const hits = (point: CrashPoint['at']): boolean => {
      const n = (counts.get(point) ?? 0) + 1;
      counts.set(point, n);
      return plan.crash?.at === point && 'nth' in plan.crash && plan.crash.nth === n;
    };
    if (plan.crash?.at === 'time') setTimeout(() => crash('at a random moment'), plan.crash.afterMs);

    const nodeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (node.dead) return hang();
      const { method, message } = writtenMessage(init);
      let point: 'claim' | 'plan' | 'outcome' | undefined;
      if (method === 'POST' && message?.type === 'claim') point = 'claim';
      else if (method === 'POST' && message?.type === 'plan') point = 'plan';
      else if (
        method === 'PATCH' &&
        message?.type === 'claim' &&
        (message.state === 'completed' || message.state === 'failed')
      )
        point = 'outcome';
      if (point === 'outcome' && hits('before-outcome')) {
        crash('before recording an outcome');
        return hang();
      }
      if (point === 'claim' && hits('before-claim')) {
        crash('before posting a claim');
        return hang();
      }
      if (point === 'plan' && hits('before-plan')) {
        crash('before publishing the plan');
        return hang();
      }
      if (point === 'claim' && message?.type === 'claim' && message.attempt > 1) {
        // What the claimant could not hear when it decided to take over (sim/liveness-invariants.ts).
        const key = claimKey(id, message.task, message.attempt);
        if (!deafAtClaim.has(key))
          deafAtClaim.set(
            key,
            client.trouble.spans().map((span) => ({ ...span })),
          );
      }
      let response: Response;
      try {
        response = await nodeFaults.request(plan.instance, method, init?.signal, () =>
          emulator.fetch(input as string, init as never),
        );
      } catch (error) {
        if (inOutage()) outageAnswers += 1;
        throw error;
      } finally {
        if (!node.dead) progress.note(id);
      }
      if (response.status === 503 && inOutage()) outageAnswers += 1;
      if (response.status === 403 || response.status === 429) await noteLimit(response, limited);
      if (node.dead) return hang();
      if ((point === 'claim' && hits('after-claim')) || (point === 'plan' && hits('after-plan'))) {
        crash(`after posting a ${point}, before hearing back`);
        return hang();
      }
      return response;
    };

    const startProcess = standInAgent({
      node,
      agent: schedule.agent,
      random,
      started: (run, durationMs, nth) => {
        agentRuns.push(run);
        progress.note(id);
        nodeFaults.agentStarted(plan.instance, durationMs);
        if (plan.crash?.at === 'mid-agent' && plan.crash.nth === nth)
          setTimeout(
            () => crash('in the middle of an agent run'),
            Math.floor(durationMs * plan.crash.fraction),
          );
      },
      ended: () => progress.note(id),
    });

    const serverClock = new ServerClock({ now: () => Date.now() + plan.skewMs });
    const client = createClient({
      token: 'ghs_bot_token',
      baseUrl: 'https://api.github.sim',
      owner: emulator.owner,
      repo: emulator.repo,
      log,
      fetch: nodeFetch as typeof fetch,
      clock: serverClock,
      // plugin-throttling's limiters live as long as the process, with their own idea of time: one set per run.
      throttleId: `${id}#${simulations}`,
      writers: schedule.nodes.length,
    });
    const config: NodeConfig = {
      issueNumber: issue,
      instance: plan.instance,
      instances: schedule.nodes.length,
      run: RUN,
      nodeId: id,
      runner,
      jobs: { runId: RUN_ID, attempt: 1 },
      agent: { kind: 'custom', command: 'simulated-agent' },
      planner: 'issue',
      listingLagMs: LISTING_LAG_MS,
      ...schedule.timings,
      // The heartbeats' share of the writes, on the schedule's time scale (sim/schedule.ts githubLimits).
      heartbeatWritesPerHour: Math.round(
        (HEARTBEAT_WRITES_PER_HOUR * GITHUB_LIMITS.defaultLeaseMs) / schedule.timings.leaseMs,
      ),
      // The README's workflow relays stop comments (check-trigger on issue_comment): the action's default.
      stopRelay: true,
      taskTimeoutMs: 30 * 60_000,
      maxAttempts: schedule.maxAttempts,
      workspace: '/nonexistent/sim',
      tempDir: simTempDir(),
      trustedAuthors: [],
      agentEnv: {},
    };
    const ctx: NodeContext = {
      client,
      thread: new IssueThread(client, issue),
      config,
      log,
      sleep: async (ms) => {
        if (node.dead) return hang();
        await new Promise((resolve) => setTimeout(resolve, ms));
        if (node.dead) return hang();
        progress.note(id);
      },
      startProcess,
    };
    running.push(
      (options.program ? options.program(ctx) : runNode(ctx)).then(
        (outcome) => {
          node.finished = true;
          progress.end(id);
          endJob('success', 1000);
          if (!options.program) reports.set(id, outcome as NodeOutcome);
        },
        (error: unknown) => {
          node.finished = true;
          progress.end(id);
          if (!node.dead) violations.push(`node ${plan.instance} failed: ${String(error)}`);
        },
      ),
    );
  }

  const limit = t0 + (options.limitMs ?? 8 * 3600_000);
  for (;;) {
    if (nodes.every((n) => n.dead || n.finished)) break;
    if (Date.now() > limit) {
      violations.push(
        `the run did not finish within ${(options.limitMs ?? 8 * 3600_000) / 60_000} virtual minutes`,
      );
      break;
    }
    if (clock.countTimers() === 0) {
      await clock.runMicrotasks();
      await new Promise((r) => process.nextTick(r));
      if (clock.countTimers() === 0 && !nodes.every((n) => n.dead || n.finished)) {
        violations.push('the run stalled: live nodes wait on nothing');
        break;
      }
      continue;
    }
    await clock.nextAsync();
  }

  const comments = threadOf(emulator, issue);
  const checked = checkInvariants({
    comments,
    run: RUN,
    trusted: TRUSTED,
    agentRuns,
    crashed: new Map(nodes.filter((n) => n.crashedAt !== undefined).map((n) => [n.id, n.crashedAt!])),
    reports,
    listingLagMs: schedule.emulator.listingLagMs + schedule.emulator.listingLagJitterMs,
    t0,
    now: Date.now(),
    deafAtClaim,
    progress: { boundMs: bound.boundMs, nodes: progress.records(Date.now()) },
  });
  if (!options.program) violations.push(...checked.violations);
  const stats = emulator.stats();
  return {
    seed: schedule.seed,
    violations,
    virtualMs: Date.now() - t0,
    wallMs: Math.round(performance.now() - wallStart),
    tasks: schedule.tasks.length,
    ...checked.totals,
    nodes: nodes.length,
    crashes: nodes.filter((n) => n.dead).length,
    agentRuns: agentRuns.length,
    requests: stats.counted,
    contentCreating: stats.contentCreating,
    notModified: stats.notModified,
    contentCounted: stats.contentCounted,
    faultsInjected: stats.faultsInjected,
    limited,
    met: { outage: outageAnswers, ...nodeFaults.met },
    quietest: { ms: longestQuiet(progress.records(Date.now())), boundMs: bound.boundMs },
    ...(options.verbose || violations.length > 0 ? { log: lines } : {}),
    ...(options.details
      ? {
          details: {
            agentRuns,
            state: checked.state,
            comments,
            byRoute: stats.byRoute,
            requests: emulator.requestLog(),
            t0,
            events,
            reports,
          },
        }
      : {}),
  };
}

/** Which limit a 403 or 429 was: the rate headers tell a used-up budget, the message a secondary limit. */
async function noteLimit(response: Response, limited: SimResult['limited']): Promise<void> {
  const h = response.headers;
  if (h.get('x-ratelimit-remaining') === '0') {
    // The budget really used up (its `used` reached the limit), or an injected exhaustion.
    if (Number(h.get('x-ratelimit-used')) >= Number(h.get('x-ratelimit-limit'))) limited.budget += 1;
    else limited.exhausted += 1;
    return;
  }
  const text = await response.clone().text();
  if (!/secondary rate limit|too many requests/i.test(text)) return;
  if (/content creation/.test(text)) limited.content += 1;
  else if (h.get('retry-after')) limited.secondary += 1;
  else limited.silent += 1;
}

let tempDir: string | undefined;
function simTempDir(): string {
  tempDir ??= `${process.env.TMPDIR ?? '/tmp'}/p2p-sim-${process.pid}`;
  return tempDir;
}
