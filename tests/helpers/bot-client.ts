// The action's GitHub client as the emulator's bot account (`github-actions[bot]`) sees it, and a log that
// keeps what it was told.
import type { RunningEmulator } from '../../emulator/index.js';
import { createClient, quietLogger, type GitHubClient, type Logger } from '../../src/github/client.js';

export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: () => {}, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`) };
}

/** Without `retryBaseMs`, plugin-retry backs off as in the action (1 s, 4 s, 9 s). */
export function botClient(
  server: RunningEmulator,
  options: { log?: Logger; retryBaseMs?: number; requestTimeoutMs?: number; writers?: number } = {},
): GitHubClient {
  return createClient({
    token: 'ghs_bot_token',
    baseUrl: server.url,
    owner: 'octo-org',
    repo: 'demo',
    log: options.log ?? quietLogger,
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.writers !== undefined ? { writers: options.writers } : {}),
  });
}
