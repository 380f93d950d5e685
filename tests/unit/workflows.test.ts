// The workflow files parsed as the Actions runner reads them: triggers, job graph, matrix, permissions.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Job = {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
  outputs?: Record<string, string>;
  'timeout-minutes'?: number;
  steps: { id?: string; uses?: string; with?: Record<string, unknown>; run?: string }[];
};
const load = (file: string) =>
  parse(readFileSync(new URL(`../../.github/workflows/${file}`, import.meta.url), 'utf8')) as {
    on: Record<string, { types?: string[]; inputs?: Record<string, unknown> }>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; 'cancel-in-progress': boolean };
    jobs: Record<string, Job>;
  };

describe('p2p-autonomous-dev.yml', () => {
  const wf = load('p2p-autonomous-dev.yml');

  it('starts on a label, a comment and a dispatch with an issue number', () => {
    expect(wf.on.issues?.types).toEqual(['labeled']);
    expect(wf.on.issue_comment?.types).toEqual(['created']);
    expect(Object.keys(wf.on.workflow_dispatch?.inputs ?? {})).toEqual(['issue-number', 'instances']);
  });

  it('runs check-trigger, then the node matrix from its output, with fail-fast off', () => {
    const trigger = wf.jobs['check-trigger']!;
    expect(trigger.steps.find((s) => s.id === 'trigger')?.with?.mode).toBe('trigger');
    expect(Object.keys(trigger.outputs ?? {})).toEqual(['should-run', 'issue-number', 'instances']);
    const nodes = wf.jobs['p2p-execute']!;
    expect(nodes.needs).toBe('check-trigger');
    expect(nodes.if).toContain("needs.check-trigger.outputs.should-run == 'true'");
    expect(nodes.strategy?.['fail-fast']).toBe(false);
    expect(nodes.strategy?.matrix?.instance).toBe('${{ fromJSON(needs.check-trigger.outputs.instances) }}');
    // The agent's checkout keeps no token (the node authenticates its own pushes).
    expect(nodes.steps.find((s) => s.uses?.startsWith('actions/checkout'))?.with).toMatchObject({
      'persist-credentials': false,
    });
    const step = nodes.steps.find((s) => s.with?.mode === 'node')!;
    expect(step.with).toMatchObject({
      instance: '${{ matrix.instance }}',
      'issue-number': '${{ needs.check-trigger.outputs.issue-number }}',
    });
  });

  it('summarises the run afterwards, whatever became of the nodes', () => {
    const aggregate = wf.jobs['aggregate-results']!;
    expect(aggregate.needs).toEqual(['check-trigger', 'p2p-execute']);
    expect(aggregate.if).toMatch(/^always\(\) && needs\.check-trigger\.outputs\.should-run == 'true'$/);
    expect(aggregate.steps.find((s) => s.with?.mode === 'aggregate')?.with?.['issue-number']).toBe(
      '${{ needs.check-trigger.outputs.issue-number }}',
    );
    expect(aggregate.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('asks for the least permissions, has timeouts, and one run per issue', () => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs['check-trigger']!.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(wf.jobs['p2p-execute']!.permissions).toEqual({
      contents: 'write',
      issues: 'write',
      'pull-requests': 'write',
      // Liveness from the Actions API: the run's jobs, read only.
      actions: 'read',
    });
    for (const job of Object.values(wf.jobs)) expect(job['timeout-minutes']).toBeGreaterThan(0);
    expect(wf.concurrency?.group).toMatch(
      /^p2p-dev-\$\{\{ github\.event\.issue\.number \|\| inputs\.issue-number \}\}/,
    );
    expect(wf.concurrency?.['cancel-in-progress']).toBe(false);
  });
});

describe('the project’s CI', () => {
  it('runs .ci/run on pushes and pull requests, and checks dist/', () => {
    const ci = load('ci.yml');
    expect(Object.keys(ci.on)).toEqual(['push', 'pull_request']);
    expect(ci.jobs.test!.steps.some((s) => s.run === 'bash .ci/run')).toBe(true);
    expect(load('check-dist.yml').jobs['check-dist']!.steps.some((s) => s.run === 'npm run check-dist')).toBe(
      true,
    );
  });
});
