// The harness that runs nodes as processes. startNode makes each node process a job of the run, as the Actions
// runner does: registered with the emulator's jobs API under its RUNNER_NAME, and ended with the process
// (failure, cancelled or success); the processes here are dist/index.js given an input it refuses, so each
// exits within a second. And a scenario's emulator has GitHub's limits scaled to FAST_TIMINGS.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { FAST_TIMING_LIMITS, jobName, startNode, type NodeRunOptions } from '../../scripts/local-nodes.js';
import { scenarioEmulator } from '../helpers/scenario.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(): Promise<{ server: RunningEmulator; options: NodeRunOptions }> {
  server = await startEmulator();
  const issue = server.emulator.createIssue({ title: 'jobs' });
  return {
    server,
    options: {
      apiUrl: server.url,
      token: 'ghs_bot_token',
      repository: 'octo-org/demo',
      issue,
      // Refused by the action ("from 1 to 256"): the process exits 1 at once.
      instances: 0,
      runId: '777',
      runAttempt: '2',
    },
  };
}

describe('startNode’s job', () => {
  it('registers the process as a job in progress under its RUNNER_NAME, and ends it failed when it fails', async () => {
    const { server, options } = await setup();
    const node = startNode(3, options);
    expect(node.runnerName).toMatch(/^p2p-runner-3-[0-9a-f]{8}$/);
    const id = await node.job;
    expect(id).toEqual(expect.any(Number));
    expect(server.emulator.jobs(777)).toMatchObject([
      { id, run_attempt: 2, name: 'p2p-execute (3)', runner_name: node.runnerName },
    ]);
    expect((await node.exited).code).toBe(1);
    await node.jobEnded;
    expect(server.emulator.jobs(777)).toMatchObject([
      { id, status: 'completed', conclusion: 'failure', completed_at: expect.any(String) },
    ]);
  });

  it('ends the job cancelled when the process is killed, named as the aggregate job in aggregate mode', async () => {
    const { server, options } = await setup();
    const node = startNode(1, {
      ...options,
      inputs: { mode: 'aggregate' },
      env: { RUNNER_NAME: 'my-runner' },
    });
    expect(node.runnerName).toBe('my-runner');
    const id = await node.job;
    node.child.kill('SIGKILL');
    expect((await node.exited).signal).toBe('SIGKILL');
    await node.jobEnded;
    expect(server.emulator.jobs(777)).toMatchObject([
      { id, name: jobName(1, 'aggregate'), runner_name: 'my-runner', conclusion: 'cancelled' },
    ]);
    expect(jobName(1, 'aggregate')).toBe('aggregate-results');
  });

  it('registers nothing with jobs: false, and never fails on an emulator that is gone', async () => {
    const { server: emulator, options } = await setup();
    const quiet = startNode(1, { ...options, jobs: false });
    expect(await quiet.job).toBeUndefined();
    await quiet.exited;
    await quiet.jobEnded;
    expect(emulator.emulator.jobs()).toEqual([]);

    const orphan = startNode(2, options);
    await orphan.job;
    await emulator.close();
    server = undefined;
    await orphan.exited;
    await expect(orphan.jobEnded).resolves.toBeUndefined();
    // Not an emulator at all (nothing listens there): no job, no error.
    const nowhere = startNode(3, { ...options, apiUrl: 'http://127.0.0.1:9' });
    expect(await nowhere.job).toBeUndefined();
    await nowhere.exited;
    await expect(nowhere.jobEnded).resolves.toBeUndefined();
  });
});

describe('a scenario’s emulator', () => {
  it('has GitHub’s limits times 300 under whatever config the test gives, which overrides them', async () => {
    const config = async (options?: Parameters<typeof scenarioEmulator>[0]) => {
      server = await startEmulator(scenarioEmulator(options));
      const { rateLimit, contentLimit, latencyMs, listingLagMs } = server.emulator.config;
      await server.close();
      server = undefined;
      return { rateLimit, contentLimit, latencyMs, listingLagMs };
    };
    expect(FAST_TIMING_LIMITS).toEqual({
      rateLimit: { limit: 300_000, userLimit: 1_500_000 },
      contentLimit: { perMinute: 24_000, perHour: 150_000 },
    });
    expect(await config()).toEqual({
      rateLimit: { limit: 300_000, userLimit: 1_500_000, windowMs: 3_600_000 },
      contentLimit: { perMinute: 24_000, perHour: 150_000, retryAfter: true },
      latencyMs: [5, 30],
      listingLagMs: 0,
    });
    expect(await config({ config: { listingLagMs: 500, rateLimit: { limit: 10 } } })).toEqual({
      rateLimit: { limit: 10, userLimit: 1_500_000, windowMs: 3_600_000 },
      contentLimit: { perMinute: 24_000, perHour: 150_000, retryAfter: true },
      latencyMs: 0,
      listingLagMs: 500,
    });
    expect(await config({ contentLimit: null, rateLimit: { windowMs: 1_000 } })).toMatchObject({
      rateLimit: { limit: 300_000, windowMs: 1_000 },
      contentLimit: undefined,
    });
    expect(await config({ contentLimit: { perMinute: 5 } })).toMatchObject({
      contentLimit: { perMinute: 5, perHour: 150_000 },
    });
  });
});
