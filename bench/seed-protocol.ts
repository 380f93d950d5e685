// The seed document's protocol as written, for the benchmark's baseline: a 2 s sleep after every race, a full
// re-listing of the thread (every page, no ETag) on every poll every 2 s, a comment per progress step (every
// 10 %) and per heartbeat (every 60 s), the earliest comment winning each race. It runs on the same simulated
// GitHub, clock and client as the action, so the figures compare like with like.
import type { NodeContext } from '../src/node/loop/context.js';

interface Listed {
  id: number;
  body: string;
  created_at: string;
}

const SLEEP_MS = 2000;
const HEARTBEAT_MS = 60_000;

export async function seedProtocolNode(ctx: NodeContext): Promise<void> {
  const { client, config, log } = ctx;
  const { octokit, owner, repo } = client;
  const issue_number = config.issueNumber;
  const post = (body: string) => octokit.rest.issues.createComment({ owner, repo, issue_number, body });
  const listAll = async (): Promise<Listed[]> => {
    const out: Listed[] = [];
    for (let page = 1; ; page++) {
      const { data } = await octokit.rest.issues.listComments({
        owner,
        repo,
        issue_number,
        per_page: 100,
        page,
      });
      out.push(...(data as Listed[]));
      if (data.length < 100) return out;
    }
  };
  const earliest = (comments: Listed[], prefix: string): Listed | undefined =>
    comments
      .filter((c) => c.body.startsWith(prefix))
      .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id)[0];

  // Election: post, sleep 2 s, the earliest marker wins.
  const marker = `🎯 LEADER_ELECTION|${config.nodeId}|${Date.now()}`;
  await post(marker);
  await ctx.sleep(SLEEP_MS);
  const winner = earliest(await listAll(), '🎯 LEADER_ELECTION|');
  if (winner?.body === marker) {
    log.info('🎯 this node leads term 1: planning the tasks');
    const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number });
    const tasks = (issue.body ?? '')
      .split('\n')
      .filter((l) => l.startsWith('- [ ] '))
      .map((l, i) => ({
        id: `task-${i + 1}`,
        depends: [...l.matchAll(/task-(\d+)/g)].map((m) => `task-${m[1]}`),
      }));
    await post(`📦 TASKS_DATA|${JSON.stringify(tasks)}`);
    log.info('📦 published the plan in 1 comment(s)');
  }

  for (;;) {
    await ctx.sleep(SLEEP_MS);
    const comments = await listAll();
    const plan = comments.find((c) => c.body.startsWith('📦 TASKS_DATA|'));
    if (!plan) continue;
    const tasks = JSON.parse(plan.body.slice('📦 TASKS_DATA|'.length)) as { id: string; depends: string[] }[];
    const done = new Set(
      comments.filter((c) => c.body.startsWith('✅ COMPLETED|')).map((c) => c.body.split('|')[1]!),
    );
    if (tasks.every((t) => done.has(t.id))) return;
    const claimed = new Set(
      comments.filter((c) => c.body.startsWith('🎯 CLAIM|')).map((c) => c.body.split('|')[1]!),
    );
    const open = tasks.filter((t) => !claimed.has(t.id) && t.depends.every((d) => done.has(d)));
    if (open.length === 0) continue;
    const task = open[Math.floor(Math.random() * Math.min(open.length, 3))]!;
    const claim = `🎯 CLAIM|${task.id}|${config.nodeId}|${Date.now()}`;
    await post(claim);
    await ctx.sleep(SLEEP_MS);
    if (earliest(await listAll(), `🎯 CLAIM|${task.id}|`)?.body !== claim) continue;
    log.info(`won ${task.id} (attempt 1)`);

    const agent = ctx.startProcess!({
      command: config.agent.kind === 'custom' ? config.agent.command : 'simulated-agent',
      cwd: config.workspace,
      env: { P2P_TASK_ID: task.id, P2P_ATTEMPT: '1' },
      timeoutMs: config.taskTimeoutMs,
      onOutput: () => {},
    });
    const started = Date.now();
    let finished = false;
    const heartbeat = setInterval(
      () => void post(`💓 HEARTBEAT|${JSON.stringify({ node: config.nodeId, task: task.id })}`),
      HEARTBEAT_MS,
    );
    // A progress comment every 10 %, at the pace of the agent (its duration is known only to it: sample it).
    const progress = (async () => {
      for (let step = 1; step <= 9 && !finished; step++) {
        await ctx.sleep(10_000);
        if (!finished)
          await post(`📊 PROGRESS|${JSON.stringify({ task: task.id, elapsed: Date.now() - started })}`);
      }
    })();
    await agent.done;
    finished = true;
    clearInterval(heartbeat);
    await progress.catch(() => {});
    await post(`✅ COMPLETED|${task.id}|${config.nodeId}`);
    log.info(`✅ ${task.id} completed`);
  }
}
