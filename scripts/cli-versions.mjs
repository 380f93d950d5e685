// The versions of the agent CLIs this release was tested with: package.json's devDependencies for the presets'
// npm packages, written into src/generated/cli-versions.ts at build time so that a node that finds no CLI on
// PATH installs exactly these (src/agents/install-cli.ts).
import { readFileSync } from 'node:fs';

/** The presets' npm packages (a test checks this list against src/agents/presets.ts). */
export const CLI_PACKAGES = ['@anthropic-ai/claude-code', '@openai/codex', '@google/gemini-cli'];

export function readPackage(file = new URL('../package.json', import.meta.url)) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The source of src/generated/cli-versions.ts; throws unless each package is pinned to one exact version. */
export function cliVersionsModule(pkg) {
  const entries = CLI_PACKAGES.map((name) => {
    const version = pkg.devDependencies?.[name];
    if (typeof version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version))
      throw new Error(`package.json must pin devDependency ${name} to one exact version; got ${version}`);
    return `  '${name}': '${version}',`;
  });
  return [
    "// Generated from package.json's devDependencies by scripts/build.mjs: do not edit. The agent CLI versions",
    '// the tests ran, which a node installs when the preset’s CLI is not on PATH and agent-version is empty.',
    'export const TESTED_CLI_VERSIONS: Readonly<Record<string, string>> = {',
    ...entries,
    '};',
    '',
  ].join('\n');
}
