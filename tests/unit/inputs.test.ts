// Inputs as the runner passes them (INPUT_* variables): defaults from action.yml, and a bad value failing with
// the input's name and what it accepts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readInputs, InputError, type Runtime } from '../../src/inputs.js';

const runtime: Runtime = {
  apiUrl: 'https://api.github.com',
  owner: 'octo-org',
  repo: 'demo',
  runId: '1',
  runAttempt: '1',
  workspace: '/tmp',
  tempDir: '',
  eventName: 'workflow_dispatch',
  payload: {},
};

const TOKEN = 'INPUT_GITHUB-TOKEN';
const TIMEOUT = 'INPUT_REQUEST-TIMEOUT-S';

beforeEach(() => {
  process.env[TOKEN] = 'ghs_inputs_test_token';
  delete process.env[TIMEOUT];
});
afterEach(() => {
  delete process.env[TOKEN];
  delete process.env[TIMEOUT];
});

describe('request-timeout-s', () => {
  it('is 30 s unless set, and is read in seconds', () => {
    expect(readInputs(runtime).requestTimeoutMs).toBe(30_000);
    process.env[TIMEOUT] = '120';
    expect(readInputs(runtime).requestTimeoutMs).toBe(120_000);
    process.env[TIMEOUT] = '1';
    expect(readInputs(runtime).requestTimeoutMs).toBe(1000);
  });

  it.each(['0', '601', '2.5', 'soon', '-5'])('refuses %j, naming the input and what it accepts', (value) => {
    process.env[TIMEOUT] = value;
    expect(() => readInputs(runtime)).toThrow(InputError);
    expect(() => readInputs(runtime)).toThrow(
      `Input "request-timeout-s" must be a whole number from 1 to 600 seconds; got "${value.trim()}".`,
    );
  });
});

describe('heartbeat-writes-per-hour', () => {
  const NAME = 'INPUT_HEARTBEAT-WRITES-PER-HOUR';
  afterEach(() => {
    delete process.env[NAME];
  });

  it('is 100 unless set (a fifth of the 500 writes an hour GitHub allows one identity)', () => {
    expect(readInputs(runtime).heartbeatWritesPerHour).toBe(100);
    process.env[NAME] = '400';
    expect(readInputs(runtime).heartbeatWritesPerHour).toBe(400);
  });

  it.each(['0', '100001', '2.5', 'many'])('refuses %j, naming the input and what it accepts', (value) => {
    process.env[NAME] = value;
    expect(() => readInputs(runtime)).toThrow(
      `Input "heartbeat-writes-per-hour" must be a whole number from 1 to 100000 writes an hour; got "${value}".`,
    );
  });
});

describe('agent-version', () => {
  const NAMES = ['INPUT_AGENT-VERSION', 'INPUT_AGENT', 'INPUT_AGENT-COMMAND'];
  afterEach(() => {
    for (const name of NAMES) delete process.env[name];
  });

  it('is empty unless set: the CLI on PATH, else the tested version', () => {
    expect(readInputs(runtime).agentVersion).toBeUndefined();
    process.env['INPUT_AGENT-VERSION'] = 'v2.1.300';
    expect(readInputs(runtime).agentVersion).toEqual({ spec: '2.1.300', exact: true });
    process.env['INPUT_AGENT-VERSION'] = 'latest';
    expect(readInputs(runtime).agentVersion).toEqual({ spec: 'latest', exact: false });
  });

  it('refuses what is neither a version nor a dist-tag, and goes with the npm presets only', () => {
    process.env['INPUT_AGENT-VERSION'] = '^2.1';
    expect(() => readInputs(runtime)).toThrow(InputError);
    expect(() => readInputs(runtime)).toThrow(
      'Input "agent-version" must be an exact version of @anthropic-ai/claude-code (such as 2.1.332) or an npm dist-tag (such as latest or next); got "^2.1".',
    );
    process.env['INPUT_AGENT-VERSION'] = '0.86.0';
    process.env['INPUT_AGENT'] = 'aider';
    expect(() => readInputs(runtime)).toThrow(/Input "agent-version" cannot pin aider/);
    process.env['INPUT_AGENT'] = 'custom';
    process.env['INPUT_AGENT-COMMAND'] = './agent.sh';
    expect(() => readInputs(runtime)).toThrow(/Input "agent-version" goes with a preset agent/);
  });
});

describe('create-pr', () => {
  const NAME = 'INPUT_CREATE-PR';
  afterEach(() => {
    delete process.env[NAME];
  });

  it('is one pull request for the issue unless set; true and false keep what they meant before', () => {
    expect(readInputs(runtime).createPr).toBe('issue');
    for (const [given, read] of [
      ['task', 'task'],
      ['none', 'none'],
      ['Issue', 'issue'],
      ['true', 'task'],
      ['false', 'none'],
    ] as const) {
      process.env[NAME] = given;
      expect(readInputs(runtime).createPr).toBe(read);
    }
  });

  it('refuses anything else, naming the input and what it accepts', () => {
    process.env[NAME] = 'both';
    expect(() => readInputs(runtime)).toThrow(
      'Input "create-pr" must be one of issue, task, none; got "both".',
    );
  });
});
