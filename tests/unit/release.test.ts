// Releasing: the release workflow (parsed), the CHANGELOG's sections, and `npm run release` in a scratch repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
type Step = {
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  env?: Record<string, string>;
};
const release = parse(readFileSync(path.join(root, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push?: { tags?: string[] }; workflow_dispatch?: { inputs?: Record<string, unknown> } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, { needs?: string; permissions?: Record<string, string>; steps: Step[] }>;
};
const runs = (steps: Step[]) => steps.map((s) => s.run ?? '').join('\n');

describe('the release workflow', () => {
  it('runs on a pushed vX.Y.Z tag, or a dispatch naming the version', () => {
    expect(release.on.push?.tags).toEqual(['v*.*.*']);
    expect(Object.keys(release.on.workflow_dispatch?.inputs ?? {})).toEqual(['version']);
    expect(release.env.TAG).toContain('github.ref_name');
  });

  it('checks dist/, the version and the CHANGELOG before anything is written, with read-only contents', () => {
    const check = release.jobs.check!;
    expect(check.permissions).toEqual({ contents: 'read' });
    expect(check.steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toMatchObject({
      ref: 'refs/tags/${{ env.TAG }}',
      'persist-credentials': false,
    });
    const script = runs(check.steps);
    expect(script).toContain('npm ci');
    expect(script).toContain('npm run build');
    expect(script).toContain('git diff --exit-code -- dist/');
    expect(script).toContain('node scripts/changelog.mjs');
  });

  it('then releases the CHANGELOG section and moves the major tag, the only job that may write', () => {
    expect(release.permissions).toEqual({ contents: 'read' });
    const job = release.jobs.release!;
    expect(job.needs).toBe('check');
    expect(job.permissions).toEqual({ contents: 'write' });
    const script = runs(job.steps);
    expect(script).toContain('gh release create "$TAG" --verify-tag');
    expect(script).toContain('--notes-file');
    expect(script).toContain('major="${TAG%%.*}"');
    expect(script).toContain('git tag -f "$major"');
    expect(script).toContain('git push -f origin "refs/tags/$major"');
  });

  it('takes the major tag as the shell does', () => {
    const major = execFileSync('bash', ['-c', 'TAG=v0.12.3; echo "${TAG%%.*}"'], { encoding: 'utf8' }).trim();
    expect(major).toBe('v0');
  });
});

describe('CHANGELOG.md', () => {
  const changelog = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');

  it('keeps an Unreleased section, grouped by capability', () => {
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    for (const group of [
      'Coordination engine',
      'Agents and the quality gate',
      'Containment',
      "GitHub's limits and liveness",
    ])
      expect(changelog).toContain(`### ${group}`);
  });

  it('gives one version’s notes to the release workflow, and fails for a version it does not have', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-changelog-'));
    try {
      mkdirSync(path.join(dir, 'scripts'));
      copyFileSync(path.join(root, 'scripts/changelog.mjs'), path.join(dir, 'scripts/changelog.mjs'));
      writeFileSync(
        path.join(dir, 'CHANGELOG.md'),
        '# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n### Fixed\n\n- A thing.\n\n## [0.1.0] - 2026-11-01\n\n- First.\n',
      );
      const notes = (version: string) =>
        spawnSync('node', [path.join(dir, 'scripts/changelog.mjs'), version], { encoding: 'utf8' });
      expect(notes('0.2.0')).toMatchObject({ status: 0, stdout: '### Fixed\n\n- A thing.\n' });
      expect(notes('v0.1.0')).toMatchObject({ status: 0, stdout: '- First.\n' });
      expect(notes('0.3.0').status).toBe(1);
      expect(notes('0.2').status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run release', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  const releaseScript = (...args: string[]) =>
    spawnSync('node', ['scripts/release.mjs', ...args], { cwd: dir, env, encoding: 'utf8' });
  function scratch(changelog: string) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-release-'));
    mkdirSync(path.join(dir, 'scripts'));
    for (const file of ['scripts/release.mjs', 'scripts/changelog.mjs'])
      copyFileSync(path.join(root, file), path.join(dir, file));
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'x', version: '0.1.0' }, null, 2) + '\n',
    );
    writeFileSync(
      path.join(dir, 'package-lock.json'),
      JSON.stringify(
        {
          name: 'x',
          version: '0.1.0',
          lockfileVersion: 3,
          packages: { '': { name: 'x', version: '0.1.0' } },
        },
        null,
        2,
      ) + '\n',
    );
    writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'init');
  }

  it('refuses a version the CHANGELOG has no notes for, one below package.json, and a dirty tree', () => {
    scratch('# Changelog\n\n## [Unreleased]\n\n- Everything.\n');
    expect(releaseScript('0.2.0')).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('CHANGELOG.md'),
    });
    expect(releaseScript('0.0.9')).toMatchObject({ status: 1, stderr: expect.stringContaining('below') });
    expect(releaseScript('two')).toMatchObject({ status: 1, stderr: expect.stringContaining('usage') });
    writeFileSync(path.join(dir, 'stray'), '');
    expect(releaseScript('0.1.0')).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('working tree'),
    });
    expect(git('tag', '--list')).toBe('');
  });

  it('bumps the version, commits it, tags vX.Y.Z, and only prints the pushes', () => {
    scratch('# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n- A thing.\n');
    expect(releaseScript('0.2.0', '--dry-run')).toMatchObject({ status: 0 });
    expect(git('tag', '--list')).toBe('');
    const result = releaseScript('0.2.0');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('git push origin main');
    expect(result.stdout).toContain('git push origin v0.2.0');
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('0.2.0');
    expect(JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).version).toBe('0.2.0');
    expect(git('log', '-1', '--format=%s')).toBe('Release v0.2.0');
    expect(git('cat-file', '-t', 'v0.2.0')).toBe('tag');
    expect(git('rev-parse', 'v0.2.0^{commit}')).toBe(git('rev-parse', 'HEAD'));
    expect(git('status', '--porcelain')).toBe('');
    // A tag is made once.
    expect(releaseScript('0.2.0')).toMatchObject({ status: 1, stderr: expect.stringContaining('exists') });
  });
});
