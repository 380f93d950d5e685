// `npx tsx emulator/cli.ts [--port 0] [--owner o] [--repo r] [--seed n] [--lag ms] [--latency ms|min,max]
//   [--failure-rate x] [--issue "title"]`: starts the emulator over HTTP, creates an issue, prints one JSON line
// {"url", "owner", "repo", "issue", "tokens": {login: token}} and runs until interrupted.
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';
import type { ConfigPatch } from './config.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    owner: { type: 'string', default: 'octo-org' },
    repo: { type: 'string', default: 'demo' },
    seed: { type: 'string', default: '1' },
    lag: { type: 'string' },
    latency: { type: 'string' },
    'failure-rate': { type: 'string' },
    issue: { type: 'string', default: 'p2p-dev coordination' },
  },
});

const config: ConfigPatch = {};
if (values.lag) config.listingLagMs = Number(values.lag);
if (values.latency) {
  const [min, max] = values.latency.split(',').map(Number);
  config.latencyMs = max === undefined ? min! : [min!, max];
}
if (values['failure-rate']) config.failureRate = Number(values['failure-rate']);

const server = await startEmulator({
  port: Number(values.port),
  owner: values.owner,
  repo: values.repo,
  seed: Number(values.seed),
  config,
});
const { emulator } = server;
const issue = emulator.createIssue({ title: values.issue, body: '', labels: ['p2p-dev'] });
const tokens = Object.fromEntries(emulator.store.users.map((u) => [u.login, u.token]));
console.log(JSON.stringify({ url: server.url, owner: emulator.owner, repo: emulator.repo, issue, tokens }));

const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
