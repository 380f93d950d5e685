// What a person following the thread reads: each message rendered with the seed's markers and a sentence.
// The machine-readable payload is appended by the codec.
import { encode, GITHUB_COMMENT_LIMIT } from './codec.js';
import type { Bid, Check, Claim, Plan, Review, Spend, Stop, Task } from './messages.js';
import { formatCost, formatUsage } from './usage.js';

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** Text that can sit in the visible part without opening an HTML comment or closing a code fence. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text.replace(/<!--/g, '<!—')}\n${fence}`;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').replace(/<!--/g, '<!—').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderBid(m: Omit<Bid, 'p2p'>): string {
  const lines = [
    `🎯 **LEADER_ELECTION** · node \`${m.node}\` stands for leader (term ${m.term})`,
    `📡 NODE_ANNOUNCE: instance ${m.instance} of ${m.instances} · run ${m.run}`,
  ];
  if (m.state === 'planning') lines.push(`💓 HEARTBEAT: leader, planning the tasks (beat ${m.beat})`);
  if (m.spent)
    lines.push(
      `👋 left the run, having made ${m.spent.requests} counted API request(s) (${m.spent.writes} comment(s) posted) and ${m.spent.not_modified} free 304(s)`,
    );
  return lines.join('\n');
}

function taskLine(t: Task): string {
  const notes = [`priority: ${t.priority}`];
  if (t.est) notes.push(`est: ${t.est}`);
  if (t.depends_on.length > 0) notes.push(`depends: ${t.depends_on.join(', ')}`);
  const error = t.error ? ` ⚠️ cannot run: ${oneLine(t.error, 300)}` : '';
  return `- [ ] **${t.id}**: ${oneLine(t.title, 300)} (${notes.join(', ')})${error}`;
}

export function renderPlan(m: Omit<Plan, 'p2p'>): string {
  if (m.error !== undefined) {
    return `📦 **TASKS_DATA** · ❌ leader \`${m.node}\` could not plan the tasks (term ${m.term})\n\n${fenced(m.error)}`;
  }
  const part = m.parts > 1 ? ` (part ${m.part} of ${m.parts})` : '';
  const by =
    m.planner === 'agent'
      ? `, planned by the agent${m.usage ? ` (${formatUsage(m.usage)})` : ''}`
      : m.planner === 'command'
        ? ', planned by the planner command'
        : '';
  const budget = m.max_cost_usd !== undefined ? ` · budget ${formatCost(m.max_cost_usd)}` : '';
  return [
    `📦 **TASKS_DATA** · leader \`${m.node}\` (term ${m.term}) publishes ${m.tasks.length} task(s)${part}${by}${budget}`,
    '',
    ...m.tasks.map(taskLine),
  ].join('\n');
}

export function renderClaim(m: Omit<Claim, 'p2p'>, startedAt?: number, now?: number): string {
  // A claim that records its node's previous outcome shows it below, as that claim's own edit would have.
  const alone = renderOneClaim(m, startedAt, now);
  return m.prior ? `${alone}\n\n${renderOneClaim(m.prior)}` : alone;
}

function renderOneClaim(m: Omit<Claim, 'p2p'>, startedAt?: number, now?: number): string {
  const head = `🎯 **CLAIM** · \`${m.task}\` (attempt ${m.attempt}) by node \`${m.node}\``;
  const elapsed = startedAt !== undefined && now !== undefined ? formatDuration(now - startedAt) : undefined;
  const cap =
    m.cap_usd !== undefined ? `💰 asks for a cap of $${m.cap_usd.toFixed(4)} of the run's budget` : '';
  if (m.state === 'claimed') return cap ? `${head}\n${cap}` : head;
  if (m.state === 'running') {
    const lines = [head, `💓 HEARTBEAT: running${elapsed ? ` for ${elapsed}` : ''} (beat ${m.beat})`];
    if (cap) lines.push(cap);
    if (m.progress) lines.push(`📊 PROGRESS: ${oneLine(m.progress)}`);
    return lines.join('\n');
  }
  const r = m.result;
  const took = r ? formatDuration(r.duration_ms) : (elapsed ?? '?');
  const lines = [
    m.state === 'completed'
      ? `📊 **PROGRESS** · ✅ \`${m.task}\` completed by node \`${m.node}\` in ${took} (attempt ${m.attempt})`
      : `📊 **PROGRESS** · ❌ \`${m.task}\` failed on node \`${m.node}\` after ${took} (attempt ${m.attempt})`,
  ];
  if (r?.error) lines.push(`Error: ${oneLine(r.error, 500)}`);
  // A failed check is the error itself; its output follows below.
  if (r?.check?.passed) lines.push(`Check: ${checkLine(r.check)}`);
  if (r?.usage)
    lines.push(`Agent cost: ${formatUsage(r.usage)}${r.runs && r.runs > 1 ? ` (${r.runs} runs)` : ''}`);
  if (r?.pr) lines.push(`Pull request: ${r.pr}`);
  else if (r?.branch) lines.push(`Branch: \`${r.branch}\``);
  if (r?.check && !r.check.passed && r.check.output_tail) {
    lines.push(
      '',
      '<details><summary>Check output (last lines)</summary>',
      '',
      fenced(r.check.output_tail),
      '',
      '</details>',
    );
  }
  if (r?.output_tail) {
    lines.push(
      '',
      '<details><summary>Agent output (last lines)</summary>',
      '',
      fenced(r.output_tail),
      '',
      '</details>',
    );
  }
  return lines.join('\n');
}

/**
 * 🛑 STOP: "🛑 **STOP** · stopping the run, as @alice asked in comment 123", and which node relays it.
 * `commentUrl` links the comment when the node knows it.
 */
export function renderStop(m: Omit<Stop, 'p2p'>, commentUrl?: string): string {
  const comment = commentUrl ? `[comment ${m.comment_id}](${commentUrl})` : `comment ${m.comment_id}`;
  return [
    `🛑 **STOP** · stopping the run, as @${oneLine(m.by.login, 100)} asked in ${comment}`,
    `Node \`${m.node}\` relays it: no new agent starts, running agents are stopped, and every node leaves.`,
  ].join('\n');
}

/**
 * 👀 REVIEW: "👀 **REVIEW** · task-1 approved by @alice in comment 123", or the changes asked, quoted.
 */
export function renderReview(m: Omit<Review, 'p2p'>): string {
  const where = m.url
    ? `[${m.review_id !== undefined ? 'a review' : `comment ${m.comment_id ?? ''}`}](${m.url})`
    : m.comment_id !== undefined
      ? `comment ${m.comment_id}`
      : 'a review';
  const who = `@${oneLine(m.by.login, 100)}`;
  const head =
    m.verdict === 'approved'
      ? `👀 **REVIEW** · \`${m.task}\` approved by ${who} in ${where}: the tasks that build on it may start.`
      : `👀 **REVIEW** · ${who} asked for changes to \`${m.task}\` in ${where}: the agent revises it.`;
  const said = m.comments.trim();
  const quoted = said
    ? [
        '',
        ...said
          .slice(0, 2000)
          .split('\n')
          .map((l) => `> ${l}`),
      ]
    : [];
  return [head, ...quoted, '', `Node \`${m.node}\` relays it.`].join('\n');
}

/** "passed after 1 fix round", "failed (exit 1) after 2 fix rounds". */
export function checkVerdict(c: Check): string {
  const rounds = c.fix_rounds > 0 ? ` after ${c.fix_rounds} fix round${c.fix_rounds === 1 ? '' : 's'}` : '';
  if (c.passed) return `passed${rounds}`;
  return `failed (${c.timed_out ? 'timed out' : `exit ${c.exit_code ?? 'signal'}`})${rounds}`;
}

/** "✅ `npm test` passed after 1 fix round", for the thread and the summary. */
export function checkLine(c: Check): string {
  const command = `\`${oneLine(c.command, 120).replace(/`/g, "'")}\``;
  return `${c.passed ? '✅' : '❌'} ${command} ${checkVerdict(c)}`;
}

/**
 * The plan as one or more comments, each under GitHub's 65,536-character limit: tasks are packed in order
 * into parts that all carry the same term and part count.
 */
export function planComments(
  base: Omit<Plan, 'p2p' | 'part' | 'parts' | 'tasks' | 'nonce'>,
  tasks: Task[],
  nonce: (i: number) => string,
): string[] {
  const budget = 40_000;
  const groups: Task[][] = [[]];
  let size = 0;
  for (const task of tasks) {
    const cost = JSON.stringify(task).length * 1.2 + taskLine(task).length + 50;
    if (size + cost > budget && groups.at(-1)!.length > 0) {
      groups.push([]);
      size = 0;
    }
    groups.at(-1)!.push(task);
    size += cost;
  }
  return groups.map((group, i) => {
    const message: Plan = {
      p2p: 1,
      ...base,
      nonce: nonce(i),
      part: i + 1,
      parts: groups.length,
      tasks: group,
    };
    const body = encode(message, renderPlan(message));
    if (body.length > GITHUB_COMMENT_LIMIT)
      throw new Error(`plan part ${i + 1} is ${body.length} characters long`);
    return body;
  });
}

/**
 * 💰 SPEND: "💰 **SPEND** · the summary job's agent, for CI fix round 1: running, with up to $0.50 to spend",
 * then what it spent once it ran.
 */
export function renderSpend(m: Omit<Spend, 'p2p'>): string {
  const head = `💰 **SPEND** · the summary job's agent, for ${oneLine(m.purpose, 200)}`;
  const cap = m.cap_usd !== undefined ? formatCost(m.cap_usd) : undefined;
  if (m.state === 'running') return `${head}: running${cap ? `, with up to ${cap} to spend` : ''}.`;
  const spent = m.usage?.cost_usd !== undefined ? formatUsage(m.usage) : undefined;
  return `${head}: ran${spent ? `, spending ${spent}` : cap ? `; it reported no cost, so its whole ${cap} counts as spent` : ''}.`;
}
