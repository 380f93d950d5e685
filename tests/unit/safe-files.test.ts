import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBounded, writeFresh } from '../../src/containment/safe-files.js';
import { readUsageFile } from '../../src/agents/usage-file.js';

const dir = (): string => mkdtempSync(path.join(os.tmpdir(), 'p2p-safe-'));

describe('files the agent can replace', () => {
  it('reads only a regular file, never blocking on a FIFO or a device, and never past the limit', () => {
    const d = dir();
    writeFileSync(path.join(d, 'ok'), 'hello');
    expect(readBounded(path.join(d, 'ok'), 100)).toEqual({ text: 'hello' });
    expect(readBounded(path.join(d, 'none'), 100)).toEqual({});
    symlinkSync('/dev/zero', path.join(d, 'zero'));
    expect(readBounded(path.join(d, 'zero'), 100).error).toMatch(/symbolic link/);
    execFileSync('mkfifo', [path.join(d, 'fifo')]);
    expect(readBounded(path.join(d, 'fifo'), 100).error).toMatch(/not a regular file/);
    writeFileSync(path.join(d, 'big'), 'x'.repeat(101));
    expect(readBounded(path.join(d, 'big'), 100).error).toMatch(/at most 100/);
    // The usage file an agent made a FIFO is an error in the log, not a node that hangs.
    expect(readUsageFile(path.join(d, 'fifo')).error).toMatch(/P2P_USAGE_FILE: .* not a regular file/);
  });

  it('writes a new file of its own over a FIFO or a link the agent left at the name', () => {
    const d = dir();
    execFileSync('mkfifo', [path.join(d, 'prompt.md')]);
    writeFresh(path.join(d, 'prompt.md'), 'the prompt');
    expect(readFileSync(path.join(d, 'prompt.md'), 'utf8')).toBe('the prompt');
    writeFileSync(path.join(d, 'target'), 'mine');
    symlinkSync(path.join(d, 'target'), path.join(d, 'linked.md'));
    writeFresh(path.join(d, 'linked.md'), 'new');
    expect(readFileSync(path.join(d, 'target'), 'utf8')).toBe('mine');
    expect(readFileSync(path.join(d, 'linked.md'), 'utf8')).toBe('new');
  });
});
