// Publishing the dashboard to a GitHub Pages branch: the single HTML file as index.html on its own branch
// (an orphan branch the first time), committed and pushed with git. The repository's own history is untouched.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitIn, identityArgs } from './git.js';

export interface PublishOptions {
  /** A git work tree whose remote to publish to. */
  workspace: string;
  remote?: string;
  /** The remote's URL, read before any agent ran in the workspace (else read from it now). */
  url?: string;
  branch: string;
  html: string;
  token: string;
  author?: { login: string; id: number };
}

/** Push the dashboard; returns where it went. Does nothing (and says so) when the branch already has it. */
export async function publishDashboard(options: PublishOptions): Promise<string> {
  const remote = options.remote ?? 'origin';
  const url =
    options.url ?? (await gitIn(options.workspace).run(['config', '--get', `remote.${remote}.url`])).trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-pages-'));
  try {
    const git = gitIn(dir, { remoteUrl: url, token: options.token });
    await git.run(['init', '--quiet']);
    const fetched = await git.try(['fetch', '--quiet', '--depth=1', url, `refs/heads/${options.branch}`], {
      network: true,
    });
    if (fetched.code === 0) await git.run(['checkout', '--quiet', '-B', options.branch, 'FETCH_HEAD']);
    else await git.run(['checkout', '--quiet', '--orphan', options.branch]);
    writeFileSync(path.join(dir, 'index.html'), options.html);
    writeFileSync(path.join(dir, '.nojekyll'), '');
    await git.run(['add', 'index.html', '.nojekyll']);
    const where = `${options.branch} on ${url.replace(/\/\/[^@/]*@/, '//')}`;
    if (fetched.code === 0 && (await git.try(['diff-index', '--cached', '--quiet', 'HEAD'])).code === 0)
      return `${where} (already up to date)`;
    const author = options.author ?? { login: 'github-actions[bot]', id: 41898282 };
    await git.run([...identityArgs(author), 'commit', '--quiet', '-m', 'Update the p2p-dev dashboard']);
    await git.run(['push', '--quiet', url, `HEAD:refs/heads/${options.branch}`], { network: true });
    return where;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
