// Shared pieces of the emulator tests: a hand-driven clock, a quiet Octokit against a running emulator.
import { Octokit } from '@octokit/rest';
import { afterEach } from 'vitest';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator/index.js';

export const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
export const repo = { owner: 'octo-org', repo: 'demo' } as const;
export const BOT = 'ghs_bot_token';
export const MAINTAINER = 'ghp_maintainer_token';
export const OUTSIDER = 'ghp_outsider_token';
export const COLLABORATOR = 'ghp_collaborator_token';

export interface ManualClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

/** A clock that moves only when told to. */
export function manualClock(start = Date.parse('2026-11-21T00:00:05.789Z')): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => void (t += ms),
    set: (ms) => void (t = ms),
  };
}

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** An emulator over real HTTP, closed after the test. */
export async function serve(options: StartOptions = {}): Promise<RunningEmulator> {
  const server = await startEmulator(options);
  running.push(server);
  return server;
}

/** An Octokit for the emulator; `null` sends no token at all. */
export function octokitFor(server: RunningEmulator, token: string | null = BOT): Octokit {
  return new Octokit({ ...(token ? { auth: token } : {}), baseUrl: server.url, log: quiet });
}

/** The HTTP status a request ends with, whether it resolves or throws a RequestError. */
export async function statusOf(request: Promise<{ status: number }>): Promise<number> {
  return request.then(
    (r) => r.status,
    (e: { status?: number }) => e.status ?? -1,
  );
}

/** The error a request throws (fails the test if it does not). */
export async function failureOf(request: Promise<unknown>): Promise<{
  status: number;
  message: string;
  response: { headers: Record<string, string>; data: unknown };
}> {
  try {
    await request;
  } catch (error) {
    return error as never;
  }
  throw new Error('the request did not fail');
}
