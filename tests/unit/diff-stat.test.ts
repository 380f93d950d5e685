// How much a task changed, as the summary, the pull request and the dashboard say it: from git's numstat.
import { describe, expect, it } from 'vitest';
import { diffStat, isTestFile } from '../../src/delivery/diff-stat.js';
import { formatDiff } from '../../src/protocol/diff-text.js';

describe('what a task changed', () => {
  it('adds up files and lines, a binary file as a file with no lines', () => {
    const numstat = ['10\t2\tsrc/widget.ts', '30\t0\ttests/widget.test.ts', '-\t-\tlogo.png', ''].join('\n');
    expect(diffStat(numstat)).toEqual({ files: 3, added: 40, removed: 2, tests: 1 });
    expect(diffStat('')).toEqual({ files: 0, added: 0, removed: 0, tests: 0 });
  });

  it('knows tests by the names frameworks use, and not other files', () => {
    for (const f of [
      'tests/a.ts',
      'test/b.js',
      'src/__tests__/c.tsx',
      'src/c.spec.ts',
      'lib/d.test.mjs',
      'pkg/e_test.go',
      'app/test_f.py',
      'src/GTests.java',
      'e2e/login.ts',
    ])
      expect(isTestFile(f), f).toBe(true);
    for (const f of ['src/testing.ts', 'contest/x.ts', 'README.md', 'src/latest.ts'])
      expect(isTestFile(f), f).toBe(false);
  });

  it('reads as a person would say it', () => {
    expect(formatDiff({ files: 1, added: 1, removed: 0, tests: 0 })).toBe('1 file +1 −0');
    expect(formatDiff({ files: 3, added: 40, removed: 2, tests: 1 })).toBe('3 files +40 −2, 1 of them tests');
    expect(formatDiff({ files: 2, added: 5, removed: 5, tests: 2 })).toBe('2 files +5 −5, all tests');
  });
});
