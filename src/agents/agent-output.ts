// Reading what an agent CLI prints. A preset that asks its CLI for JSON events gets a reader that turns them
// into lines a person can follow (for the log, the heartbeat's progress and the outcome) and into a report:
// the final message, what the run spent, and why it failed in the CLI's own words. Pure: lines in, text out.
import type { Usage } from '../protocol/usage.js';

export interface AgentReport {
  /** The agent's last message (a planning agent's answer is in it). */
  finalText?: string;
  usage?: Usage;
  /** Why the run failed as the CLI put it (a limit reached, not logged in), when it said so. */
  failure?: string;
  /** Worth a warning in the log (tool calls the CLI refused). */
  notes: string[];
}

export interface OutputReader {
  /** One line of the agent's stdout; returns what to show for it, or undefined to show nothing. */
  line(line: string): string | undefined;
  report(): AgentReport;
}

export type OutputFormat = 'text' | 'claude-stream-json' | 'codex-json' | 'gemini-json';

/** Plain text: every line is shown as it is; nothing is reported. */
export function textReader(): OutputReader {
  return { line: (line) => line, report: () => ({ notes: [] }) };
}

/** One line of a CLI's JSON events, as an object; undefined for anything else. */
export function parseEvent(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const oneLine = (text: string, max = 300): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** A tool call as a short line: the command of a shell call, the path of a file tool. */
function toolLine(name: string, input: unknown): string {
  const i = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const detail =
    str(i.command) ?? str(i.file_path) ?? str(i.path) ?? str(i.pattern) ?? str(i.url) ?? str(i.description);
  return `▶ ${name}${detail ? `: ${oneLine(detail, 200)}` : ''}`;
}

/**
 * Claude Code's `--output-format stream-json --verbose`: one JSON event per line, ending with a `result`
 * event that holds the final message, `total_cost_usd`, `usage`, `num_turns`, and on failure a subtype such
 * as `error_max_turns` with `errors`.
 */
export function claudeReader(): OutputReader {
  let result: Record<string, unknown> | undefined;
  let session: string | undefined;
  return {
    line(line) {
      const event = parseEvent(line);
      if (!event) return line;
      const message = event.message as { content?: unknown } | undefined;
      switch (event.type) {
        case 'system':
          if (event.subtype !== 'init') return undefined;
          session ??= str(event.session_id);
          return `Claude Code started (model ${str(event.model) ?? '?'})`;
        case 'assistant': {
          const shown: string[] = [];
          for (const block of Array.isArray(message?.content) ? message.content : []) {
            const b = block as Record<string, unknown>;
            if (b.type === 'text' && str(b.text)?.trim()) shown.push(oneLine(str(b.text)!));
            else if (b.type === 'tool_use') shown.push(toolLine(str(b.name) ?? 'tool', b.input));
          }
          return shown.length > 0 ? shown.join('\n') : undefined;
        }
        case 'result': {
          // Its one result, of its own session: not a line that merely looks like one.
          if (result || (session !== undefined && event.session_id !== session)) return undefined;
          result = event;
          const text = str(event.result);
          return text?.trim() ? text.trim() : undefined;
        }
        default:
          return undefined;
      }
    },
    report() {
      if (!result) return { notes: [] };
      const usage = result.usage as Record<string, unknown> | undefined;
      const input =
        (num(usage?.input_tokens) ?? 0) +
        (num(usage?.cache_creation_input_tokens) ?? 0) +
        (num(usage?.cache_read_input_tokens) ?? 0);
      const report: AgentReport = {
        ...(str(result.result) ? { finalText: str(result.result)! } : {}),
        usage: {
          ...(num(result.total_cost_usd) !== undefined ? { cost_usd: num(result.total_cost_usd)! } : {}),
          ...(usage ? { input_tokens: input, output_tokens: num(usage.output_tokens) ?? 0 } : {}),
          ...(num(result.num_turns) !== undefined ? { turns: num(result.num_turns)! } : {}),
        },
        notes: [],
      };
      const subtype = str(result.subtype) ?? '';
      const errors = Array.isArray(result.errors) ? result.errors.filter((e) => typeof e === 'string') : [];
      if (subtype.startsWith('error') || result.is_error === true) {
        const why = errors.join('; ') || str(result.result) || 'no reason given';
        report.failure = `${oneLine(why, 500)}${subtype && subtype !== 'success' ? ` (${oneLine(subtype, 60)})` : ''}`;
      }
      const denials = Array.isArray(result.permission_denials) ? result.permission_denials : [];
      if (denials.length > 0) {
        const calls = denials
          .slice(0, 5)
          .map((d) => {
            const r = d as Record<string, unknown>;
            return toolLine(str(r.tool_name) ?? 'tool', r.tool_input).slice(2);
          })
          .join('; ');
        report.notes.push(
          `Claude Code refused ${denials.length} tool call(s) for want of permission: ${calls}${denials.length > 5 ? '; …' : ''}`,
        );
      }
      return report;
    },
  };
}
