// The reusable workflow .github/workflows/p2p-dev.yml and the caller the README's quick start shows: what the
// caller passes exists, every input and secret reaches the action under the action's own name and default, the
// caller grants what the called jobs ask, and the job-level filter and the concurrency group (evaluated with
// GitHub's own expression parser) accept and refuse events as the trigger mode does.
import { existsSync, readFileSync } from 'node:fs';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AGENT_PRESETS } from '../../src/agents/presets.js';
import { decideStart } from '../../src/trigger/decide-start.js';

type Step = {
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  run?: string;
};
type Job = {
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  'timeout-minutes'?: number | string;
  permissions?: Record<string, string>;
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, string> | 'inherit';
  concurrency?: unknown;
  steps?: Step[];
};
type Input = {
  type: 'string' | 'number' | 'boolean';
  default?: string | number | boolean;
  description?: string;
};
type Workflow = {
  on: Record<string, { types?: string[]; inputs?: Record<string, Input>; secrets?: Record<string, unknown> }>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
};

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const REUSABLE_PATH = '.github/workflows/p2p-dev.yml';
const EXAMPLE_PATH = 'docs/examples/p2p-dev-caller.yml';
const reusableText = read(REUSABLE_PATH);
const reusable = parse(reusableText) as Workflow;
const call = reusable.on.workflow_call!;
const inputs = call.inputs!;
const action = parse(read('action.yml')) as { inputs: Record<string, { default?: string }> };
const readme = read('README.md');
// The quick start's caller: the README's first yaml block.
const readmeCaller = /^```yaml\n([\s\S]*?)^```$/m.exec(readme)![1]!;
const exampleText = read(EXAMPLE_PATH);
const example = parse(exampleText) as Workflow;

/** The job's p2p-dev step: the action at the major tag. */
const actionStep = (job: string) => {
  const steps = reusable.jobs[job]!.steps!.filter((s) => s.uses?.startsWith('p2p-dev/p2p-dev'));
  expect(steps, job).toHaveLength(1);
  return steps[0]!;
};
const JOBS = ['check-trigger', 'p2p-execute', 'aggregate-results'];

/**
 * Where each input goes: the jobs whose action step gets it under the action input of the same name; `job` for
 * the two that set the job itself. An input added to the workflow must be added here.
 */
const ROUTES: Record<string, string[] | 'job'> = {
  instances: ['check-trigger'],
  'max-instances': ['check-trigger'],
  agent: ['p2p-execute', 'aggregate-results'],
  'agent-version': ['p2p-execute', 'aggregate-results'],
  'agent-args': ['p2p-execute', 'aggregate-results'],
  'agent-command': ['p2p-execute', 'aggregate-results'],
  'max-turns': ['p2p-execute', 'aggregate-results'],
  'max-task-cost-usd': ['p2p-execute', 'aggregate-results'],
  'max-cost-usd': ['p2p-execute', 'aggregate-results'],
  'verify-command': ['p2p-execute', 'aggregate-results'],
  planner: ['p2p-execute'],
  'task-timeout-min': ['p2p-execute', 'aggregate-results'],
  'timeout-minutes': 'job',
  'runs-on': 'job',
  'trigger-label': ['check-trigger', 'aggregate-results'],
  'trigger-command': ['check-trigger', 'p2p-execute'],
  'create-pr': ['p2p-execute', 'aggregate-results'],
  'draft-pr': ['p2p-execute', 'aggregate-results'],
  'base-branch': ['p2p-execute', 'aggregate-results'],
  'allow-untrusted-authors': ['check-trigger', 'p2p-execute'],
  'fail-on-task-failure': ['aggregate-results'],
  review: ['p2p-execute'],
  'review-timeout-min': ['p2p-execute'],
  'ci-timeout-min': ['aggregate-results'],
  'ci-fix-attempts': ['aggregate-results'],
  // Not an action input: the App token step's, in every job (below).
  'app-client-id': 'job',
};
// Inputs of the action that is being added beside this workflow (the action installs the agent's CLI): until
// action.yml has them, only their wiring is checked; once it does, their default too.
const PENDING_ACTION_INPUTS = ['agent-version'];

describe('the quick start’s caller', () => {
  it('is the file docs/examples/p2p-dev-caller.yml, word for word', () => {
    expect(readmeCaller).toBe(exampleText);
    expect(readme).toContain(`(${EXAMPLE_PATH})`);
  });

  const [name, job] = Object.entries(example.jobs)[0]!;
  it('is one job that calls the reusable workflow of this repository at the major tag', () => {
    expect(Object.keys(example.jobs)).toEqual([name]);
    expect(job.uses).toBe(`p2p-dev/p2p-dev/${REUSABLE_PATH}@v0`);
    const path = job.uses!.replace(/^p2p-dev\/p2p-dev\//, '').replace(/@v0$/, '');
    expect(existsSync(new URL(`../../${path}`, import.meta.url))).toBe(true);
    expect(Object.keys(reusable.on)).toEqual(['workflow_call']);
  });

  it('passes only inputs and secrets the reusable workflow declares', () => {
    expect(Object.keys(job.with ?? {}).length).toBeGreaterThan(0);
    for (const key of Object.keys(job.with ?? {})) expect(Object.keys(inputs), key).toContain(key);
    expect(job.secrets).not.toBe('inherit');
    for (const key of Object.keys(job.secrets as Record<string, string>))
      expect(Object.keys(call.secrets ?? {}), key).toContain(key);
    // A value of the type each input declares.
    for (const [key, value] of Object.entries(job.with ?? {}))
      expect(typeof value, key).toBe(inputs[key]!.type === 'number' ? 'number' : inputs[key]!.type);
  });

  it('runs on the events the trigger mode reads, the dispatch with issue-number and instances', () => {
    expect(example.on.issues?.types).toEqual(['labeled']);
    expect(example.on.issue_comment?.types).toEqual(['created']);
    expect(Object.keys(example.on.workflow_dispatch?.inputs ?? {})).toEqual(['issue-number', 'instances']);
  });

  it('sets no concurrency group (one of the same name as the called workflow’s deadlocks)', () => {
    expect(example.concurrency).toBeUndefined();
    expect(job.concurrency).toBeUndefined();
  });

  it('grants each permission the called jobs ask for (a called workflow cannot raise them)', () => {
    const level = { none: 0, read: 1, write: 2 } as Record<string, number>;
    const asked = new Map<string, string>();
    for (const j of Object.values(reusable.jobs))
      for (const [scope, access] of Object.entries(j.permissions ?? {}))
        if ((level[access] ?? 0) > (level[asked.get(scope) ?? 'none'] ?? 0)) asked.set(scope, access);
    expect(Object.fromEntries(asked)).toEqual({
      contents: 'write',
      issues: 'write',
      'pull-requests': 'write',
      actions: 'read',
    });
    expect(job.permissions).toEqual(Object.fromEntries(asked));
  });
});

describe('the reusable workflow’s inputs', () => {
  it('are the ones routed below, each with a type, a default and a description', () => {
    expect(Object.keys(inputs)).toEqual(Object.keys(ROUTES));
    for (const [name, input] of Object.entries(inputs)) {
      expect(['string', 'number', 'boolean'], name).toContain(input.type);
      expect(input.default, name).toBeDefined();
      expect(typeof input.default, name).toBe(input.type);
      expect(input.description, name).toBeTruthy();
    }
  });

  it.each(Object.entries(ROUTES).filter(([, r]) => r !== 'job'))(
    '%s: has the action input’s name and default, and reaches it in %j only',
    (name, jobs) => {
      if (name in action.inputs) {
        expect(String(inputs[name]!.default), name).toBe(String(action.inputs[name]!.default ?? ''));
      } else {
        expect(PENDING_ACTION_INPUTS, `${name} is no input of action.yml`).toContain(name);
        expect(inputs[name]!.default).toBe('');
      }
      for (const job of JOBS) {
        const given = actionStep(job).with?.[name];
        if ((jobs as string[]).includes(job)) expect(given, `${job}: ${name}`).toBe(`\${{ inputs.${name} }}`);
        else expect(JSON.stringify(reusable.jobs[job]), `${job}: ${name}`).not.toContain(`inputs.${name} `);
      }
    },
  );

  it('timeout-minutes is the node job’s, runs-on every job’s', () => {
    expect(reusable.jobs['p2p-execute']!['timeout-minutes']).toBe('${{ inputs.timeout-minutes }}');
    for (const job of JOBS) expect(reusable.jobs[job]!['runs-on'], job).toBe('${{ inputs.runs-on }}');
  });

  it('are what the README’s table of them says', () => {
    const table = /<!-- reusable-inputs:start -->([\s\S]*?)<!-- reusable-inputs:end -->/.exec(readme)![1]!;
    const rows = [...table.matchAll(/^\| `([\w-]+)`\s*\|\s*(?:`([^`]*)`)?\s*\|/gm)].map((m) => [
      m[1],
      m[2] ?? '',
    ]);
    expect(rows).toEqual(Object.entries(inputs).map(([name, input]) => [name, String(input.default)]));
  });
});

describe('the reusable workflow’s secrets', () => {
  const secrets = call.secrets ?? {};
  const keys = Object.keys(secrets).filter((name) => name !== 'github-token' && name !== 'app-private-key');

  it('are optional: the agent’s key (each preset’s), and a token to use instead of GITHUB_TOKEN', () => {
    const presetSecrets = Object.values(AGENT_PRESETS).flatMap((p) =>
      p.secrets.flatMap((s) => s.split(' or ')),
    );
    expect(keys.sort()).toEqual([...new Set(presetSecrets)].sort());
    expect(Object.keys(secrets)).toContain('github-token');
    for (const spec of Object.values(secrets)) expect((spec as { required?: boolean }).required).toBe(false);
  });

  it('the API keys reach the node step’s environment under their own names', () => {
    const env = actionStep('p2p-execute').env ?? {};
    expect(Object.keys(env).sort()).toEqual(keys.sort());
    for (const key of keys) expect(env[key], key).toBe(`\${{ secrets.${key} }}`);
  });

  it('the token reaches github-token in every job: the App’s when named, else the secret, else the job’s own', () => {
    for (const job of JOBS)
      expect(actionStep(job).with?.['github-token'], job).toBe(
        '${{ steps.app-token.outputs.token || secrets.github-token || github.token }}',
      );
    expect(action.inputs['github-token']?.default).toBe('${{ github.token }}');
  });

  it('every job makes the App’s token first when app-client-id is given, with the action pinned by SHA', () => {
    expect(Object.keys(secrets)).toContain('app-private-key');
    for (const job of JOBS) {
      const step = reusable.jobs[job]!.steps![0]!;
      expect(step.id, job).toBe('app-token');
      expect(step.if, job).toBe("inputs.app-client-id != ''");
      expect(step.uses, job).toMatch(/^actions\/create-github-app-token@[0-9a-f]{40}$/);
      expect(step.with, job).toEqual({
        'client-id': '${{ inputs.app-client-id }}',
        'private-key': '${{ secrets.app-private-key }}',
      });
      // An installation token cannot ask who it is: the action is told, so that it trusts its own comments.
      expect(actionStep(job).with?.['app-slug'], job).toBe('${{ steps.app-token.outputs.app-slug }}');
      expect(action.inputs['app-slug']?.default).toBe('');
    }
  });
});

describe('the reusable workflow’s jobs', () => {
  it('refer to the action at the major tag, never ./ (the caller’s checkout)', () => {
    for (const job of JOBS) expect(actionStep(job).uses).toBe('p2p-dev/p2p-dev@v0');
    expect(reusableText).not.toMatch(/uses:\s*\.\//);
  });

  it('check-trigger, then the node matrix from its output, then the summary whatever became of the nodes', () => {
    expect(actionStep('check-trigger').with?.mode).toBe('trigger');
    expect(actionStep('check-trigger').id).toBe('trigger');
    const nodes = reusable.jobs['p2p-execute']!;
    expect(nodes.needs).toBe('check-trigger');
    expect(nodes.if).toBe("needs.check-trigger.outputs.should-run == 'true'");
    expect(actionStep('p2p-execute').with).toMatchObject({
      mode: 'node',
      instance: '${{ matrix.instance }}',
      instances: '${{ strategy.job-total }}',
      'issue-number': '${{ needs.check-trigger.outputs.issue-number }}',
    });
    const summary = reusable.jobs['aggregate-results']!;
    expect(summary.needs).toEqual(['check-trigger', 'p2p-execute']);
    expect(summary.if).toBe("always() && needs.check-trigger.outputs.should-run == 'true'");
    expect(actionStep('aggregate-results').with?.mode).toBe('aggregate');
  });

  it('ask for the least permissions, leave no token in the agent’s checkout and install no CLI', () => {
    expect(reusable.permissions).toEqual({ contents: 'read' });
    expect(reusable.jobs['check-trigger']!.permissions).toEqual({ contents: 'read', issues: 'write' });
    // The summary's job pushes the issue's branch and opens its pull request (create-pr: issue).
    expect(reusable.jobs['aggregate-results']!.permissions).toEqual({
      contents: 'write',
      issues: 'write',
      'pull-requests': 'write',
    });
    expect(
      reusable.jobs['aggregate-results']!.steps!.find((s) => s.uses?.startsWith('actions/checkout@'))?.with,
    ).toEqual({ 'persist-credentials': false });
    expect(reusable.jobs['p2p-execute']!.permissions).toEqual({
      contents: 'write',
      issues: 'write',
      'pull-requests': 'write',
      actions: 'read',
    });
    const steps = reusable.jobs['p2p-execute']!.steps!;
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toEqual({
      'persist-credentials': false,
    });
    expect(steps.filter((s) => s.run)).toEqual([]);
    expect(reusable.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('say in a comment that a release moves v0 for the workflow and the action together', () => {
    expect(reusableText).toContain('npm run release');
    expect(reusableText).toMatch(/moves the tag v0/);
    expect(read('.github/workflows/release.yml')).toContain('Move the major tag to the release');
  });

  it('have the filter and the group of the whole workflow, with the inputs for its label and command', () => {
    const whole = parse(read('.github/workflows/p2p-autonomous-dev.yml')) as Workflow;
    const literal = (text: string) =>
      text.replaceAll('inputs.trigger-label', "'p2p-dev'").replaceAll('inputs.trigger-command', "'/p2p-dev'");
    expect(whole.jobs['check-trigger']!.if).toBe(literal(reusable.jobs['check-trigger']!.if!));
    expect(whole.concurrency?.group).toBe(literal(reusable.concurrency!.group));
    // No label or command written in the reusable one's own expressions.
    expect(reusable.jobs['check-trigger']!.if).not.toMatch(/'\/?p2p-dev'/);
    expect(reusable.concurrency!.group).not.toMatch(/'\/?p2p-dev'/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The filter and the concurrency group against the trigger mode.

/** A GitHub Actions expression, parsed and evaluated by GitHub's own library, against the given contexts. */
function evaluate(expression: string, context: Record<string, unknown>): data.ExpressionData {
  const { tokens } = new Lexer(expression).lex();
  const ast = new Parser(tokens, Object.keys(context), []).parse();
  return new Evaluator(ast, JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary).evaluate();
}
/** A string with ${{ }} parts, as the runner interpolates it. */
const interpolate = (template: string, context: Record<string, unknown>) =>
  template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => evaluate(e, context).coerceString());

interface Setting {
  label: string;
  command: string;
}
interface Case {
  name: string;
  event: string;
  payload: Record<string, unknown>;
  /**
   * The trigger mode refuses it for a reason the expressions cannot see (they cannot trim, match a pattern or
   * compare with case): it may pass the filter and wait in the run's group. Checked to do so, so that the list
   * stays true.
   */
  blind?: string;
  /** Refused by the filter on purpose, though the trigger mode would start: the protocol's own comments. */
  refusedOnPurpose?: string;
}
const alice = { login: 'alice', id: 5, type: 'User' };
const bot = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
const labeled = (name: string, sender = alice, action = 'labeled') => ({
  action,
  issue: { number: 7 },
  label: { name },
  sender,
});
const commented = (body: string, user: Record<string, unknown> = alice, issue = {}, action = 'created') => ({
  action,
  issue: { number: 7, ...issue },
  comment: { id: 99, body, user, html_url: 'https://github.com/o/r/issues/7#issuecomment-99' },
  sender: user,
});

function cases({ label: L, command: C }: Setting): Case[] {
  const comment = (
    name: string,
    body: string,
    extra: Partial<Case> = {},
    user?: Record<string, unknown>,
  ) => ({
    name,
    event: 'issue_comment',
    payload: commented(body, user),
    ...extra,
  });
  return [
    {
      name: 'a dispatch',
      event: 'workflow_dispatch',
      payload: { inputs: { 'issue-number': '7' }, sender: alice },
    },
    {
      name: 'a dispatch for two nodes',
      event: 'workflow_dispatch',
      payload: { inputs: { 'issue-number': '7', instances: '2' }, sender: alice },
    },
    {
      name: 'a dispatch without an issue',
      event: 'workflow_dispatch',
      payload: { inputs: {}, sender: alice },
      blind: 'the caller’s dispatch requires issue-number',
    },
    { name: 'the trigger label', event: 'issues', payload: labeled(L) },
    { name: 'another label', event: 'issues', payload: labeled('bug') },
    { name: 'the trigger label added by a bot', event: 'issues', payload: labeled(L, bot) },
    { name: 'an issue opened with the label', event: 'issues', payload: labeled(L, alice, 'opened') },
    {
      name: 'the trigger label in capitals',
      event: 'issues',
      payload: labeled(L.toUpperCase()),
      blind: 'expressions compare without case',
    },
    comment('the command', C),
    comment('the command with instances', `${C} instances=3\nplease`),
    comment('the command asking for too many', `${C} instances=300`),
    comment('the command after spaces', `  ${C}  instances=3 \nmore text`),
    comment('the command after a blank line', `\n${C}`),
    comment('the command, then a stop on the next line', `${C}\r\n${C} stop`),
    comment('an ordinary comment', 'Looks good to me'),
    comment('the command further down a comment', `thanks!\n${C}`),
    comment('the command inside a sentence', `please ${C}`),
    comment('a stop further down a comment', `hi\n${C} stop`),
    comment('the command glued to a word', `${C}ious`, { blind: 'expressions match no word boundary' }),
    comment('the command glued to -stop', `${C}-stop`, { blind: 'expressions match no word boundary' }),
    comment('the command in capitals', C.toUpperCase(), { blind: 'expressions compare without case' }),
    comment('the command by a bot', C, {}, bot),
    comment('the command by a [bot] login', C, {}, { login: 'ci[bot]', id: 8, type: 'User' }),
    comment('the command by a bot of another name', C, {}, { login: 'renovate', id: 9, type: 'Bot' }),
    {
      name: 'the command on a pull request',
      event: 'issue_comment',
      payload: commented(C, alice, { pull_request: { url: 'x' } }),
      blind: 'a stop on a pull request is relayed, so the filter lets pull requests through',
    },
    { name: 'an edited command', event: 'issue_comment', payload: commented(C, alice, {}, 'edited') },
    comment('a protocol comment', 'Node 3 claims task-1.\n\n<!-- p2p-dev {"type":"claim"} -->\n', {}, bot),
    comment('a protocol comment made with a PAT', `${C}\n\n<!-- p2p-dev {"type":"claim"} -->\n`, {
      refusedOnPurpose: 'the protocol’s own comments never start a run',
    }),
    comment('a comment starting with a space that mentions the command', ` hello, ${C} is great`, {
      blind: 'expressions cannot trim: a comment after whitespace that holds the command passes',
    }),
    comment('a stop', `${C} stop`),
    comment('a stop in capitals', `${C} STOP`),
    comment('a stop with its reason', `${C} Stop\nthe plan is wrong`),
    comment('a stop with its reason on Windows', `${C} stop\r\nthe plan is wrong`),
    comment('a stop, please', `${C} stop, please\nwhy`),
    comment('a stop.', `${C} stop.`),
    comment('a stop!', `${C} stop!`),
    comment('a stop followed by spaces', `${C} stop  `),
    comment('a stop after spaces', `  ${C}   STOP  `, { blind: 'expressions cannot trim' }),
    comment('a stop after a tab', `${C}\tstop`, { blind: 'a stop after other than one space' }),
    comment('a stop by a bot', `${C} stop`, {}, bot),
    comment('stopwatch, a start', `${C} stopwatch`),
    comment('stopped, a start', `${C} stopped`),
    comment('stop-it, a start', `${C} stop-it`),
    comment('nonstop, a start', `${C} nonstop`),
    comment('an approval', `${C} approve task-1`),
    comment('an approval of every task awaiting one', `${C} approve`),
    comment('an approval in capitals', `${C} Approve task-2, looks good`),
    comment('changes asked', `${C} changes task-1 use the logger\nand add a test`),
    comment('a rejection', `${C} reject task-3 wrong file`),
    comment('changes asked the long way', `${C} request-changes task-1 rename it`),
    { name: 'a push', event: 'push', payload: { sender: alice } },
  ];
}

/** The defaults of the workflow's inputs, as the `inputs` context holds them (typed). */
const defaults = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.default]));

interface Expressions {
  filter: string;
  group: string;
}
/** What is wrong with the filter and the group for these cases: an empty list when nothing is. */
function violations(expressions: Expressions, setting: Setting, given: Record<string, unknown>): string[] {
  const out: string[] = [];
  const runGroup = 'p2p-dev-7';
  for (const c of cases(setting)) {
    const context = {
      github: { event_name: c.event, event: c.payload, run_id: '99' },
      inputs: { ...defaults, ...given },
    };
    const runs = truthy(evaluate(expressions.filter, context));
    const group = interpolate(expressions.group, context);
    // A group of its own: the run's id in it (for a push, with no issue, `p2p-dev--skip-99`).
    const own = group.endsWith('-skip-99');
    const verdict = decideStart(c.event, c.payload, {
      label: setting.label,
      command: setting.command,
      instances: 1,
      maxInstances: 10,
      issueNumber: undefined,
    });
    // A stop or a verdict on a task's work: relayed to the run in progress, never waiting behind it.
    const stop = !verdict.start && (verdict.stop ?? verdict.review) !== undefined;
    const say = (what: string) =>
      out.push(`${c.name} (${JSON.stringify(c.payload.comment ?? c.event)}): ${what}`);
    if (c.refusedOnPurpose) {
      if (runs || !own || !verdict.start) say('is no longer refused on purpose');
      continue;
    }
    if (verdict.start) {
      if (!runs) say('the trigger mode starts a run, the filter refuses it');
      if (group !== runGroup) say(`starts a run outside the run’s group (${group})`);
      continue;
    }
    if (stop) {
      if (!runs) say('the trigger mode relays this stop, the filter refuses it');
      if (c.blind) {
        if (own) say(`is blind (${c.blind}) no more: drop the mark`);
      } else if (!own) say(`a stop in the run’s group (${group}): it would wait behind the run`);
      continue;
    }
    // Refused by the trigger mode.
    if (c.blind) {
      if (own) say(`is blind (${c.blind}) no more: drop the mark`);
    } else {
      if (runs) say('the trigger mode refuses it, the filter lets it through');
      if (!own) say(`the trigger mode refuses it, yet it joins the run’s group (${group})`);
    }
  }
  return out;
}

describe('the filter and the concurrency group, event by event, against the trigger mode', () => {
  const expressions: Expressions = {
    filter: reusable.jobs['check-trigger']!.if!,
    group: reusable.concurrency!.group,
  };
  const settings: [string, Setting, Record<string, unknown>][] = [
    ['the default label and command', { label: 'p2p-dev', command: '/p2p-dev' }, {}],
    [
      'another label and command',
      { label: 'ai-dev', command: '/ai' },
      { 'trigger-label': 'ai-dev', 'trigger-command': '/ai' },
    ],
  ];

  it.each(settings)('with %s: every event as the trigger mode takes it', (_, setting, given) => {
    expect(cases(setting).length).toBeGreaterThan(40);
    expect(violations(expressions, setting, given)).toEqual([]);
  });

  it('with another label and command: the default ones start nothing, and wait for nothing', () => {
    const context = (event: string, payload: Record<string, unknown>) => ({
      github: { event_name: event, event: payload, run_id: '99' },
      inputs: { ...defaults, 'trigger-label': 'ai-dev', 'trigger-command': '/ai' },
    });
    for (const [event, payload] of [
      ['issues', labeled('p2p-dev')],
      ['issue_comment', commented('/p2p-dev')],
      ['issue_comment', commented('/p2p-dev stop')],
    ] as const) {
      expect(truthy(evaluate(expressions.filter, context(event, payload)))).toBe(false);
      expect(interpolate(expressions.group, context(event, payload))).toBe('p2p-dev-7-skip-99');
    }
  });

  it('a dispatch’s issue comes from its inputs in the caller’s event', () => {
    const context = {
      github: { event_name: 'workflow_dispatch', event: { inputs: { 'issue-number': '12' } }, run_id: '99' },
      inputs: defaults,
    };
    expect(interpolate(expressions.group, context)).toBe('p2p-dev-12');
  });

  // The checks can fail: each of these mistakes is caught.
  const mutants: [string, (e: Expressions) => Expressions, string][] = [
    [
      'the earlier group, where any `stop…` word made a group of its own',
      (e) => ({
        ...e,
        group: e.group.replace(
          /\(github\.event\.comment\.body == format\('\{0\} stop', inputs\.trigger-command\) \|\|[\s\S]*?request-changes', inputs\.trigger-command\)\)\)\)\)/,
          "startsWith(github.event.comment.body, format('{0} stop', inputs.trigger-command))))",
        ),
      }),
      'stopped, a start',
    ],
    [
      'a filter that does not look past leading whitespace',
      (e) => ({
        ...e,
        filter: e.filter.replace(
          /\|\|\n?\s*\(\(startsWith\(github\.event\.comment\.body, ' '\)[\s\S]*\)\)\)\)$/,
          '))',
        ),
      }),
      'the command after spaces',
    ],
    [
      'the label written in',
      (e) => ({ ...e, filter: e.filter.replace('inputs.trigger-label', "'p2p-dev'") }),
      'the trigger label',
    ],
    [
      'a group without the stop',
      (e) => ({ ...e, group: e.group.replace("format('{0} stop', inputs.trigger-command)", "'-'") }),
      'a stop',
    ],
    [
      'a filter that lets bots through',
      (e) => ({ ...e, filter: e.filter.replace("github.event.comment.user.type != 'Bot' &&", '') }),
      'the command by a bot of another name',
    ],
    [
      'a group without the verdicts',
      (e) => ({ ...e, group: e.group.replace("format('{0} approve', inputs.trigger-command)", "'-'") }),
      'an approval',
    ],
  ];
  it.each(mutants)('catches %s', (_, mutate, caseName) => {
    const mutant = mutate(expressions);
    expect(mutant).not.toEqual(expressions);
    const found = [
      ...violations(mutant, settings[0]![1], settings[0]![2]),
      ...violations(mutant, settings[1]![1], settings[1]![2]),
    ];
    expect(
      found.some((v) => v.startsWith(`${caseName} (`)),
      found.join('\n'),
    ).toBe(true);
  });
});
