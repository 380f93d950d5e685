// Reading a commit's CI through the real client against the emulator: what the check runs and statuses say,
// the end of a failing Actions job's log, and what the wait costs: every reading after the first is a free
// 304 while nothing changed, so the summary job waiting on CI spends no API budget.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient } from '../helpers/bot-client.js';
import { CommitCi, jobLogTail } from '../../src/github/checks.js';
import { ciVerdict } from '../../src/delivery/ci-verdict.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SHA = 'a'.repeat(40);

describe('a commit’s CI', () => {
  it('is read for free while it does not change, and again once a check ends', async () => {
    server = await startEmulator({});
    const client = botClient(server);
    server.emulator.recordPush({ branch: 'p2p/issue-1-integration', sha: SHA });
    const run = server.emulator.addCheckRun({
      ref: SHA,
      name: 'test',
      log: 'FAIL a.test.js\n  expected 2, got 1\n',
    });
    server.emulator.addStatus({ ref: SHA, context: 'deploy', state: 'pending' });
    const ci = new CommitCi(client, SHA);

    const first = await ci.read();
    expect(first.errors).toEqual([]);
    expect(ciVerdict(first.runs, first.statuses)).toMatchObject({
      state: 'pending',
      pending: ['test', 'deploy'],
    });
    const counted = client.stats.counted;
    for (let i = 0; i < 5; i++) expect((await ci.read()).changed).toBe(false);
    // Five more readings of both listings, all of them 304s: nothing counted against the budget.
    expect(client.stats.counted).toBe(counted);
    expect(client.stats.notModified).toBeGreaterThanOrEqual(10);

    server.emulator.updateCheckRun(run.id as number, {
      conclusion: 'failure',
      output: { title: 'Tests', summary: '1 failed' },
    });
    server.emulator.addStatus({ ref: SHA, context: 'deploy', state: 'success' });
    const after = await ci.read();
    expect(after.changed).toBe(true);
    const verdict = ciVerdict(after.runs, after.statuses);
    expect(verdict.state).toBe('failing');
    expect(verdict.failing).toEqual([
      expect.objectContaining({ name: 'test', summary: 'failure: Tests: 1 failed' }),
    ]);
    // The job behind the check, and the end of its log for the agent that fixes it.
    const jobId = verdict.failing[0]!.jobId!;
    expect(jobId).toBeGreaterThan(0);
    expect(await jobLogTail(client, jobId, 20)).toBe('  expected 2, got 1\n');
  });
});
