import { simulate } from '/work/main/sim/simulate.js';
import { seededRandom } from '/work/main/emulator/clock.js';
const [nodes, tasks] = process.argv[2]!.split('x').map(Number) as [number, number];
const rnd = seededRandom(nodes * 1000 + tasks);
const s = {
  seed: nodes * 1000 + tasks,
  nodes: Array.from({ length: nodes }, (_, i) => ({ instance: i + 1, skewMs: 0 })),
  tasks: Array.from({ length: tasks }, (_, i) => ({
    title: `Task ${i + 1}`,
    depends: i > 0 && rnd() < 0.2 ? [1 + Math.floor(rnd() * i)] : [],
  })),
  maxAttempts: 2,
  timings: { settleMs: 2000, pollMs: 3000, heartbeatMs: 300_000, leaseMs: 900_000 },
  agent: { minMs: 3 * 60_000, maxMs: 10 * 60_000, failRate: 0 },
  emulator: { latencyMs: [50, 300], listingLagMs: 300, listingLagJitterMs: 1200, failureRate: 0 },
  faults: [],
  forgeries: [],
} as any;
const r = await simulate(s, { details: true, limitMs: 48 * 3600_000 });
const sums: Record<string, number> = {};
for (const e of r.details!.events) {
  const m = /^API use: (\d+) counted requests, (\d+) free 304s \((.*)\)/.exec(e.message);
  if (!m) continue;
  for (const part of m[3]!.split(', ')) {
    const i = part.lastIndexOf(' ');
    const k = part.slice(0, i),
      v = part.slice(i + 1);
    sums[k!] = (sums[k!] ?? 0) + Number(v);
  }
}
console.log(
  `${nodes}x${tasks} counted/task ${(r.requests / tasks).toFixed(2)} violations ${r.violations.length}`,
);
for (const [k, v] of Object.entries(sums)) console.log(`  ${k}: ${(v / tasks).toFixed(2)}`);
console.log(
  Object.entries(r.details!.byRoute)
    .map(([k, v]) => `  ${k} ${(v / tasks).toFixed(2)}`)
    .join('\n'),
);
