// How much a task changed, from `git diff --numstat`: files, lines added and removed, and how many of the files
// are tests (by the names test frameworks use). Pure: the git call is in task-branch.ts.
import type { Diff } from '../protocol/messages.js';

/** Paths test frameworks look in or name their files by: tests/, __tests__/, spec/, *.test.*, *_test.go, test_*.py. */
const TEST_PATH =
  /(^|\/)(tests?|__tests__|specs?|e2e)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.(go|py|rb|exs?)$|(^|\/)test_[^/]+\.py$|Tests?\.(java|kt|cs|swift)$/;

export function isTestFile(file: string): boolean {
  return TEST_PATH.test(file);
}

/** The totals of `git diff --numstat -z`-less output: one `added<TAB>removed<TAB>path` line per file. */
export function diffStat(numstat: string): Diff {
  const diff: Diff = { files: 0, added: 0, removed: 0, tests: 0 };
  for (const line of numstat.split('\n')) {
    const [added, removed, ...rest] = line.split('\t');
    const file = rest.join('\t');
    if (!file) continue;
    diff.files += 1;
    // A binary file is counted as a file, with no lines ("-").
    diff.added += Number(added) || 0;
    diff.removed += Number(removed) || 0;
    if (isTestFile(file.replace(/^.*=> /, '').replace(/[{}]/g, ''))) diff.tests += 1;
  }
  return diff;
}
