// `npm run bench`: the protocol's speed and cost, measured by running the real node code (all nodes of a row in
// one process, on the simulated clock, against the emulator with 50–300 ms latency and listing lag) at 5 to 256
// nodes, beside the seed document's protocol on the same simulated GitHub; plus the peak memory of real node
// processes. Prints a table and writes bench/results.json; `--write` also updates BENCHMARKS.md.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import type { Figures } from './figures.js';
import { MEMORY_CASES, measureNodeMemory, type MemoryFigure } from './memory.js';

/** Each row in a fresh process (see bench/figures.ts). */
async function row(protocol: Figures['protocol'], nodes: number, tasks: number): Promise<Figures> {
  const script = fileURLToPath(new URL('./row.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', script, protocol, String(nodes), String(tasks)],
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
    /** Measure the nodes' memory only (the three cases), and print it. */
    'memory-only': { type: 'boolean', default: false },
    /** Print (and with --write, write) the table of bench/results.json again, running nothing. */
    render: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
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
    const ours = await row('p2p-dev', nodes, tasks);
    results.push(ours);
    console.error(`p2p-dev ${nodes} nodes × ${tasks} tasks: ${ours.wallSeconds.toFixed(1)} s`);
    if (nodes <= Number(values['baseline-max-nodes'])) {
      const seed = await row('seed', nodes, tasks);
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

function render(results: Figures[], memory: MemoryFigure[]): string {
  const lines = [
    '| protocol | nodes × tasks | done | election | claim (median / p95) | overhead per task | counted req. per task | content-creating per task | 304 share | run (virtual) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of results) {
    lines.push(
      `| ${f.protocol} | ${f.nodes} × ${f.tasks} | ${f.completed} | ${s1(f.electionMs)} | ${s1(f.claimMsMedian)} / ${s1(f.claimMsP95)} | ${s1(f.overheadPerTaskMs)} | ${n2(f.countedPerTask)} | ${n2(f.contentPerTask)} | ${Math.round(f.share304 * 100)}% | ${f.virtualMinutes.toFixed(0)} min |`,
    );
  }
  const ours = results.filter((r) => r.protocol === 'p2p-dev');
  const breakdown = (
    title: string,
    key: 'perTaskByRoute' | 'perTaskByPhase',
    name: (k: string) => string,
  ) => {
    const keys = [...new Set(ours.flatMap((r) => Object.keys(r[key])))].sort((a, b) => order(a) - order(b));
    return [
      `| ${title} | ${ours.map((r) => `${r.nodes} × ${r.tasks}`).join(' | ')} |`,
      `|---|${ours.map(() => '---').join('|')}|`,
      ...keys.map((k) => `| ${name(k)} | ${ours.map((r) => n2(r[key][k] ?? 0)).join(' | ')} |`),
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
    ...memoryLines(memory),
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
