// The simulation from the command line.
//   npm run sim -- --seeds 1000 [--from 0]    run seeds from..from+seeds-1 and print the figures
//   npm run sim -- --seed 1234                replay one seed, printing its schedule and every node's log
//   npm run soak                              10,000 seeds
// Exit 1 when any seed broke an invariant; each failing seed is printed with the command that replays it.
import { parseArgs } from 'node:util';
import { drawSchedule } from './schedule.js';
import { simulate, type SimResult } from './simulate.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    from: { type: 'string', default: '0' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

async function main(): Promise<number> {
  if (values.seed !== undefined) {
    const schedule = drawSchedule(Number(values.seed));
    console.log(JSON.stringify(schedule, null, 1));
    const result = await simulate(schedule, { verbose: true });
    for (const line of result.log ?? []) console.log(line);
    const { log: _log, ...figures } = result;
    console.log(JSON.stringify(figures, null, 1));
    console.log(
      result.violations.length === 0 ? 'all invariants hold' : `VIOLATIONS:\n${result.violations.join('\n')}`,
    );
    return result.violations.length === 0 ? 0 : 1;
  }
  const from = Number(values.from);
  const count = Number(values.seeds);
  const started = performance.now();
  const results: SimResult[] = [];
  const failures: SimResult[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const result = await simulate(drawSchedule(seed));
    results.push(result);
    if (result.violations.length > 0) {
      failures.push(result);
      console.error(`seed ${seed} FAILED:\n  ${result.violations.slice(0, 10).join('\n  ')}`);
      console.error(`  replay: npm run sim -- --seed ${seed}`);
    }
    if (!values.quiet && !values.json && (seed - from + 1) % 100 === 0)
      console.log(
        `${seed - from + 1}/${count} seeds, ${failures.length} failed, ${((performance.now() - started) / 1000).toFixed(0)}s`,
      );
  }
  const sum = (f: (r: SimResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const tasks = sum((r) => r.tasks);
  const figures = {
    seeds: results.length,
    failed: failures.length,
    failedSeeds: failures.map((r) => r.seed),
    wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    virtualHours: Math.round(sum((r) => r.virtualMs) / 360_000) / 10,
    nodes: sum((r) => r.nodes),
    crashes: sum((r) => r.crashes),
    tasks,
    completed: sum((r) => r.completed),
    failedTasks: sum((r) => r.failed),
    skipped: sum((r) => r.skipped),
    agentRuns: sum((r) => r.agentRuns),
    faultsInjected: sum((r) => r.faultsInjected),
    countedRequestsPerTask: Math.round((sum((r) => r.requests) / tasks) * 10) / 10,
    contentCreatingPerTask: Math.round((sum((r) => r.contentCreating) / tasks) * 100) / 100,
    share304:
      Math.round(
        (sum((r) => r.notModified) /
          Math.max(
            1,
            sum((r) => r.notModified + r.requests),
          )) *
          1000,
      ) / 1000,
  };
  if (values.json) console.log(JSON.stringify(figures));
  else {
    console.log('\nSimulation figures');
    for (const [k, v] of Object.entries(figures))
      console.log(`  ${k.padEnd(24)} ${Array.isArray(v) ? v.join(' ') || '-' : v}`);
    console.log(
      failures.length === 0
        ? `\nall invariants held on ${results.length} seeds`
        : `\n${failures.length} seed(s) broke an invariant`,
    );
  }
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
