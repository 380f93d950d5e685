// One row of the benchmark in a process of its own: `node --import tsx bench/row.ts <p2p-dev|seed> <nodes>
// <tasks> [seed]` prints the row's figures as JSON.
import { runRow, type Figures } from './figures.js';

const [protocol, nodes, tasks, seed] = process.argv.slice(2);
if ((protocol !== 'p2p-dev' && protocol !== 'seed') || !Number(nodes) || !Number(tasks)) {
  console.error('usage: bench/row.ts <p2p-dev|seed> <nodes> <tasks> [seed]');
  process.exit(2);
}
runRow(protocol as Figures['protocol'], Number(nodes), Number(tasks), seed ? Number(seed) : undefined).then(
  (figures) => console.log(JSON.stringify(figures)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
