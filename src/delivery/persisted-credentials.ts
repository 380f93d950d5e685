// Where a checkout (or a workflow) leaves the token for git, the agent can read it: in the workspace's config
// (actions/checkout v4 writes an Authorization header there), in a file that config includes (v6 keeps it in
// RUNNER_TEMP), in submodules' configs, in ~/.gitconfig and ~/.git-credentials. Before any agent runs, the
// node takes it out of all of them; it authenticates its own fetches and pushes itself (see git.ts).
import path from 'node:path';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gitIn } from './git.js';
import { readBounded } from '../containment/safe-files.js';

/** The token as git config holds it: itself, and the Basic credential checkout builds from it. */
export function tokenForms(token: string): string[] {
  return [token, Buffer.from(`x-access-token:${token}`).toString('base64')];
}

const holds = (text: string, forms: string[]): boolean => forms.some((f) => f && text.includes(f));

/** A config or credentials file's text (a dotfile may be a link; a FIFO or a device is not read). */
const readSmall = (file: string): string | undefined =>
  readBounded(file, 1024 * 1024, { followLinks: true }).text;

/**
 * Take the token out of one git config file: the entries whose value holds it (an extraheader, a URL with it),
 * and included files that hold it (deleted). Returns what was done, for the log.
 */
async function scrubConfig(file: string, forms: string[]): Promise<string[]> {
  const text = readSmall(file);
  if (text === undefined) return [];
  const done: string[] = [];
  const git = gitIn(path.dirname(file));
  const listed = (await git.try(['config', '--file', file, '--list', '-z'])).stdout;
  const keys = new Set<string>();
  for (const entry of listed.split('\0').filter(Boolean)) {
    const nl = entry.indexOf('\n');
    const key = nl < 0 ? entry : entry.slice(0, nl);
    const value = nl < 0 ? '' : entry.slice(nl + 1);
    if (/^include(if\..*)?\.path$/i.test(key)) {
      const included = path.resolve(path.dirname(file), value.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
      const content = readSmall(included);
      if (content !== undefined && (holds(content, forms) || /AUTHORIZATION:/i.test(content))) {
        rmSync(included, { force: true });
        done.push(`deleted ${included} (included by ${file})`);
        keys.add(key);
      }
    } else if (holds(value, forms)) keys.add(key);
  }
  for (const key of keys) {
    await git.try(['config', '--file', file, '--unset-all', key]);
    done.push(`removed ${key} from ${file}`);
  }
  return done;
}

function configsUnder(dir: string, depth = 4): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'config') out.push(full);
    else if (statSync(full, { throwIfNoEntry: false })?.isDirectory())
      out.push(...configsUnder(full, depth - 1));
  }
  return out;
}

export interface CredentialPlaces {
  workspace: string;
  home?: string;
  runnerTemp?: string;
}

/** Remove the token from where git setups keep it. Returns what was removed, and where it is still found. */
export async function removePersistedCredentials(
  token: string,
  places: CredentialPlaces,
): Promise<{ removed: string[]; remaining: string[] }> {
  const forms = tokenForms(token);
  const removed: string[] = [];
  const gitDir = path.join(places.workspace, '.git');
  const configs = [
    path.join(gitDir, 'config'),
    path.join(gitDir, 'config.worktree'),
    ...configsUnder(path.join(gitDir, 'modules')),
    ...(places.home
      ? [path.join(places.home, '.gitconfig'), path.join(places.home, '.config', 'git', 'config')]
      : []),
  ];
  for (const file of configs) removed.push(...(await scrubConfig(file, forms)));
  // actions/checkout v6 keeps the header in RUNNER_TEMP/git-credentials-<uuid>.config.
  if (places.runnerTemp && existsSync(places.runnerTemp)) {
    for (const name of readdirSync(places.runnerTemp)) {
      if (!/^git-credentials-.*\.config$/.test(name)) continue;
      const file = path.join(places.runnerTemp, name);
      if (holds(readSmall(file) ?? '', forms)) {
        rmSync(file, { force: true });
        removed.push(`deleted ${file}`);
      }
    }
  }
  const stores = places.home
    ? [path.join(places.home, '.git-credentials'), path.join(places.home, '.config', 'git', 'credentials')]
    : [];
  for (const file of stores) {
    const text = readSmall(file);
    if (text === undefined || !holds(text, forms)) continue;
    writeFileSync(
      file,
      text
        .split('\n')
        .filter((line) => !holds(line, forms))
        .join('\n'),
    );
    removed.push(`removed the token's line from ${file}`);
  }
  const remaining = [...configs, ...stores].filter((f) => holds(readSmall(f) ?? '', forms));
  return { removed, remaining };
}

/**
 * Before any agent runs: the token out of every place a git setup keeps it, or the node stops, saying where it
 * is still (an agent must never be run where it could read it).
 */
export async function secureWorkspace(
  token: string,
  places: CredentialPlaces,
  log: { info(message: string): void },
): Promise<void> {
  if (!token) return;
  const { removed, remaining } = await removePersistedCredentials(token, places);
  for (const line of removed) log.info(`🔒 so that the agent cannot read the token: ${line}`);
  if (remaining.length > 0)
    throw new Error(
      `the token is still in ${remaining.join(', ')}, where the agent could read it (use actions/checkout with persist-credentials: false)`,
    );
}
