// The node's first step for its agent, before any task: make sure the preset's CLI is there (cli-plan.ts
// decides; install-cli.ts installs) and return the environment the agent runs with, the installed CLI's bin
// folder first on its PATH. Says what it used or installed, and where, in the job's log.
import path from 'node:path';
import { findExecutable } from '../delivery/git.js';
import { getErrorMessage } from '../errors.js';
import {
  installFailure,
  needsPathVersion,
  planAgentCli,
  testedVersion,
  versionIn,
  type CliFound,
  type RequestedVersion,
} from './cli-plan.js';
import { installCli, type InstallOptions } from './install-cli.js';
import type { AgentChoice } from './presets.js';
import { runTool } from './run-tool.js';

const VERSION_TIMEOUT_MS = 60_000;

export interface CliLog {
  info(message: string): void;
}

/** What `<binary> --version` prints (its first line), or why it failed. */
export async function reportedVersion(
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; said: string }> {
  const result = await runTool(binary, ['--version'], {
    cwd: path.dirname(binary),
    env,
    timeoutMs: VERSION_TIMEOUT_MS,
  });
  const said = (result.stdout.trim() || result.stderr.trim()).split('\n')[0] ?? '';
  if (result.code === 0 && !result.timedOut) return { ok: true, said };
  const why = result.error ?? (result.timedOut ? 'timed out' : `exit ${result.code ?? result.signal}`);
  return { ok: false, said: `${binary} --version failed (${why})${said ? `: ${said}` : ''}` };
}

async function findCli(binary: string, requested: RequestedVersion | undefined, env: NodeJS.ProcessEnv) {
  const found = findExecutable(binary, env.PATH ?? '');
  const facts: CliFound = path.isAbsolute(found) ? { onPath: found } : {};
  if (needsPathVersion(requested, facts)) {
    const version = versionIn((await reportedVersion(found, env)).said);
    if (version) facts.pathVersion = version;
  }
  return facts;
}

/**
 * The agent's environment once its CLI is there: unchanged when it was on PATH already (or the agent is a
 * custom command), else with the installed CLI's bin folder first on PATH. Throws, saying how to fix it, when
 * the CLI is missing and cannot be installed.
 */
export async function provideAgentCli(
  choice: AgentChoice,
  requested: RequestedVersion | undefined,
  env: NodeJS.ProcessEnv,
  log: CliLog,
  options: InstallOptions = {},
): Promise<NodeJS.ProcessEnv> {
  if (choice.kind === 'custom') return env;
  const { preset } = choice;
  const plan = planAgentCli(choice, requested, await findCli(preset.binary, requested, env));
  if (plan.kind === 'nothing') return env;
  if (plan.kind === 'use') {
    const tested = preset.npm
      ? `; this release was tested with ${preset.npm.package} ${testedVersion(preset)}`
      : '';
    log.info(`🤖 using ${plan.path} (${plan.why})${tested}`);
    return env;
  }
  try {
    const request = { ...plan, binary: preset.binary };
    const cli = await installCli(request, env, options);
    const withCli = { ...env, PATH: [cli.binDir, env.PATH].filter(Boolean).join(path.delimiter) };
    const check = await reportedVersion(path.join(cli.binDir, preset.binary), withCli);
    if (!check.ok) throw new Error(check.said);
    log.info(
      `📦 ${cli.reused ? 'reusing' : 'installed'} ${plan.package}@${cli.version} for the ${choice.id} preset (${plan.why}${plan.requested ? `; agent-version ${plan.version}` : '; the version this release was tested with'}) in ${cli.dir}; \`${preset.binary} --version\` says ${check.said}`,
    );
    return withCli;
  } catch (error) {
    throw new Error(installFailure(choice, plan, getErrorMessage(error)));
  }
}
