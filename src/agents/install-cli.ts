// Installing a preset's CLI from npm into a folder of the node's own, outside the workspace (which is the
// agent's): RUNNER_TEMP/p2p-dev-cli, which the runner empties at each job's start, so nothing an agent leaves
// there reaches a later job (the tool cache would outlive the job on a self-hosted runner); the OS's temp folder
// outside Actions. Each version gets its own folder, made in a staging folder and renamed into place once
// complete, so a half-done install is never used and nodes on one machine share one. Its bin folder holds
// only the preset's binary, to go first on the agent's PATH.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable } from '../delivery/git.js';
import { runTool, type ToolResult } from './run-tool.js';

export interface InstallRequest {
  package: string;
  /** An exact version or a dist-tag. */
  version: string;
  /** Whether the package's own install scripts run (no dependency's ever does). */
  scripts: boolean;
  /** The command the package's "bin" must provide. */
  binary: string;
}

export interface InstalledCli {
  /** The folder to put first on PATH: it holds the binary alone. */
  binDir: string;
  /** The version npm installed (what a dist-tag resolved to). */
  version: string;
  dir: string;
  reused: boolean;
}

export interface InstallOptions {
  /** Where the installs go (default RUNNER_TEMP/p2p-dev-cli, else the OS temp folder's). */
  root?: string;
  timeoutMs?: number;
}

const INSTALL_TIMEOUT_MS = 10 * 60_000;
const MARKER = '.p2p-dev-installed.json';

/** The default place: outside the workspace, emptied with the job. */
export const installRoot = (env: NodeJS.ProcessEnv): string =>
  path.join(env.RUNNER_TEMP || os.tmpdir(), 'p2p-dev-cli');

/** A folder of this user's alone (a shared temp folder could hold another user's look-alike). */
function privateFolder(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid()))
    throw new Error(`${dir} is not a folder of this user's`);
  return dir;
}

const folderName = (pkg: string, version: string): string => `${pkg.replace(/[@/]/g, '_')}@${version}`;

/** A complete install of this package in `dir`: its version, when its marker and binary are there. */
function completeInstall(dir: string, request: InstallRequest): string | undefined {
  try {
    const marker = JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as Record<string, unknown>;
    if (marker.package !== request.package || typeof marker.version !== 'string') return undefined;
    return existsSync(path.join(dir, 'bin', request.binary)) ? marker.version : undefined;
  } catch {
    return undefined;
  }
}

/** Why npm failed, in its own last words. */
function npmFailure(result: ToolResult, timeoutMs: number): string {
  if (result.error) return `npm could not start (${result.error})`;
  const limit = timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} min` : `${timeoutMs / 1000} s`;
  if (result.timedOut) return `npm did not finish within ${limit} and was stopped`;
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-12).join('\n');
  return `npm exited with ${result.code ?? `signal ${result.signal}`}${said ? `:\n${said}` : ''}`;
}

async function npmInstall(
  staging: string,
  request: InstallRequest,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
) {
  const npm = findExecutable('npm', env.PATH ?? '');
  if (!path.isAbsolute(npm)) throw new Error('npm is not on PATH (actions/setup-node provides it)');
  writeFileSync(path.join(staging, 'package.json'), '{ "name": "p2p-dev-cli", "private": true }\n');
  const args = ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund'];
  args.push('--no-update-notifier', '--loglevel=error');
  // No dependency's scripts; the package's own run below when it needs them.
  args.push('--ignore-scripts', `${request.package}@${request.version}`);
  const result = await runTool(npm, args, { cwd: staging, env, timeoutMs });
  if (result.code !== 0 || result.timedOut) throw new Error(npmFailure(result, timeoutMs));
}

/**
 * The package's own install scripts, run as npm would (sh -c in its folder). Run here, not by npm: npm 11
 * skips the scripts its allowScripts setting does not name, older npm runs every dependency's too.
 */
async function ownScripts(
  staging: string,
  request: InstallRequest,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
) {
  const dir = path.join(staging, 'node_modules', ...request.package.split('/'));
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const bins = [path.join(dir, 'node_modules', '.bin'), path.join(staging, 'node_modules', '.bin')];
  for (const stage of ['preinstall', 'install', 'postinstall']) {
    const script = manifest.scripts?.[stage];
    if (!script) continue;
    const result = await runTool('/bin/sh', ['-c', script], {
      cwd: dir,
      env: { ...env, PATH: [...bins, env.PATH].filter(Boolean).join(path.delimiter) },
      timeoutMs,
    });
    if (result.code !== 0 || result.timedOut || result.error)
      throw new Error(
        `its ${stage} script (${script}) failed: ${npmFailure(result, timeoutMs).replace(/^npm /, '')}`,
      );
  }
}

/** The installed package's version, after checking that its "bin" provides the binary. */
function installedVersion(staging: string, request: InstallRequest): string {
  const file = path.join(staging, 'node_modules', ...request.package.split('/'), 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; bin?: unknown };
  const bins =
    typeof manifest.bin === 'string'
      ? [request.package.replace(/^@[^/]+\//, '')]
      : Object.keys((manifest.bin as Record<string, string> | undefined) ?? {});
  if (!bins.includes(request.binary))
    throw new Error(`the package provides ${bins.join(', ') || 'no command'}, not ${request.binary}`);
  return manifest.version ?? request.version;
}

/** Install into a staging folder, then rename it into place (or take the one another node put there first). */
async function freshInstall(
  root: string,
  request: InstallRequest,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
) {
  const staging = mkdtempSync(path.join(root, '.staging-'));
  try {
    await npmInstall(staging, request, env, timeoutMs);
    if (request.scripts) await ownScripts(staging, request, env, timeoutMs);
    const version = installedVersion(staging, request);
    mkdirSync(path.join(staging, 'bin'));
    symlinkSync(
      path.join('..', 'node_modules', '.bin', request.binary),
      path.join(staging, 'bin', request.binary),
    );
    writeFileSync(path.join(staging, MARKER), `${JSON.stringify({ package: request.package, version })}\n`);
    const dir = path.join(root, folderName(request.package, version));
    try {
      renameSync(staging, dir);
    } catch {
      // Another node's, complete: use it. Anything else there (a folder someone broke) gives way to this one.
      if (completeInstall(dir, request) === undefined) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(staging, dir);
      }
    }
    return { dir, version };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const installs = new Map<string, Promise<InstalledCli>>();

/**
 * The package installed (or found installed) in a folder of its own. One install per package and version in
 * a process: a second call (another task of the node) gets the same. Throws why it failed.
 */
export function installCli(
  request: InstallRequest,
  env: NodeJS.ProcessEnv,
  options: InstallOptions = {},
): Promise<InstalledCli> {
  const root = options.root ?? installRoot(env);
  const key = `${root}\n${request.package}@${request.version}`;
  let install = installs.get(key);
  if (!install) {
    install = (async (): Promise<InstalledCli> => {
      privateFolder(root);
      const ready = path.join(root, folderName(request.package, request.version));
      const version = completeInstall(ready, request);
      if (version !== undefined)
        return { binDir: path.join(ready, 'bin'), version, dir: ready, reused: true };
      const made = await freshInstall(root, request, env, options.timeoutMs ?? INSTALL_TIMEOUT_MS);
      return { binDir: path.join(made.dir, 'bin'), ...made, reused: false };
    })();
    installs.set(key, install);
    install.catch(() => installs.delete(key));
  }
  return install;
}
