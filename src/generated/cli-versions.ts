// Generated from package.json's devDependencies by scripts/build.mjs: do not edit. The agent CLI versions
// the tests ran, which a node installs when the preset’s CLI is not on PATH and agent-version is empty.
export const TESTED_CLI_VERSIONS: Readonly<Record<string, string>> = {
  '@anthropic-ai/claude-code': '2.1.332',
  '@openai/codex': '0.171.0',
  '@google/gemini-cli': '0.61.0',
};
