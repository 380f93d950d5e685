// `npm run dashboard`: build the single-file dashboard and serve it locally, or publish it to a Pages branch.
//   npm run dashboard                          serve dist/dashboard.html at http://127.0.0.1:8080/
//   npm run dashboard -- --publish [remote] [--branch gh-pages]   push it as index.html to that branch
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { publishDashboard } from '../src/delivery/publish-dashboard.js';
import { DASHBOARD_FILE, serveDashboard } from './serve-dashboard.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    publish: { type: 'boolean', default: false },
    branch: { type: 'string', default: 'gh-pages' },
    port: { type: 'string', default: '8080' },
  },
});

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (values.publish) {
  const remote = positionals[0] ?? 'origin';
  const where = await publishDashboard({
    workspace: process.cwd(),
    remote,
    branch: values.branch,
    html: readFileSync(DASHBOARD_FILE, 'utf8'),
    token: process.env.GITHUB_TOKEN ?? '',
  });
  console.log(`published the dashboard to ${where}`);
} else {
  const served = await serveDashboard(Number(values.port));
  console.log(`dashboard at ${served.url} — press Ctrl-C to stop`);
}
