// `npm run demo`: the product on a laptop. An embedded GitHub emulator, an issue with a task list, five nodes
// of the bundled action (dist/index.js) as separate processes running the real Claude Code CLI (the default
// preset, from node_modules) against a local stand-in for Anthropic's API that scripts a harmless edit, each
// task checked by a verify-command, the thread printed as it unfolds, and who did what and what it cost.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/index.js';
import { threadOf } from '../emulator/thread-view.js';
import { decode } from '../src/protocol/codec.js';
import { fold } from '../src/protocol/fold.js';
import { taskViews } from '../src/protocol/decide.js';
import { formatDuration } from '../src/protocol/render.js';
import { makeTrust } from '../src/protocol/thread-comment.js';
import { FAST_TIMING_LIMITS, startNode, waitAll } from './local-nodes.js';
import { cloneFor, createRemote, remoteBranches } from './local-git.js';
import { serveDashboard } from './serve-dashboard.js';
import { answeredTool, claudeEnvFor, startAnthropicStandIn } from './anthropic-stand-in.js';

const NODES = Number(process.env.DEMO_NODES ?? 5);
const ISSUE = `Add a widgets feature to the shop.

- [ ] Design the widget data model (priority: high, est: 2h)
  Fields: id, name, price, stock.
- [ ] Build the widgets REST API (priority: high, est: 4h, depends: task-1)
- [ ] Build the widgets page (priority: medium, est: 3h, depends: task-2)
- [ ] Write end-to-end tests (priority: medium, est: 2h, depends: task-2, task-3)
- [ ] Document the feature (priority: low, est: 1h)
- [ ] Add a CHANGELOG entry (priority: low, est: 15m)
`;

// What the stand-in model has Claude Code do for each task: add a note (the tasks that depend on others find
// their notes merged in), slowly enough to watch.
const DEMO_EDIT = [
  'sleep 2',
  'mkdir -p notes && echo "$P2P_TASK_TITLE (by $P2P_NODE_ID)" > "notes/$P2P_TASK_ID.md"',
  'ls notes',
].join(' && ');
// The repository's own check: the task's note is there.
const DEMO_CHECK = 'test -s "notes/$P2P_TASK_ID.md" && echo "check: notes/$P2P_TASK_ID.md is there"';

const started = Date.now();
const stamp = (): string => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;

/** A comment's first line; for a new claim that records its node's previous outcome, that outcome's too. */
function headline(body: string, withOutcome: boolean): string {
  const lines = body.split('\n');
  const first = lines.find((l) => l.trim() !== '') ?? '';
  const outcome = withOutcome && first.startsWith('🎯') ? lines.find((l) => l.startsWith('📊')) : undefined;
  return (outcome ? `${first} · ${outcome}` : first).replace(/\*\*/g, '').replace(/`/g, '');
}

async function main(): Promise<void> {
  // The demo's nodes run with FAST_TIMINGS (a heartbeat a second, not every 300 s): GitHub's limits scaled alike.
  const server = await startEmulator({ ...FAST_TIMING_LIMITS, config: { latencyMs: [20, 80] } });
  const { emulator, url } = server;
  const issue = emulator.createIssue({ title: 'Widgets', body: ISSUE, labels: ['p2p-dev'] });
  console.log(`GitHub emulator at ${url}; issue #${issue} "Widgets" has 6 tasks.`);
  const dashboard = await serveDashboard(Number(process.env.DASHBOARD_PORT ?? 0));
  const repoName = `${emulator.owner}/${emulator.repo}`;
  console.log(
    `Dashboard: ${dashboard.url}#api=${encodeURIComponent(url)}&repo=${repoName}&issue=${issue} (token: ghp_maintainer_token)`,
  );

  // A maintainer asks for a run; the check-trigger job (mode trigger) hears it and hands over the matrix.
  const command = `/p2p-dev instances=${NODES}`;
  const commentId = emulator.addComment(issue, command, 'maintainer');
  console.log(`${stamp()} maintainer comments "${command}"`);
  const eventDir = mkdtempSync(path.join(os.tmpdir(), 'p2p-demo-event-'));
  const eventFile = path.join(eventDir, 'event.json');
  const maintainer = { login: 'maintainer', type: 'User' };
  writeFileSync(
    eventFile,
    JSON.stringify({
      action: 'created',
      issue: { number: issue },
      comment: { id: commentId, body: command, user: maintainer },
      sender: maintainer,
    }),
  );
  const repository = `${emulator.owner}/${emulator.repo}`;
  const runId = String(Math.floor(Date.now() / 1000));
  const job = (mode: string, inputs: Record<string, string> = {}, workspace?: string) =>
    startNode(1, {
      apiUrl: url,
      token: 'ghs_bot_token',
      repository,
      issue,
      instances: NODES,
      runId,
      ...(workspace ? { workspace } : {}),
      inputs: { mode, 'max-instances': '10', ...inputs },
      env: { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: eventFile },
    });
  const trigger = job('trigger', { 'issue-number': '' });
  await trigger.exited;
  const decided = trigger.outputs();
  console.log(`${stamp()} check-trigger: should-run=${decided['should-run']} instances=${decided.instances}`);
  if (decided['should-run'] !== 'true') throw new Error(`the trigger refused the run:\n${trigger.log()}`);
  const matrix = JSON.parse(decided.instances!) as number[];
  console.log(`${stamp()} starting ${matrix.length} nodes\n`);

  // The repository: a bare remote standing in for GitHub's git, and one checkout per node, as on runners.
  const model = await startAnthropicStandIn((request) =>
    answeredTool(request) ? { text: 'The note is written.' } : { bash: DEMO_EDIT },
  );
  const claudeHome = mkdtempSync(path.join(os.tmpdir(), 'p2p-demo-claude-'));
  console.log(
    `Claude Code (node_modules/.bin/claude) talks to a stand-in for Anthropic's API at ${model.url}.`,
  );
  const gitDir = mkdtempSync(path.join(os.tmpdir(), 'p2p-demo-'));
  const remote = createRemote(gitDir, { 'README.md': '# The shop\n' });
  // One run id for every job of the run: nodes of different runs never count each other's messages.
  const nodes = matrix.map((instance) =>
    startNode(instance, {
      apiUrl: url,
      token: 'ghs_bot_token',
      repository: `${emulator.owner}/${emulator.repo}`,
      issue,
      instances: matrix.length,
      workspace: cloneFor(remote, gitDir, `node-${instance}`),
      runId,
      env: {
        PATH: `${path.resolve(import.meta.dirname, '../node_modules/.bin')}:${process.env.PATH ?? ''}`,
        ...claudeEnvFor(model, claudeHome),
      },
      inputs: {
        agent: 'claude',
        'verify-command': DEMO_CHECK,
        'settle-ms': '500',
        'poll-interval-ms': '300',
        'heartbeat-interval-s': '2',
        'lease-timeout-s': '10',
      },
    }),
  );

  const shown = new Map<number, string>();
  const show = (): void => {
    for (const c of emulator.listComments(issue)) {
      const d = decode(c.body);
      const key =
        d.kind === 'message' ? `${d.message.type}:${'state' in d.message ? d.message.state : ''}` : c.body;
      if (shown.get(c.id) === key) continue;
      const edited = shown.has(c.id);
      shown.set(c.id, key);
      console.log(`${stamp()} ${edited ? '  ↳ ' : ''}${headline(c.body, !edited)}`);
    }
  };
  const ticker = setInterval(show, 250);
  await waitAll(nodes, 10 * 60_000);
  clearInterval(ticker);
  show();

  const outputs = nodes.map((n) => ({ n, out: n.outputs() }));
  const state = fold(threadOf(emulator, issue), {
    run: `${runId}.1`,
    trust: makeTrust({ login: 'github-actions[bot]', id: 41898282 }),
  });
  console.log('\nWho did what:');
  for (const view of taskViews(state, Date.now()).values()) {
    const last = view.last;
    const took = last?.endedAt !== undefined ? formatDuration(last.endedAt - last.created) : '';
    console.log(
      `  ${view.id.padEnd(7)} ${view.status.padEnd(10)} ${(last?.node ?? '').padEnd(28)} attempts: ${view.attempts}  ${took}`,
    );
  }
  console.log('\nNodes:');
  for (const { n, out } of outputs) {
    console.log(
      `  instance ${n.instance}: ${out['node-id']} · ${out.role} · completed ${out['tasks-completed']} · exit ${(await n.exited).code}`,
    );
  }
  const stats = emulator.stats();
  console.log(
    `\nAPI: ${stats.counted} counted requests, ${stats.notModified} free 304s, ${stats.contentCreating} content-creating, for ${state.tasks.size} tasks.`,
  );
  console.log(`\nBranches pushed to ${remote}:`);
  for (const branch of remoteBranches(remote)) console.log(`  ${branch}`);
  // The aggregate-results job, in a checkout of its own: the issue's pull request (the task branches merged
  // into one) and the summary on the issue.
  const aggregate = job(
    'aggregate',
    { 'fail-on-task-failure': 'false' },
    cloneFor(remote, gitDir, 'aggregate'),
  );
  await aggregate.exited;
  console.log('Pull requests on the emulator:');
  for (const pull of emulator.pulls().sort((a, b) => a.number - b.number))
    console.log(`  #${pull.number} ${pull.title}  (${pull.head} → ${pull.base})`);
  const summary = emulator.listComments(issue).find((c) => c.body.includes('p2p-dev-summary'));
  console.log(`\n${stamp()} aggregate-results posted the summary:\n`);
  console.log(summary?.body.split('\n').slice(1).join('\n') ?? aggregate.log());
  if (process.stdout.isTTY && process.env.CI !== 'true') {
    console.log(`\nThe dashboard stays up at ${dashboard.url} — press Ctrl-C to stop.`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await dashboard.close();
  await model.close();
  await server.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
