// Builds dist/index.js, the self-contained bundle action.yml runs, after regenerating what comes from action.yml
// (the inputs' defaults) and package.json (the agent CLI versions the tests ran).
import { writeFileSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';
import { readAction, defaultsModule } from './action-metadata.mjs';
import { cliVersionsModule, readPackage } from './cli-versions.mjs';

mkdirSync(new URL('../src/generated/', import.meta.url), { recursive: true });
const generated = {
  'action-defaults.ts': defaultsModule(readAction()),
  'cli-versions.ts': cliVersionsModule(readPackage()),
};
for (const [name, source] of Object.entries(generated)) {
  const file = new URL(`../src/generated/${name}`, import.meta.url);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== source) writeFileSync(file, source);
}

await build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: 'dist/index.js',
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __p2pCreateRequire } from 'node:module'; const require = __p2pCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log('built dist/index.js');

// The dashboard: one self-contained HTML file (Chart.js and the action's own parser and fold inlined).
const page = await build({
  entryPoints: ['dashboard/app.ts'],
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  minify: true,
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
});
const script = page.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
const template = readFileSync('dashboard/index.html', 'utf8');
writeFileSync(
  'dist/dashboard.html',
  template.replace('/*APP*/', () => script),
);
console.log(
  `built dist/dashboard.html (${Math.round(Buffer.byteLength(readFileSync('dist/dashboard.html')) / 1024)} KB)`,
);
