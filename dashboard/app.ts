// The dashboard page: connect, poll the issue every 5 s with conditional requests, and show the run through the
// action's own fold. Every value from the thread is hostile text: it goes into the page escaped, never as HTML.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { ApiError, GitHubApi } from './github-api.js';
import { runsIn, viewRun, ACTIONS_BOT, type RunView, type TaskCheck } from './view-model.js';
import { checkVerdict, formatDuration } from '../src/protocol/render.js';
import { costCell, formatDollars, type RunSummary } from '../src/aggregate/run-summary.js';
import { formatDiff } from '../src/protocol/diff-text.js';
import { formatCost, formatUsage, type Usage } from '../src/protocol/usage.js';
import type { ThreadComment } from '../src/protocol/thread-comment.js';
import type { MessageEntry } from '../src/protocol/fold.js';

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
);

const POLL_MS = 5000;
const STORE = 'p2p-dev-dashboard';

interface Settings {
  apiUrl: string;
  token: string;
  repo: string;
  issue: string;
  identity: string;
}

interface WorkflowRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  html_url?: string;
  created_at: string;
  updated_at: string;
  run_started_at?: string;
  run_attempt?: number;
  event?: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const esc = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const short = (node: string): string => node.replace(/^run-[\d.]+-/, '');
const COLORS: Record<string, string> = {
  completed: '#2da44e',
  failed: '#cf222e',
  skipped: '#8c959f',
  running: '#0969da',
  claimable: '#bf8700',
  review: '#9a6700',
  blocked: '#d0d7de',
  expired: '#fb8f44',
  superseded: '#8250df',
  silent: '#fb8f44',
  stopped: '#bf3989',
};

function loadSettings(): Settings {
  const saved = JSON.parse(localStorage.getItem(STORE) ?? '{}') as Partial<Settings>;
  const hash = new URLSearchParams(location.hash.slice(1));
  return {
    apiUrl: hash.get('api') ?? saved.apiUrl ?? 'https://api.github.com',
    token: saved.token ?? '',
    repo: hash.get('repo') ?? saved.repo ?? '',
    issue: hash.get('issue') ?? saved.issue ?? '',
    identity: hash.get('identity') ?? saved.identity ?? ACTIONS_BOT.login,
  };
}

let api: GitHubApi | undefined;
let settings = loadSettings();
let timer: number | undefined;
let polls = 0;
let comments: ThreadComment[] = [];
let workflowRuns: WorkflowRun[] | string = [];
let selectedRun = '';
const charts: { states?: Chart; timeline?: Chart } = {};

function notice(text: string, kind: 'error' | 'info' | '' = 'error'): void {
  const el = $('notice');
  el.textContent = text;
  el.className = kind;
  el.hidden = text === '';
}

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return `Something went wrong: ${String(error)}`;
  if (error.status === 0) return `Cannot reach ${settings.apiUrl}: check the API URL. (${error.message})`;
  if (error.status === 401) return 'The token was refused (401 Bad credentials): paste a valid token.';
  if (error.status === 404)
    return `Not found: check ${settings.repo} and issue #${settings.issue}, and that the token can see the repository.`;
  if (error.status === 429)
    return `Rate limited: polling resumes at ${new Date(error.resetAt ?? Date.now()).toLocaleTimeString()}.`;
  if (error.status === 403) return `Refused (403): ${error.message}`;
  return `GitHub answered ${error.status}: ${error.message}`;
}

async function poll(): Promise<void> {
  if (!api) return;
  const [owner, repo] = settings.repo.split('/');
  const base = `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(repo ?? '')}`;
  let delay = POLL_MS;
  try {
    const listed = await api.all<ThreadComment>(
      `${base}/issues/${Number(settings.issue)}/comments?per_page=100`,
    );
    comments = listed.items;
    if (polls % 6 === 0) {
      try {
        const runs = await api.get<{ workflow_runs: WorkflowRun[] }>(`${base}/actions/runs?per_page=10`);
        workflowRuns = runs.data.workflow_runs;
      } catch (error) {
        workflowRuns = explain(error);
      }
    }
    polls += 1;
    notice('');
    render();
  } catch (error) {
    notice(explain(error));
    if (error instanceof ApiError && error.status === 429)
      delay = Math.max(POLL_MS, (error.resetAt ?? 0) - Date.now());
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
      $('app').hidden = true;
      setStatus('disconnected');
      return;
    }
  }
  timer = window.setTimeout(() => void poll(), delay);
}

function setStatus(text: string): void {
  $('status').textContent = text;
  const rate = api?.rate;
  $('rate').textContent = rate
    ? `API: ${rate.remaining}/${rate.limit} left · ${api!.notModified} of ${api!.requests} requests were free 304s`
    : '';
}

function render(): void {
  const runs = runsIn(comments, settings.identity);
  const select = $<HTMLSelectElement>('run');
  if (!runs.includes(selectedRun)) selectedRun = runs[0] ?? '';
  select.innerHTML = runs
    .map((r) => `<option value="${esc(r)}"${r === selectedRun ? ' selected' : ''}>run ${esc(r)}</option>`)
    .join('');
  $('app').hidden = false;
  setStatus(`live · updated ${new Date().toLocaleTimeString()}`);
  if (!selectedRun) {
    $('empty').hidden = false;
    $('empty').textContent =
      `No p2p-dev run on issue #${settings.issue} yet: label it p2p-dev or comment /p2p-dev to start one.`;
    $('panels').hidden = true;
    return;
  }
  $('empty').hidden = true;
  $('panels').hidden = false;
  const view = viewRun(comments, settings.identity, selectedRun, Date.now());
  renderBanners(view);
  renderOverview(view);
  renderTasks(view);
  renderWorkflows();
  renderMessages(view);
}

function card(id: string, label: string, value: string, note = ''): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value" data-testid="${id}">${esc(value)}</div>${note ? `<div class="why" data-testid="${id}-note">${esc(note)}</div>` : ''}</div>`;
}

/** Tokens and turns, the dollars left to formatDollars (which says when they are partly unknown). */
function tokensOf(usage: Usage | undefined): string {
  if (!usage) return '';
  const { cost_usd: _cost, ...rest } = usage;
  return formatUsage(rest);
}

/** The run's dollars ("$0.55 + unknown"; "–" while nothing has recorded a cost), and its tokens and turns. */
function runCostText(s: RunSummary): { money: string; tokens: string } {
  const recorded = s.tasks.some((t) => t.cost) || s.cost.planningUsd !== undefined;
  if (!recorded && !s.costBudget) return { money: '–', tokens: '' };
  return { money: formatDollars(s.cost.totalUsd, s.cost.unknownTasks > 0), tokens: tokensOf(s.usage) };
}

function budgetText(s: RunSummary): { value: string; note: string } {
  const b = s.costBudget;
  if (!b) return { value: 'no cap', note: 'max-cost-usd is not set' };
  const unreported = b.wholeCaps
    ? `; ${b.wholeCaps} outcome(s) reported no cost, their whole cap counted`
    : s.cost.unknownTasks > 0
      ? `; ${s.cost.unknownTasks} task(s) did not report a cost, not counted`
      : '';
  if (b.spent) return { value: `spent (${formatCost(b.maxUsd)})`, note: `no new agent starts${unreported}` };
  return { value: `${formatCost(b.leftUsd)} of ${formatCost(b.maxUsd)} left`, note: unreported.slice(2) };
}

/** What ended or limits the run, above every tab: a stop, a spent budget. */
function renderBanners(v: RunView): void {
  const s = v.summary;
  const parts: string[] = [];
  if (s.stopped) {
    const who = `@${esc(s.stopped.by)}`;
    const asked =
      v.stopUrl && /^https?:\/\//.test(v.stopUrl)
        ? `<a href="${esc(v.stopUrl)}" target="_blank" rel="noopener noreferrer">comment ${s.stopped.commentId}</a>`
        : `comment ${s.stopped.commentId}`;
    parts.push(
      `<div class="banner stopped" data-testid="stopped-banner"><strong>Stopped by ${who}</strong> at ${esc(new Date(s.stopped.at).toLocaleTimeString())} (${asked}, relayed by ${esc(short(s.stopped.node))}): no new agent starts; ${s.stopped.tasks} task(s) stopped.</div>`,
    );
  }
  const b = s.costBudget;
  if (b?.spent && (b.notRun > 0 || b.notRetried > 0 || !s.stopped)) {
    const effects = [
      ...(b.notRun > 0 ? [`${b.notRun} task(s) not run`] : []),
      ...(b.notRetried > 0 ? [`${b.notRetried} failed task(s) not retried`] : []),
    ];
    parts.push(
      `<div class="banner budget" data-testid="budget-banner"><strong>The run's budget of ${esc(formatCost(b.maxUsd))} was spent</strong> (${esc(formatCost(s.cost.totalUsd))} reported): no new agent starts${effects.length > 0 ? `; ${esc(effects.join(', '))}` : ''}.</div>`,
    );
  }
  $('banners').innerHTML = parts.join('');
}

function checksText(v: RunView): { value: string; note: string } {
  const checks = [...v.checks.values()];
  if (checks.length === 0) return { value: '–', note: 'no verify-command ran' };
  const passed = checks.filter((c) => c.check.passed).length;
  const commands = [...new Set(checks.map((c) => c.check.command))];
  return {
    value: `${passed} passed, ${checks.length - passed} failed`,
    note: commands.length === 1 ? commands[0]! : `${commands.length} commands`,
  };
}

function checkCell(c: TaskCheck | undefined): string {
  if (!c) return '';
  const verdict = `${c.check.passed ? '✓' : '✗'} <code>${esc(c.check.command)}</code> ${esc(checkVerdict(c.check))}${c.attempt !== undefined ? ` (attempt ${c.attempt})` : ''}`;
  const tail = c.check.output_tail.trim();
  const output =
    !c.check.passed && tail
      ? `<details><summary>output</summary><pre class="raw">${esc(tail)}</pre></details>`
      : '';
  return `<span class="${c.check.passed ? 'pass' : 'fail'}">${verdict}</span>${output}`;
}

function renderOverview(v: RunView): void {
  const s = v.summary;
  $('cards').innerHTML = [
    card('leader', 'Leader', s.leader ? short(s.leader) : 'electing…'),
    card('nodes', 'Nodes', `${v.activeNodes.length} active of ${s.nodes.length}`),
    card('completed', 'Completed', `${s.totals.completed} / ${s.totals.total}`),
    card('success-rate', 'Success rate', `${Math.round(s.successRate * 100)}%`),
    card('elapsed', 'Elapsed', v.elapsedMs !== undefined ? formatDuration(v.elapsedMs) : '–'),
    card(
      'eta',
      'Estimate to finish',
      s.stopped ? 'stopped' : v.etaMs === undefined ? '–' : v.etaMs === 0 ? 'done' : formatDuration(v.etaMs),
    ),
    card(
      'agent-cost',
      'Agent cost',
      runCostText(s).money,
      [
        runCostText(s).tokens,
        ...(s.cost.unknownTasks > 0 ? [`${s.cost.unknownTasks} task(s) did not report a cost`] : []),
      ]
        .filter(Boolean)
        .join(' · '),
    ),
    card('budget', 'Budget', budgetText(s).value, budgetText(s).note),
    card('checks', 'Checks', checksText(v).value, checksText(v).note),
    card('api-cost', 'API spent on tasks', `${s.api.requests} requests, ${s.api.writes} content-creating`),
  ].join('');
  const states = Object.entries(v.counts).filter(([, n]) => n > 0);
  const statesData = {
    labels: states.map(([k]) => k),
    datasets: [{ data: states.map(([, n]) => n), backgroundColor: states.map(([k]) => COLORS[k] ?? '#999') }],
  };
  if (charts.states) {
    charts.states.data = statesData;
    charts.states.update('none');
  } else {
    charts.states = new Chart($<HTMLCanvasElement>('chart-states'), {
      type: 'doughnut',
      data: statesData,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }
  const t0 = v.startedAt ?? 0;
  const stop = s.stopped;
  const nodes = [...new Set([...v.bars.map((b) => b.node), ...(stop ? [stop.node] : [])].map(short))].sort();
  const outcomes = [...new Set(v.bars.map((b) => b.outcome))];
  const datasets = outcomes.map((outcome) => ({
    label: outcome as string,
    backgroundColor: COLORS[outcome] ?? '#999',
    data: v.bars
      .filter((b) => b.outcome === outcome)
      .map((b) => ({ x: [(b.start - t0) / 1000, (b.end - t0) / 1000], y: short(b.node), task: b.task })),
  }));
  // The stop: a mark on the row of the node that relayed it, at the time it was written.
  if (stop) {
    const at = (stop.at - t0) / 1000;
    const width = Math.max(1, ((v.elapsedMs ?? 0) / 1000) * 0.01);
    datasets.push({
      label: 'stop',
      backgroundColor: '#1f2328',
      data: [{ x: [at, at + width], y: short(stop.node), task: `stop asked by @${stop.by}` }],
    });
  }
  const timelineData = { labels: nodes, datasets };
  // What the chart shows, in words (for screen readers).
  $('chart-timeline').setAttribute(
    'aria-label',
    `timeline: which node ran which task when: ${datasets.map((d) => `${d.label} ${d.data.length}`).join(', ')}` +
      (stop ? ` (asked by @${stop.by}, relayed by ${short(stop.node)})` : ''),
  );
  if (charts.timeline) {
    charts.timeline.data = timelineData as never;
    charts.timeline.update('none');
  } else {
    charts.timeline = new Chart($<HTMLCanvasElement>('chart-timeline'), {
      type: 'bar',
      data: timelineData as never,
      options: {
        animation: false,
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'seconds since the election' } },
          y: { stacked: true },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const raw = item.raw as { x: [number, number]; task: string };
                return `${raw.task}: ${raw.x[0].toFixed(0)}s – ${raw.x[1].toFixed(0)}s (${item.dataset.label})`;
              },
            },
          },
        },
      },
    });
  }
}

function renderTasks(v: RunView): void {
  const s = v.summary;
  const budget = s.costBudget ? ` · budget: ${budgetText(s).value}` : '';
  const total = runCostText(s);
  $('tasks-foot').innerHTML =
    `<tr><td colspan="7">Run total${s.cost.planningUsd !== undefined ? ` (planning ${esc(formatCost(s.cost.planningUsd))} included)` : ''}</td>` +
    `<td data-testid="tasks-total" colspan="2">${esc([total.money, total.tokens].filter(Boolean).join(' · ') + budget)}</td></tr>`;
  $('tasks-body').innerHTML = v.summary.tasks
    .map(
      (t) => `<tr data-testid="task-row">
        <td>${esc(t.id)}</td><td>${esc(t.title)}</td>
        <td><span class="pill" style="background:${COLORS[t.status] ?? '#999'}">${esc(t.status)}</span>${t.reason ? `<div class="why">${esc(t.reason)}</div>` : ''}</td>
        <td>${esc(t.node ? short(t.node) : '')}</td><td>${t.attempts}</td>
        <td>${t.durationMs !== undefined ? esc(formatDuration(t.durationMs)) : ''}</td>
        <td data-testid="task-check">${checkCell(v.checks.get(t.id))}</td>
        <td data-testid="task-cost">${esc(costCell(t))}</td>
        <td data-testid="task-result">${t.pr && /^https?:\/\//.test(t.pr) ? `<a href="${esc(t.pr)}" target="_blank" rel="noopener noreferrer">${esc(t.pr.replace(/^.*\/pull\//, '#'))}</a>` : esc(t.branch ?? (t.changes === false ? 'no changes' : ''))}${t.diff ? `<div class="why">${esc(formatDiff(t.diff))}</div>` : ''}</td>
      </tr>`,
    )
    .join('');
}

function renderWorkflows(): void {
  if (typeof workflowRuns === 'string') {
    $('workflows-body').innerHTML = `<tr><td colspan="5">${esc(workflowRuns)}</td></tr>`;
    return;
  }
  $('workflows-body').innerHTML =
    workflowRuns
      .map((r) => {
        const started = Date.parse(r.run_started_at ?? r.created_at);
        const took = formatDuration(Math.max(0, Date.parse(r.updated_at) - started));
        const state = r.status === 'completed' ? (r.conclusion ?? 'completed') : r.status;
        return `<tr data-testid="workflow-row"><td>${r.html_url && /^https?:\/\//.test(r.html_url) ? `<a href="${esc(r.html_url)}" target="_blank" rel="noopener noreferrer">${esc(r.name)}</a>` : esc(r.name)}</td>
          <td>${esc(state)}</td><td>${esc(r.event ?? '')}</td><td>${esc(new Date(started).toLocaleString())}</td><td>${esc(took)}</td></tr>`;
      })
      .join('') || '<tr><td colspan="5">No workflow runs.</td></tr>';
}

function entryType(e: MessageEntry): string {
  if (e.status === 'malformed') return 'malformed';
  return e.message?.type ?? 'unknown';
}

function renderMessages(v: RunView): void {
  const type = $<HTMLSelectElement>('filter-type').value;
  const node = $<HTMLSelectElement>('filter-node').value;
  const raw = $<HTMLInputElement>('show-raw').checked;
  const entries = v.state.entries.filter((e) => e.status !== 'other-run');
  const nodes = [
    ...new Set(entries.map((e) => e.message?.node).filter((n): n is string => Boolean(n))),
  ].sort();
  $('filter-node').innerHTML =
    '<option value="">every node</option>' +
    nodes
      .map((n) => `<option value="${esc(n)}"${n === node ? ' selected' : ''}>${esc(short(n))}</option>`)
      .join('');
  const byId = new Map(comments.map((c) => [c.id, c]));
  const shown = entries.filter(
    (e) => (!type || entryType(e) === type) && (!node || e.message?.node === node),
  );
  $('messages-count').textContent = `${shown.length} message(s)`;
  $('messages-body').innerHTML = shown
    .map((e) => {
      const m = e.message;
      const what =
        m?.type === 'claim'
          ? `${m.task} attempt ${m.attempt}: ${m.state}${m.progress ? ` (${m.progress})` : ''}`
          : m?.type === 'bid'
            ? `term ${m.term}, instance ${m.instance}/${m.instances}, ${m.state}`
            : m?.type === 'plan'
              ? `term ${m.term}, part ${m.part}/${m.parts}, ${m.tasks.length} task(s)${m.max_cost_usd !== undefined ? `, budget ${formatCost(m.max_cost_usd)}` : ''}${m.error ? `, error: ${m.error}` : ''}`
              : m?.type === 'stop'
                ? `stop the run, as @${m.by.login} asked in comment ${m.comment_id}`
                : m?.type === 'spend'
                  ? `the summary job's agent, for ${m.purpose}: ${m.state}${m.usage?.cost_usd !== undefined ? `, ${formatCost(m.usage.cost_usd)}` : ''}`
                  : '';
      const body = raw ? `<pre class="raw">${esc(byId.get(e.commentId)?.body ?? '')}</pre>` : '';
      return `<tr data-testid="message-row" data-status="${esc(e.status)}" data-type="${esc(entryType(e))}">
        <td>${esc(new Date(e.created).toLocaleTimeString())}</td><td>${esc(entryType(e))}</td>
        <td>${esc(m ? short(m.node) : '')}</td><td>${esc(e.author)}</td>
        <td><span class="status ${esc(e.status)}">${esc(e.status)}</span></td>
        <td>${esc(what)}${e.note ? `<div class="why">${esc(e.note)}</div>` : ''}${body}</td></tr>`;
    })
    .join('');
}

function showTab(name: string): void {
  for (const tab of document.querySelectorAll<HTMLElement>('[data-tab]')) {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(on));
    $(`tab-${tab.dataset.tab}`).hidden = !on;
  }
}

function connect(event?: Event): void {
  event?.preventDefault();
  const form = $<HTMLFormElement>('connect');
  const value = (name: string): string => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  settings = {
    apiUrl: value('apiUrl'),
    token: value('token'),
    repo: value('repo'),
    issue: value('issue'),
    identity: value('identity'),
  };
  if (!/^[\w.-]+\/[\w.-]+$/.test(settings.repo)) return notice('Repository: write it as owner/repo.');
  if (!/^\d+$/.test(settings.issue)) return notice('Issue: write its number.');
  if (!/^https?:\/\//.test(settings.apiUrl))
    return notice('API URL: it starts with https:// (http:// for a local emulator).');
  localStorage.setItem(STORE, JSON.stringify(settings));
  window.clearTimeout(timer);
  api = new GitHubApi(settings.apiUrl, settings.token);
  polls = 0;
  selectedRun = '';
  setStatus('connecting…');
  void poll();
}

function init(): void {
  const form = $<HTMLFormElement>('connect');
  for (const [name, value] of Object.entries(settings))
    (form.elements.namedItem(name) as HTMLInputElement).value = value;
  form.addEventListener('submit', connect);
  $('forget').addEventListener('click', () => {
    localStorage.removeItem(STORE);
    (form.elements.namedItem('token') as HTMLInputElement).value = '';
    notice('The token is forgotten.', 'info');
  });
  for (const tab of document.querySelectorAll<HTMLElement>('[data-tab]'))
    tab.addEventListener('click', () => showTab(tab.dataset.tab!));
  for (const id of ['filter-type', 'filter-node', 'show-raw'])
    $(id).addEventListener('change', () => render());
  $('run').addEventListener('change', () => {
    selectedRun = $<HTMLSelectElement>('run').value;
    render();
  });
  showTab('overview');
  if (settings.token && settings.repo && settings.issue) connect();
}

init();
