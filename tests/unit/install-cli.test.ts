// The node's install of a preset's CLI, with a stand-in for npm (no network): where it installs, what it puts
// on the agent's PATH, that a second task reuses it, and what a failed or hung install says.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { provideAgentCli } from '../../src/agents/agent-cli.js';
import { agentVersionFor } from '../../src/agents/cli-plan.js';
import { agentChoiceFor } from '../../src/agents/presets.js';
import { runTool } from '../../src/agents/run-tool.js';

/** npm as far as the node uses it: `install --prefix DIR ... PKG@VERSION`, writing what npm would. */
const FAKE_NPM = `#!/bin/bash
echo "$*" >> "$NPM_LOG"
[ -n "$NPM_SLEEP" ] && sleep "$NPM_SLEEP"
if [ -n "$NPM_FAIL" ]; then echo "npm error notarget No matching version found for \${@: -1}" >&2; exit 1; fi
spec="\${@: -1}"; pkg="\${spec%@*}"; ver="\${spec##*@}"; [ "$ver" = latest ] && ver=9.9.9
while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix="$2"; shift; done
mkdir -p "$prefix/node_modules/$pkg/bin" "$prefix/node_modules/.bin"
printf '{"name":"%s","version":"%s","bin":{"%s":"bin/cli"},"scripts":{"postinstall":"touch postinstalled"}}' "$pkg" "$ver" "\${NPM_BIN:-claude}" > "$prefix/node_modules/$pkg/package.json"
printf '#!/bin/sh\\necho "%s (stand-in)"\\n' "$ver" > "$prefix/node_modules/$pkg/bin/cli"
chmod +x "$prefix/node_modules/$pkg/bin/cli"
ln -s "../$pkg/bin/cli" "$prefix/node_modules/.bin/\${NPM_BIN:-claude}"
`;

function setup(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-install-'));
  const bin = path.join(dir, 'tools');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'npm'), FAKE_NPM);
  chmodSync(path.join(bin, 'npm'), 0o755);
  const log = path.join(dir, 'npm.log');
  const env = { PATH: `${bin}:/usr/bin:/bin`, NPM_LOG: log, ...extra };
  const lines: string[] = [];
  const npmCalls = (): string[] => readFileSync(log, 'utf8').trim().split('\n');
  return {
    dir,
    bin,
    env,
    lines,
    log: { info: (m: string) => lines.push(m) },
    npmCalls,
    root: path.join(dir, 'cli'),
  };
}

const claude = agentChoiceFor('claude', '');

describe('installing a preset’s CLI that is not on PATH', () => {
  it('installs the tested version in a folder of its own and puts only its binary first on PATH', async () => {
    const t = setup();
    const env = await provideAgentCli(claude, undefined, t.env, t.log, { root: t.root });
    const [first, ...rest] = env.PATH!.split(':');
    expect(rest.join(':')).toBe(t.env.PATH);
    expect(first).toBe(path.join(t.root, '_anthropic-ai_claude-code@2.1.332', 'bin'));
    expect(readdirSync(first!)).toEqual(['claude']);
    const ran = await runTool('claude', ['--version'], { cwd: t.dir, env, timeoutMs: 10_000 });
    expect(ran.stdout).toBe('2.1.332 (stand-in)\n');
    const [call] = t.npmCalls();
    expect(call).toMatch(
      /^install --prefix \S+\/cli\/\.staging-\S+ --no-save .*@anthropic-ai\/claude-code@2\.1\.332$/,
    );
    // No dependency's scripts run; Claude Code's own postinstall (which puts its native binary in place) does.
    expect(call).toContain('--ignore-scripts');
    const installed = path.join(path.dirname(first!), 'node_modules', '@anthropic-ai', 'claude-code');
    expect(existsSync(path.join(installed, 'postinstalled'))).toBe(true);
    expect(t.lines).toEqual([
      `📦 installed @anthropic-ai/claude-code@2.1.332 for the claude preset (claude is not on PATH; the version this release was tested with) in ${path.dirname(first!)}; \`claude --version\` says 2.1.332 (stand-in)`,
    ]);
    expect(readdirSync(t.root)).toEqual(['_anthropic-ai_claude-code@2.1.332']);

    // The node's next task: the same install, npm not run again.
    const again = await provideAgentCli(claude, undefined, t.env, t.log, { root: t.root });
    expect(again.PATH).toBe(env.PATH);
    expect(t.npmCalls()).toHaveLength(1);
  });

  it('installs agent-version (a dist-tag, under the version it names) without install scripts for codex', async () => {
    const t = setup({ NPM_BIN: 'codex' });
    const codex = agentChoiceFor('codex', '');
    const env = await provideAgentCli(codex, agentVersionFor('latest', codex), t.env, t.log, {
      root: t.root,
    });
    expect(env.PATH!.split(':')[0]).toBe(path.join(t.root, '_openai_codex@9.9.9', 'bin'));
    expect(t.npmCalls()[0]).toMatch(/ --ignore-scripts @openai\/codex@latest$/);
    const installed = path.join(t.root, '_openai_codex@9.9.9', 'node_modules', '@openai', 'codex');
    expect(existsSync(path.join(installed, 'postinstalled'))).toBe(false);
    expect(t.lines[0]).toMatch(
      /^📦 installed @openai\/codex@9\.9\.9 for the codex preset \(codex is not on PATH; agent-version latest\)/,
    );
  });

  it('keeps the CLI on PATH that reports agent-version, and replaces one that does not', async () => {
    const t = setup();
    writeFileSync(path.join(t.bin, 'claude'), '#!/bin/sh\necho "2.1.300 (Claude Code)"\n');
    chmodSync(path.join(t.bin, 'claude'), 0o755);
    const same = await provideAgentCli(claude, agentVersionFor('2.1.300', claude), t.env, t.log, {
      root: t.root,
    });
    expect(same).toBe(t.env);
    expect(t.lines[0]).toBe(
      `🤖 using ${t.bin}/claude (claude on PATH is 2.1.300); this release was tested with @anthropic-ai/claude-code 2.1.332`,
    );
    const other = await provideAgentCli(claude, agentVersionFor('2.1.301', claude), t.env, t.log, {
      root: t.root,
    });
    expect(other.PATH!.split(':')[0]).toBe(path.join(t.root, '_anthropic-ai_claude-code@2.1.301', 'bin'));
    expect(t.lines[1]).toContain('(claude on PATH is 2.1.300, not 2.1.301; agent-version 2.1.301)');
  });

  it('fails naming the preset, the package and version, npm’s words and the fix', async () => {
    const t = setup({ NPM_FAIL: '1' });
    await expect(
      provideAgentCli(claude, agentVersionFor('2.1.999', claude), t.env, t.log, { root: t.root }),
    ).rejects.toThrow(
      'The claude preset needs claude (claude is not on PATH); installing @anthropic-ai/claude-code@2.1.999 from npm failed: npm exited with 1:\nnpm error notarget No matching version found for @anthropic-ai/claude-code@2.1.999. To fix: correct agent-version, or install the CLI in a step before this one (npm install -g @anthropic-ai/claude-code@2.1.999) and leave agent-version empty.',
    );
    // Nothing half-done is left to be used.
    expect(readdirSync(t.root)).toEqual([]);
  });

  it('stops an npm that hangs at its timeout', async () => {
    const t = setup({ NPM_SLEEP: '30' });
    const started = Date.now();
    await expect(
      provideAgentCli(claude, undefined, t.env, t.log, { root: t.root, timeoutMs: 500 }),
    ).rejects.toThrow(
      /installing @anthropic-ai\/claude-code@2\.1\.332 from npm failed: npm did not finish within 0\.5 s and was stopped\. To fix: install it in a step before this one/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a package whose "bin" does not provide the preset’s binary', async () => {
    const t = setup({ NPM_BIN: 'claude-code' });
    await expect(provideAgentCli(claude, undefined, t.env, t.log, { root: t.root })).rejects.toThrow(
      /from npm failed: the package provides claude-code, not claude\./,
    );
  });

  it('says so when npm is not on PATH', async () => {
    const t = setup();
    await expect(
      provideAgentCli(claude, undefined, { ...t.env, PATH: '/nowhere' }, t.log, { root: t.root }),
    ).rejects.toThrow(/from npm failed: npm is not on PATH \(actions\/setup-node provides it\)/);
  });

  it('installs nothing for a custom agent-command, and fails at once when aider is missing', async () => {
    const t = setup();
    const custom = agentChoiceFor('custom', './agent.sh');
    expect(await provideAgentCli(custom, undefined, t.env, t.log, { root: t.root })).toBe(t.env);
    await expect(
      provideAgentCli(agentChoiceFor('aider', ''), undefined, t.env, t.log, { root: t.root }),
    ).rejects.toThrow(/aider, which is not on PATH.*pip install aider-chat/);
    expect(() => t.npmCalls()).toThrow();
  });
});
