// The node's install of the real Claude Code CLI from the npm registry, with a PATH that lacks it: the version
// this release was tested with (package.json's devDependency) lands in a folder of its own, its postinstall
// puts the native binary in place, and the binary runs from the PATH the agent gets.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { provideAgentCli } from '../../src/agents/agent-cli.js';
import { agentChoiceFor } from '../../src/agents/presets.js';
import { runTool } from '../../src/agents/run-tool.js';
import { findExecutable } from '../../src/delivery/git.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'p2p-real-install-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('installing the real claude CLI from npm', () => {
  it('installs 2.1.332 when claude is not on PATH, and the installed binary runs', async () => {
    // node and npm, and the system's tools; no claude.
    const PATH = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
    expect(path.isAbsolute(findExecutable('claude', PATH)), 'claude is already on this PATH').toBe(false);
    const home = mkdtempSync(path.join(root, 'home-'));
    // The machine's environment (its CA certificates, proxy, npm cache) but PATH; a home of its own for claude.
    const lines: string[] = [];
    const env = await provideAgentCli(
      agentChoiceFor('claude', ''),
      undefined,
      { ...process.env, PATH },
      { info: (m) => lines.push(m) },
      { root: path.join(root, 'cli') },
    );
    expect(env.PATH!.split(':')[0]).toBe(path.join(root, 'cli', '_anthropic-ai_claude-code@2.1.332', 'bin'));
    expect(lines[0]).toMatch(/^📦 installed @anthropic-ai\/claude-code@2\.1\.332 for the claude preset/);
    const ran = await runTool('claude', ['--version'], {
      cwd: home,
      env: { ...env, HOME: home },
      timeoutMs: 60_000,
    });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^2\.1\.332 \(Claude Code\)/);
  }, 240_000);
});
