// Readers for the JSON event streams of the Codex CLI (`codex exec --json`) and the Gemini CLI
// (`--output-format stream-json`), as the pinned versions print them (checked against the real CLIs).
import { num, oneLine, parseEvent, str, type AgentReport, type OutputReader } from './agent-output.js';

/** How much of an agent's last message is kept (a planning agent's plan is in it). */
const TEXT_LIMIT = 2 * 1024 * 1024;

/** Codex runs each command as `/bin/bash -lc '<command>'`: show the command. */
function shellCommand(command: string): string {
  const m = /^\S*\/(?:ba)?sh -l?c '([\s\S]*)'$/.exec(command);
  return m ? m[1]!.replace(/'\\''/g, "'") : command;
}

/**
 * `codex exec --json`: `item.started`/`item.completed` for commands, file changes and messages,
 * `turn.completed` with token usage (no cost), `error`/`turn.failed` when it stops.
 */
export function codexReader(): OutputReader {
  let input: number | undefined;
  let output: number | undefined;
  let failure: string | undefined;
  let finalText: string | undefined;
  return {
    line(line) {
      const event = parseEvent(line);
      if (!event) return line;
      const item = (event.item ?? {}) as Record<string, unknown>;
      switch (event.type) {
        case 'thread.started':
          return 'Codex started';
        case 'item.started':
          return item.type === 'command_execution'
            ? `▶ shell: ${oneLine(shellCommand(str(item.command) ?? ''), 200)}`
            : undefined;
        case 'item.completed':
          if (item.type === 'agent_message' && str(item.text)?.trim()) {
            finalText = str(item.text)!.slice(0, TEXT_LIMIT);
            return oneLine(finalText);
          }
          if (item.type === 'command_execution' && num(item.exit_code) !== undefined && item.exit_code !== 0)
            return `  (exit ${String(item.exit_code)})`;
          if (item.type === 'file_change') {
            const changes = Array.isArray(item.changes) ? item.changes : [];
            const paths = changes.map((c) => str((c as Record<string, unknown>).path)).filter(Boolean);
            return `▶ edit: ${oneLine(paths.join(', ') || 'files', 200)}`;
          }
          return undefined;
        case 'turn.completed': {
          const usage = (event.usage ?? {}) as Record<string, unknown>;
          input = (input ?? 0) + (num(usage.input_tokens) ?? 0);
          output = (output ?? 0) + (num(usage.output_tokens) ?? 0);
          return undefined;
        }
        case 'turn.failed':
        case 'error': {
          const message =
            str(event.message) ?? str((event.error as Record<string, unknown> | undefined)?.message);
          // An `error` event may be one Codex retried and got past ("Reconnecting… 1/5"): only a failed turn
          // is the run's failure.
          if (message && event.type === 'turn.failed') failure = oneLine(message, 500);
          return message ? `error: ${oneLine(message, 500)}` : undefined;
        }
        default:
          return undefined;
      }
    },
    report() {
      const report: AgentReport = { notes: [] };
      if (finalText !== undefined) report.finalText = finalText;
      if (input !== undefined) report.usage = { input_tokens: input, output_tokens: output ?? 0 };
      if (failure) report.failure = failure;
      return report;
    },
  };
}

/**
 * Gemini CLI `--output-format stream-json`: `message`, `tool_use`, `tool_result` and a closing `result` with
 * `status` (`error` with the reason, such as the turn limit) and `stats` (tokens, no cost).
 */
export function geminiReader(): OutputReader {
  let result: Record<string, unknown> | undefined;
  let text = '';
  return {
    line(line) {
      const event = parseEvent(line);
      if (!event) return line;
      switch (event.type) {
        case 'init':
          return `Gemini CLI started (model ${str(event.model) ?? '?'})`;
        case 'message':
          if (event.role !== 'assistant' || !str(event.content)) return undefined;
          // Assistant text arrives in pieces: keep the last message whole (up to a limit), show each piece.
          text = (event.delta === true ? text + str(event.content)! : str(event.content)!).slice(
            0,
            TEXT_LIMIT,
          );
          return str(event.content)!.trim() ? oneLine(str(event.content)!) : undefined;
        case 'tool_use': {
          text = '';
          const p = (event.parameters ?? {}) as Record<string, unknown>;
          const detail = str(p.command) ?? str(p.file_path) ?? str(p.absolute_path) ?? str(p.path);
          return `▶ ${str(event.tool_name) ?? 'tool'}${detail ? `: ${oneLine(detail, 200)}` : ''}`;
        }
        case 'tool_result':
          return event.status === 'error'
            ? `  (tool error: ${oneLine(str(event.output) ?? '', 200)})`
            : undefined;
        case 'result': {
          result = event;
          const error = event.error as Record<string, unknown> | undefined;
          return event.status === 'error'
            ? `error: ${oneLine(str(error?.message) ?? 'unknown', 500)}`
            : undefined;
        }
        default:
          return undefined;
      }
    },
    report() {
      const report: AgentReport = { notes: [] };
      if (text.trim()) report.finalText = text;
      if (!result) return report;
      const stats = (result.stats ?? {}) as Record<string, unknown>;
      if (num(stats.input_tokens) !== undefined || num(stats.output_tokens) !== undefined)
        report.usage = {
          input_tokens: num(stats.input_tokens) ?? 0,
          output_tokens: num(stats.output_tokens) ?? 0,
        };
      if (result.status === 'error') {
        const error = (result.error ?? {}) as Record<string, unknown>;
        report.failure = `${oneLine(str(error.message) ?? 'no reason given', 500)}${str(error.type) ? ` (${oneLine(str(error.type)!, 60)})` : ''}`;
      }
      return report;
    },
  };
}
