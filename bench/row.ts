// One row of the benchmark in a process of its own: `node --import tsx bench/row.ts <p2p-dev|seed> <nodes>
// <tasks> [seed] [github-token|app-token]` prints the row's figures as JSON (the limits: GITHUB_TOKEN's
// unless named; see LIMIT_PROFILES in bench/figures.ts).
import { isLimitProfile, runRow, type Figures } from './figures.js';

const [protocol, nodes, tasks, seed, limits = 'github-token'] = process.argv.slice(2);
if (
  (protocol !== 'p2p-dev' && protocol !== 'seed') ||
  !Number(nodes) ||
  !Number(tasks) ||
  !isLimitProfile(limits)
) {
  console.error('usage: bench/row.ts <p2p-dev|seed> <nodes> <tasks> [seed] [github-token|app-token]');
  process.exit(2);
}
runRow(
  protocol as Figures['protocol'],
  Number(nodes),
  Number(tasks),
  seed ? Number(seed) : undefined,
  limits,
).then(
  (figures) => console.log(JSON.stringify(figures)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
