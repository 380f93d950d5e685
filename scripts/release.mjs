// Prepares a release: `npm run release -- 0.2.0` (add --dry-run to only check).
// Checks the version (semver, not below package.json's, not tagged yet), a clean working tree and a CHANGELOG.md
// section for it; sets the version in package.json and package-lock.json, commits that if it changed, and makes
// the annotated tag v0.2.0. It pushes nothing: it prints the commands that do, and the pushed tag runs the release
// workflow (.github/workflows/release.yml), which checks dist/, publishes the notes and moves the major tag v0.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { changelogSection, readChangelog, VERSION } from './changelog.mjs';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const version = (args.find((a) => !a.startsWith('--')) ?? '').replace(/^v/, '');
const fail = (message) => {
  console.error(`release: ${message}`);
  process.exit(1);
};
const git = (...argv) => execFileSync('git', argv, { encoding: 'utf8' }).trim();

if (!VERSION.test(version)) fail('usage: npm run release -- X.Y.Z [--dry-run]');
const tag = `v${version}`;
const major = `v${version.split('.')[0]}`;

const current = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const parts = (v) => v.split('.').map(Number);
const compare = (a, b) => parts(a).reduce((d, n, i) => d || n - parts(b)[i], 0);
if (compare(version, current) < 0) fail(`${version} is below package.json's version ${current}`);

if (git('tag', '--list', tag)) fail(`the tag ${tag} exists already`);
const dirty = git('status', '--porcelain');
if (dirty) fail(`the working tree has changes; commit or stash them first:\n${dirty}`);
if (!changelogSection(readChangelog(), version))
  fail(
    `CHANGELOG.md has no notes under "## [${version}] - YYYY-MM-DD": move the Unreleased notes there first`,
  );

const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
if (dryRun) {
  console.log(
    `release: ${tag} can be made on ${branch} (package.json ${current} -> ${version}); nothing changed`,
  );
  process.exit(0);
}

if (version !== current) {
  execFileSync('npm', ['version', version, '--no-git-tag-version'], { stdio: 'inherit' });
  git('add', 'package.json', 'package-lock.json');
  git('commit', '-m', `Release ${tag}`);
}
git('tag', '-a', tag, '-m', tag);
console.log(`release: tagged ${tag} at ${git('rev-parse', '--short', 'HEAD')}. To publish it, push the commit and the tag:

  git push origin ${branch}
  git push origin ${tag}

The release workflow then checks dist/, creates the GitHub release from CHANGELOG.md and moves ${major} to ${tag}.`);
