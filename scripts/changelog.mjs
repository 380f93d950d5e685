// The section of CHANGELOG.md for one version: `node scripts/changelog.mjs 0.2.0` prints it (the release notes),
// and fails when CHANGELOG.md has no such section or it is empty.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VERSION = /^\d+\.\d+\.\d+$/;

/** The text under `## [version]` (up to the next `## ` heading), or undefined when there is none or it is empty. */
export function changelogSection(changelog, version) {
  const lines = changelog.split('\n');
  const heading = new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\](?:\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('## '));
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
  return body || undefined;
}

export function readChangelog() {
  return readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const version = (process.argv[2] ?? '').replace(/^v/, '');
  if (!VERSION.test(version)) {
    console.error('usage: node scripts/changelog.mjs X.Y.Z');
    process.exit(2);
  }
  const section = changelogSection(readChangelog(), version);
  if (!section) {
    console.error(`CHANGELOG.md has no section "## [${version}]" with notes in it`);
    process.exit(1);
  }
  console.log(section);
}
