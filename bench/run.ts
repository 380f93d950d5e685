// `npm run bench`: the protocol's speed and cost, measured by running the real node code (all nodes of a row in
// one process, on the simulated clock, against the emulator with 50–300 ms latency and listing lag) at 5 to 256
// nodes, beside the seed document's protocol on the same simulated GitHub; plus the peak memory of real node
// processes. Prints a table and writes bench/results.json; `--write` also updates BENCHMARKS.md. Rows of up to
// 20 nodes run under GITHUB_TOKEN's limits as GitHub documents them (1,000 requests an hour for the repository;
// 80 content-creating requests a minute and 500 an hour), larger ones under a GitHub App's (5,000 an hour),
// which a matrix that large needs; `--limits github-token|app-token` runs every row under one (LIMIT_PROFILES
// in bench/figures.ts). A row that cannot finish under its limits within 48 virtual hours is shown as such.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { GITHUB_TOKEN_PER_HOUR, isLimitProfile, type Figures, type LimitProfile } from './figures.js';
import { MEMORY_CASES, measureNodeMemory, type MemoryFigure } from './memory.js';

/** Each row in a fresh process (see bench/figures.ts). */
async function row(
  protocol: Figures['protocol'],
  nodes: number,
  tasks: number,
  limits: LimitProfile,
): Promise<Figures> {
  const script = fileURLToPath(new URL('./row.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', script, protocol, String(nodes), String(tasks), String(nodes * 1000 + tasks), limits],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Figures;
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    'baseline-max-nodes': { type: 'string', default: '20' },
    /** Sizes to run instead of the standard ones, as `20x100,100x500`. */
    rows: { type: 'string' },
    'skip-memory': { type: 'boolean', default: false },
    /**
     * The limits the rows run under: `auto` (the default: GITHUB_TOKEN's up to 20 nodes, a GitHub App's beyond,
     * which a matrix that large needs), or `github-token` or `app-token` for every row.
     */
    limits: { type: 'string', default: 'auto' },
    /** Measure the nodes' memory only (the three cases), and print it. */
    'memory-only': { type: 'boolean', default: false },
    /** Print (and with --write, write) the table of bench/results.json again, running nothing. */
    render: { type: 'boolean', default: false },
  },
});

/** Up to this many nodes, `--limits auto` runs a row under GITHUB_TOKEN's budget; beyond, a GitHub App's. */
const AUTO_GITHUB_TOKEN_NODES = 20;

async function main(): Promise<void> {
  const chosen = values.limits;
  if (chosen !== 'auto' && !isLimitProfile(chosen))
    throw new Error(`--limits: auto, github-token or app-token, not ${chosen}`);
  const limitsFor = (nodes: number): LimitProfile =>
    chosen !== 'auto' ? chosen : nodes <= AUTO_GITHUB_TOKEN_NODES ? 'github-token' : 'app-token';
  if (values.render) {
    const saved = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as {
      results: Figures[];
      memory: MemoryFigure[];
    };
    // (Older results hold one figure, of the ordinary case.)
    const memory = Array.isArray(saved.memory)
      ? saved.memory
      : [{ case: 'ordinary' as const, ...(saved.memory as { peakMb: number; nodes: number }) }];
    publish(render(saved.results, memory));
    return;
  }
  if (values['memory-only']) {
    const memory = await measureMemory();
    console.log(memoryLines(memory).join('\n'));
    return;
  }
  const rows: [number, number][] = values.rows
    ? values.rows.split(',').map((r) => r.split('x').map(Number) as [number, number])
    : values.quick
      ? [
          [5, 10],
          [20, 40],
        ]
      : [
          [5, 10],
          [20, 100],
          [100, 500],
          [256, 1000],
        ];
  const results: Figures[] = [];
  for (const [nodes, tasks] of rows) {
    const ours = await row('p2p-dev', nodes, tasks, limitsFor(nodes));
    results.push(ours);
    console.error(
      `p2p-dev ${nodes} nodes × ${tasks} tasks: ${ours.wallSeconds.toFixed(1)} s${ours.unfinished ? ` (did not finish: ${ours.unfinished})` : ''}`,
    );
    if (nodes <= Number(values['baseline-max-nodes'])) {
      const seed = await row('seed', nodes, tasks, limitsFor(nodes));
      results.push(seed);
      console.error(`seed    ${nodes} nodes × ${tasks} tasks: ${seed.wallSeconds.toFixed(1)} s`);
    }
  }
  const memory = values['skip-memory'] ? [] : await measureMemory();

  writeFileSync(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), results, memory }, null, 2)}\n`,
  );
  publish(render(results, memory));
}

function publish(table: string): void {
  console.log(table);
  if (values.write) {
    const file = new URL('../BENCHMARKS.md', import.meta.url);
    const md = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      md.replace(
        /<!-- bench:start -->[\s\S]*<!-- bench:end -->/,
        `<!-- bench:start -->\n${table}\n<!-- bench:end -->`,
      ),
    );
  }
}

const s1 = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–');
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

/** Phases in the order a node goes through them; routes keep the order they come in. */
const PHASES = [
  'joining',
  'electing',
  'leading',
  'claiming',
  'working',
  'catching up',
  'idle',
  'holding back',
  'leaving',
];
const order = (key: string): number => (PHASES.includes(key) ? PHASES.indexOf(key) : PHASES.length);

async function measureMemory(): Promise<MemoryFigure[]> {
  const out: MemoryFigure[] = [];
  for (const which of MEMORY_CASES) {
    out.push(await measureNodeMemory(which));
    console.error(`memory, ${which}: ${out.at(-1)!.peakMb} MB`);
  }
  return out;
}

function memoryLines(memory: MemoryFigure[]): string[] {
  if (memory.length === 0) return [];
  return [
    `| peak memory (RSS) of a node process (dist/index.js, ${memory[0]!.nodes} nodes, 10 tasks, on the emulator) | MB |`,
    '|---|---|',
    ...memory.map((m) => `| ${m.case} | ${m.peakMb} |`),
  ];
}

/** The limits a row ran under, in words (older results do not say: they ran under none). */
function limitsOf(f: Figures): string {
  if (!f.limits) return 'none';
  const { rateLimit, contentLimit } = f.limits;
  const primary = `${rateLimit.limit} counted requests per ${rateLimit.windowMs / 60_000} min`;
  if (!contentLimit) return `${primary}; no content limit`;
  return `${primary}; ${contentLimit.perMinute} content-creating a minute and ${contentLimit.perHour} an hour${contentLimit.retryAfter ? '' : ', answered without retry-after'}`;
}

/**
 * The shortest run the content limit allows for the row's writes (all nodes write as one identity): its
 * writes over 80 a minute or 500 an hour, whichever binds.
 */
function writeFloor(f: Figures): string {
  const content = f.limits?.contentLimit;
  if (f.writesPerTask === undefined || !content) return '–';
  const writes = f.writesPerTask * f.tasks;
  const minutes = Math.max(writes / content.perMinute, (writes / content.perHour) * 60);
  return `${minutes.toFixed(0)} min`;
}

function render(results: Figures[], memory: MemoryFigure[]): string {
  const lines = [
    '| protocol | nodes × tasks | done | election | claim (median / p95) | overhead per task | counted req. per task | content-creating per task | writes per task (posts and edits) | 304 share | run (virtual) | floor set by the content limit | counted req. per hour of run | fits 1,000/h | limit answers |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of results) {
    const perHour = f.countedPerHour ?? (f.countedPerTask * f.tasks) / (f.virtualMinutes / 60);
    const fits = f.fitsGithubToken ?? perHour <= GITHUB_TOKEN_PER_HOUR;
    lines.push(
      `| ${f.protocol} | ${f.nodes} × ${f.tasks} | ${f.completed}${f.unfinished ? ' (did not finish)' : ''} | ${s1(f.electionMs)} | ${s1(f.claimMsMedian)} / ${s1(f.claimMsP95)} | ${s1(f.overheadPerTaskMs)} | ${n2(f.countedPerTask)} | ${n2(f.contentPerTask)} | ${f.writesPerTask !== undefined ? n2(f.writesPerTask) : '–'} | ${Math.round(f.share304 * 100)}% | ${f.virtualMinutes.toFixed(0)} min | ${writeFloor(f)} | ${Math.round(perHour)} | ${fits ? 'yes' : 'no'} | ${f.limitAnswers ?? '–'} |`,
    );
  }
  const under = [...new Set(results.map((f) => `${f.limitProfile ?? 'none'}: ${limitsOf(f)}`))];
  lines.push(
    '',
    `Limits the rows ran under (as GitHub documents them, unscaled: the rows run at the action's default timings): ${under.join('; ')}.`,
  );
  for (const f of results.filter((r) => r.unfinished))
    lines.push('', `${f.protocol} ${f.nodes} × ${f.tasks} did not finish: ${f.unfinished}.`);
  const ours = results.filter((r) => r.protocol === 'p2p-dev');
  const breakdown = (
    title: string,
    key: 'perTaskByRoute' | 'perTaskByPhase' | 'writesPerTaskByKind',
    name: (k: string) => string,
  ) => {
    const keys = [...new Set(ours.flatMap((r) => Object.keys(r[key] ?? {})))].sort(
      (a, b) => order(a) - order(b),
    );
    return [
      `| ${title} | ${ours.map((r) => `${r.nodes} × ${r.tasks}`).join(' | ')} |`,
      `|---|${ours.map(() => '---').join('|')}|`,
      ...keys.map((k) => `| ${name(k)} | ${ours.map((r) => n2(r[key]?.[k] ?? 0)).join(' | ')} |`),
    ];
  };
  const byPhase = breakdown(
    'counted requests per task, by what the node was doing',
    'perTaskByPhase',
    (k) => k,
  );
  const byRoute = breakdown(
    'counted requests per task, by request',
    'perTaskByRoute',
    (route) =>
      `\`${route.replace('/repos/:owner/:repo/issues/', '…/').replace('/repos/:owner/:repo', '…')}\``,
  );
  const byWrite = breakdown(
    'writes per task, by what they wrote (`chatter`: the checklist)',
    'writesPerTaskByKind',
    (k) => k,
  );
  const ratios: string[] = [];
  for (const f of results.filter((r) => r.protocol === 'p2p-dev')) {
    const base = results.find((r) => r.protocol === 'seed' && r.nodes === f.nodes && r.tasks === f.tasks);
    if (!base) continue;
    ratios.push(
      `| ${f.nodes} × ${f.tasks} | ${n2(base.countedPerTask / f.countedPerTask)}× fewer | ${n2(base.contentPerTask / f.contentPerTask)}× fewer | ${n2(base.claimMsMedian / f.claimMsMedian)}× | ${n2(base.electionMs / f.electionMs)}× |`,
    );
  }
  return [
    ...lines,
    '',
    '| nodes × tasks | counted requests vs seed | content-creating vs seed | claim time, seed ÷ ours | election time, seed ÷ ours |',
    '|---|---|---|---|---|',
    ...ratios,
    '',
    ...byPhase,
    '',
    ...byRoute,
    '',
    ...byWrite,
    '',
    ...memoryLines(memory),
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
