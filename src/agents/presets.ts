// The agents p2p-dev knows by name: each a command line that reads the prompt from stdin or its file (never
// from one argument: Linux caps one at 128 KiB), runs unattended with leave to run the repository's commands,
// and takes `max-turns` and the task's budget where its CLI can. `agent-args` adds options to the preset's;
// an option given there replaces the preset's own (to narrow its permissions, say). `custom` runs
// agent-command as given. Each preset's command line is run against the real CLI in the tests.
import type { OutputFormat } from './agent-output.js';

export interface PresetOption {
  flag: string;
  value?: string;
  /**
   * What in agent-args replaces this choice (default: the flag): its other spellings, or options it clashes
   * with; [] when nothing does.
   */
  replacedBy?: string[];
}

export interface AgentPreset {
  name: string;
  binary: string;
  /** Arguments that make the CLI what the preset is (a subcommand, print mode). */
  base: string[];
  /** The preset's choices; each one replaced by the same option in agent-args. */
  options: PresetOption[];
  /** How the prompt arrives: on stdin, or a trailing argument naming something that reads it. */
  prompt: { stdin: true; marker?: string } | { file: string };
  format: OutputFormat;
  maxTurns?: (turns: number) => string[];
  /**
   * A CLI whose turn limit is a setting: the variable that names its settings home, the folder in that home
   * that holds settings.json, and what to merge into it.
   */
  turnsSetting?: { home: string; folder: string; patch: (turns: number) => Record<string, unknown> };
  maxBudget?: (usd: number) => string[];
  /** Environment the CLI needs to run unattended. */
  env?: Record<string, string>;
  /** Secrets the CLI reads from the environment. */
  secrets: string[];
  /** How a workflow installs it itself (the version the tests run is pinned in package.json). */
  install: string;
  /**
   * The npm package whose "bin" provides `binary`: the node installs the tested version (or agent-version)
   * when the CLI is not on PATH (install-cli.ts). `scripts`: its own install script must run (Claude Code's
   * postinstall puts the native binary in place of a stub that only prints an error). Absent: not on npm.
   */
  npm?: { package: string; scripts?: boolean };
  /** What the tests check against the real CLI; absent when it cannot be checked here. */
  tested?: string;
}

export const AGENT_PRESETS: Record<string, AgentPreset> = {
  claude: {
    name: 'Claude Code',
    binary: 'claude',
    base: ['-p', '--output-format', 'stream-json', '--verbose'],
    options: [
      {
        flag: '--permission-mode',
        value: 'acceptEdits',
        replacedBy: ['--permission-mode', '--dangerously-skip-permissions'],
      },
      { flag: '--allowedTools', value: 'Bash', replacedBy: ['--allowedTools', '--allowed-tools'] },
    ],
    prompt: { stdin: true },
    format: 'claude-stream-json',
    maxTurns: (n) => ['--max-turns', String(n)],
    maxBudget: (usd) => ['--max-budget-usd', usd.toFixed(4)],
    secrets: ['ANTHROPIC_API_KEY'],
    install: 'npm install -g @anthropic-ai/claude-code',
    npm: { package: '@anthropic-ai/claude-code', scripts: true },
    tested: '@anthropic-ai/claude-code',
  },
  codex: {
    name: 'OpenAI Codex CLI',
    binary: 'codex',
    base: ['exec', '--json', '--skip-git-repo-check'],
    options: [
      // Codex's own sandbox (bubblewrap) cannot start on GitHub's ubuntu-24.04 runners, which restrict user
      // namespaces, and cuts off the network and the npm cache: the runner's VM is the sandbox.
      {
        flag: '--dangerously-bypass-approvals-and-sandbox',
        replacedBy: ['--sandbox', '-s', '--full-auto', '--dangerously-bypass-approvals-and-sandbox'],
      },
      // `codex exec` does not read OPENAI_API_KEY by itself: a provider that does, and that stops at once
      // when the key is missing (the built-in one retries without one for ever).
      { flag: '-c', value: 'model_provider=p2p-openai', replacedBy: ['model_provider'] },
      {
        flag: '-c',
        value:
          'model_providers.p2p-openai={name="OpenAI",base_url="https://api.openai.com/v1",env_key="OPENAI_API_KEY",wire_api="responses"}',
        replacedBy: [],
      },
    ],
    prompt: { stdin: true, marker: '-' },
    format: 'codex-json',
    secrets: ['OPENAI_API_KEY'],
    install: 'npm install -g @openai/codex',
    npm: { package: '@openai/codex' },
    tested: '@openai/codex',
  },
  gemini: {
    name: 'Gemini CLI',
    binary: 'gemini',
    base: ['--skip-trust', '--output-format', 'stream-json'],
    options: [{ flag: '--approval-mode', value: 'yolo', replacedBy: ['--approval-mode', '--yolo', '-y'] }],
    prompt: { stdin: true },
    format: 'gemini-json',
    // Its turn limit is a setting, not an option: a settings home of the node's, over the user's own.
    turnsSetting: {
      home: 'GEMINI_CLI_HOME',
      folder: '.gemini',
      patch: (n) => ({ model: { maxSessionTurns: n } }),
    },
    secrets: ['GEMINI_API_KEY'],
    install: 'npm install -g @google/gemini-cli',
    npm: { package: '@google/gemini-cli' },
    tested: '@google/gemini-cli',
  },
  aider: {
    name: 'Aider',
    binary: 'aider',
    base: ['--yes-always', '--no-auto-commits', '--no-check-update', '--no-pretty'],
    options: [],
    prompt: { file: '--message-file' },
    format: 'text',
    secrets: ['ANTHROPIC_API_KEY or OPENAI_API_KEY'],
    install: 'pipx install aider-chat',
  },
};

export const AGENT_NAMES = [...Object.keys(AGENT_PRESETS), 'custom'];

/** What runs for each task: a preset (its command line is built per run) or the workflow's own command. */
export type AgentChoice =
  | { kind: 'preset'; id: string; preset: AgentPreset; extraArgs: string }
  | { kind: 'custom'; command: string };

/** The `agent`, `agent-command` and `agent-args` inputs; throws a message naming the input. */
export function agentChoiceFor(agent: string, agentCommand: string, agentArgs = ''): AgentChoice {
  const id = agent.trim().toLowerCase();
  const custom = agentCommand.trim();
  if (id === 'custom' || (custom && id in AGENT_PRESETS)) {
    // A command given with a preset name means the workflow wants its own command line.
    if (!custom) throw new Error('Input "agent-command" is required when "agent" is custom.');
    if (agentArgs.trim())
      throw new Error(
        'Input "agent-args" goes with a preset agent; with "agent-command", write the options there.',
      );
    return { kind: 'custom', command: custom };
  }
  const preset = AGENT_PRESETS[id];
  if (!preset) throw new Error(`Input "agent" must be one of ${AGENT_NAMES.join(', ')}; got "${agent}".`);
  return { kind: 'preset', id, preset, extraArgs: agentArgs.trim() };
}

/** A word for bash: left bare when it cannot be misread, single-quoted otherwise. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Whether `args` (a command-line fragment) replaces the preset's choice. */
function replaces(args: string, option: PresetOption): boolean {
  return (option.replacedBy ?? [option.flag]).some((word) =>
    new RegExp(`(^|[\\s'"])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(=|[\\s'"]|$)`).test(args),
  );
}

export interface RunLimits {
  maxTurns?: number;
  /** What this run may still spend (the task's budget less what its earlier runs spent). */
  budgetUsd?: number;
}

/** The bash command line of one run of a preset, reading the prompt from "$P2P_PROMPT_FILE". */
export function presetCommand(preset: AgentPreset, extraArgs: string, limits: RunLimits = {}): string {
  const words = [preset.binary, ...preset.base];
  for (const option of preset.options) {
    if (replaces(extraArgs, option)) continue;
    words.push(option.flag, ...(option.value !== undefined ? [option.value] : []));
  }
  if (limits.maxTurns !== undefined && preset.maxTurns) words.push(...preset.maxTurns(limits.maxTurns));
  if (limits.budgetUsd !== undefined && preset.maxBudget) words.push(...preset.maxBudget(limits.budgetUsd));
  let line = words.map(shellWord).join(' ');
  if (extraArgs) line += ` ${extraArgs}`;
  if ('file' in preset.prompt) return `${line} ${preset.prompt.file} "$P2P_PROMPT_FILE"`;
  return `${line}${preset.prompt.marker ? ` ${preset.prompt.marker}` : ''} < "$P2P_PROMPT_FILE"`;
}

/** Whether a preset honours `max-turns` (otherwise the input is passed on as P2P_MAX_TURNS only). */
export const takesMaxTurns = (preset: AgentPreset): boolean =>
  preset.maxTurns !== undefined || preset.turnsSetting !== undefined;
