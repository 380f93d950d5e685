// The agents p2p-dev knows by name: each a documented command line fed the prompt file. `custom` runs
// agent-command as given.

export interface AgentPreset {
  name: string;
  command: string;
  /** Secrets the CLI reads from the environment. */
  secrets: string[];
  /** How a workflow installs it. */
  install: string;
}

export const AGENT_PRESETS: Record<string, AgentPreset> = {
  claude: {
    name: 'Claude Code',
    command: 'claude -p --permission-mode acceptEdits --output-format text < "$P2P_PROMPT_FILE"',
    secrets: ['ANTHROPIC_API_KEY'],
    install: 'npm install -g @anthropic-ai/claude-code',
  },
  codex: {
    name: 'OpenAI Codex CLI',
    command: 'codex exec --full-auto "$(cat "$P2P_PROMPT_FILE")"',
    secrets: ['OPENAI_API_KEY'],
    install: 'npm install -g @openai/codex',
  },
  gemini: {
    name: 'Gemini CLI',
    command: 'gemini --yolo --prompt "$(cat "$P2P_PROMPT_FILE")"',
    secrets: ['GEMINI_API_KEY'],
    install: 'npm install -g @google/gemini-cli',
  },
  aider: {
    name: 'Aider',
    command: 'aider --yes-always --no-auto-commits --message-file "$P2P_PROMPT_FILE"',
    secrets: ['ANTHROPIC_API_KEY or OPENAI_API_KEY'],
    install: 'pipx install aider-chat',
  },
};

export const AGENT_NAMES = [...Object.keys(AGENT_PRESETS), 'custom'];

/** The command line for the `agent` and `agent-command` inputs; throws a message naming the input. */
export function agentCommandFor(agent: string, agentCommand: string): string {
  const name = agent.trim().toLowerCase();
  const custom = agentCommand.trim();
  if (name === 'custom') {
    if (!custom) throw new Error('Input "agent-command" is required when "agent" is custom.');
    return custom;
  }
  const preset = AGENT_PRESETS[name];
  if (!preset) throw new Error(`Input "agent" must be one of ${AGENT_NAMES.join(', ')}; got "${agent}".`);
  // A command given with a preset name means the user wants their own command line.
  return custom || preset.command;
}
