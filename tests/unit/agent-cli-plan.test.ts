// The decisions about a preset's CLI, pure: what agent-version accepts, when the node installs and which
// version, what its errors say; and that the versions baked into the bundle are package.json's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_PRESETS, agentChoiceFor } from '../../src/agents/presets.js';
import {
  agentVersionFor,
  installFailure,
  needsPathVersion,
  planAgentCli,
  versionIn,
} from '../../src/agents/cli-plan.js';
import { TESTED_CLI_VERSIONS } from '../../src/generated/cli-versions.js';
import { CLI_PACKAGES, cliVersionsModule } from '../../scripts/cli-versions.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const choice = (agent: string, command = '') => agentChoiceFor(agent, command);

describe('the tested versions in the bundle', () => {
  it('are package.json’s devDependencies, for every preset’s npm package', () => {
    const npmPackages = Object.values(AGENT_PRESETS).flatMap((p) => (p.npm ? [p.npm.package] : []));
    expect(npmPackages.sort()).toEqual([...CLI_PACKAGES].sort());
    for (const name of npmPackages) expect(TESTED_CLI_VERSIONS[name]).toBe(pkg.devDependencies[name]);
    expect(TESTED_CLI_VERSIONS['@anthropic-ai/claude-code']).toBe('2.1.332');
  });

  it('refuse a devDependency that is not pinned to one version', () => {
    const loose = { devDependencies: { ...pkg.devDependencies, '@openai/codex': '^0.171.0' } };
    expect(() => cliVersionsModule(loose)).toThrow(
      /must pin devDependency @openai\/codex to one exact version/,
    );
  });

  it('name, for each preset, a binary its package’s "bin" provides', () => {
    for (const preset of Object.values(AGENT_PRESETS)) {
      if (!preset.npm) continue;
      const manifest = JSON.parse(
        readFileSync(path.join(ROOT, 'node_modules', preset.npm.package, 'package.json'), 'utf8'),
      ) as { bin: Record<string, string> };
      expect(Object.keys(manifest.bin)).toContain(preset.binary);
    }
  });
});

describe('agent-version', () => {
  it('is empty, an exact version (a leading v dropped) or a dist-tag', () => {
    expect(agentVersionFor('  ', choice('claude'))).toBeUndefined();
    expect(agentVersionFor('2.1.300', choice('claude'))).toEqual({ spec: '2.1.300', exact: true });
    expect(agentVersionFor('v0.172.0-alpha.1', choice('codex'))).toEqual({
      spec: '0.172.0-alpha.1',
      exact: true,
    });
    expect(agentVersionFor('latest', choice('gemini'))).toEqual({ spec: 'latest', exact: false });
    expect(agentVersionFor('nightly', choice('gemini'))).toEqual({ spec: 'nightly', exact: false });
  });

  it.each(['2.1', '^2.1.0', '>=2', '1.2.3 || 2', '-rf', 'latest; rm -rf /', '2.1.332 --registry x'])(
    'refuses %j, naming the input and what it accepts',
    (value) => {
      expect(() => agentVersionFor(value, choice('claude'))).toThrow(
        `Input "agent-version" must be an exact version of @anthropic-ai/claude-code (such as 2.1.332) or an npm dist-tag (such as latest or next); got "${value}".`,
      );
    },
  );

  it('is refused with aider (not on npm) and with a custom agent-command', () => {
    expect(() => agentVersionFor('0.86.0', choice('aider'))).toThrow(
      /Input "agent-version" cannot pin aider: it is not an npm package.*pipx install aider-chat==<version>/,
    );
    expect(() => agentVersionFor('1.0.0', choice('custom', './agent.sh'))).toThrow(
      /Input "agent-version" goes with a preset agent \(claude, codex, gemini\); with "agent-command", install your CLI/,
    );
  });
});

describe('what the node does about the CLI', () => {
  const exact = { spec: '2.1.300', exact: true };
  const tag = { spec: 'latest', exact: false };

  it('uses the CLI on PATH when agent-version is empty, and installs the tested version when it is missing', () => {
    expect(planAgentCli(choice('claude'), undefined, { onPath: '/usr/bin/claude' })).toMatchObject({
      kind: 'use',
      path: '/usr/bin/claude',
    });
    expect(planAgentCli(choice('claude'), undefined, {})).toEqual({
      kind: 'install',
      package: '@anthropic-ai/claude-code',
      version: '2.1.332',
      scripts: true,
      requested: false,
      why: 'claude is not on PATH',
    });
    expect(planAgentCli(choice('codex'), undefined, {})).toMatchObject({
      package: '@openai/codex',
      version: '0.171.0',
      scripts: false,
    });
    expect(planAgentCli(choice('gemini'), undefined, {})).toMatchObject({ version: '0.61.0' });
  });

  it('installs agent-version unless the CLI on PATH reports exactly it; a dist-tag always installs', () => {
    expect(needsPathVersion(exact, { onPath: '/usr/bin/claude' })).toBe(true);
    expect(needsPathVersion(tag, { onPath: '/usr/bin/claude' })).toBe(false);
    expect(needsPathVersion(undefined, { onPath: '/usr/bin/claude' })).toBe(false);
    expect(needsPathVersion(exact, {})).toBe(false);
    const same = planAgentCli(choice('claude'), exact, { onPath: '/bin/claude', pathVersion: '2.1.300' });
    expect(same).toMatchObject({ kind: 'use', path: '/bin/claude' });
    expect(planAgentCli(choice('claude'), exact, { onPath: '/bin/claude', pathVersion: '2.1.332' })).toEqual({
      kind: 'install',
      package: '@anthropic-ai/claude-code',
      version: '2.1.300',
      scripts: true,
      requested: true,
      why: 'claude on PATH is 2.1.332, not 2.1.300',
    });
    expect(planAgentCli(choice('claude'), exact, { onPath: '/bin/claude' })).toMatchObject({
      kind: 'install',
      why: 'claude on PATH is of an unknown version, not 2.1.300',
    });
    expect(planAgentCli(choice('claude'), exact, {})).toMatchObject({ kind: 'install', version: '2.1.300' });
    expect(planAgentCli(choice('codex'), tag, { onPath: '/bin/codex' })).toMatchObject({
      kind: 'install',
      version: 'latest',
      why: 'agent-version names the dist-tag latest',
    });
  });

  it('never installs for a custom agent-command, and cannot install aider', () => {
    expect(planAgentCli(choice('custom', './agent.sh'), undefined, {})).toMatchObject({ kind: 'nothing' });
    expect(planAgentCli(choice('aider'), undefined, { onPath: '/usr/bin/aider' })).toMatchObject({
      kind: 'use',
    });
    expect(() => planAgentCli(choice('aider'), undefined, {})).toThrow(
      'The aider preset runs aider, which is not on PATH. Aider is a Python tool, not on npm, so the node cannot install it: add a step before this one that runs `pipx install aider-chat` (or `pip install aider-chat`).',
    );
  });

  it('reads the version out of what each CLI prints for --version', () => {
    expect(versionIn('2.1.332 (Claude Code)')).toBe('2.1.332');
    expect(versionIn('codex-cli 0.171.0')).toBe('0.171.0');
    expect(versionIn('0.61.0\n')).toBe('0.61.0');
    expect(versionIn('0.172.0-nightly.20261201 extra')).toBe('0.172.0-nightly.20261201');
    expect(versionIn('unknown')).toBeUndefined();
  });

  it('says, when an install fails, which preset, package and version, and how to fix it', () => {
    const tested = planAgentCli(choice('claude'), undefined, {});
    expect(installFailure(choice('claude'), tested, 'npm exited with 1')).toBe(
      'The claude preset needs claude (claude is not on PATH); installing @anthropic-ai/claude-code@2.1.332 from npm failed: npm exited with 1. To fix: install it in a step before this one (npm install -g @anthropic-ai/claude-code@2.1.332), or set agent-version to a version npm can install.',
    );
    const asked = planAgentCli(choice('codex'), { spec: '9.9.9', exact: true }, {});
    expect(installFailure(choice('codex'), asked, 'no such version')).toMatch(
      /^The codex preset needs codex .*@openai\/codex@9\.9\.9 from npm failed: no such version\. To fix: correct agent-version, or install the CLI in a step before this one \(npm install -g @openai\/codex@9\.9\.9\) and leave agent-version empty\.$/,
    );
  });
});
