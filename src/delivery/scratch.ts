// The scratch repository the branch is built in (issue-branch.ts): a folder of its own under the
// temporary directory, fetched from the workspace's remote, every command the node's own (gitIn: hooks, filters,
// drivers and helpers off). An agent that runs (merge-resolution.ts) runs as the same user while it exists, so
// after any agent ran the scratch is taken as the agent's: it is discarded and a fresh one made, with only the
// commit the node remembers fetched into it by its id (the objects checked as they come in, so it is exactly
// the node's commit whatever was done to the old folder's refs, objects or config).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitIn, type Git } from './git.js';

export const SCRATCH_PREFIX = 'p2p-integration-';

export class Scratch {
  private dir = '';
  private current: Git | undefined;

  constructor(
    /** The remote the branches are fetched from and the branch is pushed to. */
    readonly url: string,
    private readonly settings: { token?: string; timeoutMs?: number },
    /** The branch checked out in it (the issue's). */
    readonly branch: string,
  ) {}

  get git(): Git {
    if (!this.current) throw new Error('the scratch repository is not open');
    return this.current;
  }

  /** A fresh, empty repository. */
  async open(): Promise<Git> {
    this.dir = mkdtempSync(path.join(os.tmpdir(), SCRATCH_PREFIX));
    this.current = gitIn(this.dir, {
      remoteUrl: this.url,
      ...(this.settings.token ? { token: this.settings.token } : {}),
      ...(this.settings.timeoutMs ? { timeoutMs: this.settings.timeoutMs } : {}),
    });
    await this.current.run(['init', '--quiet']);
    return this.current;
  }

  /** A branch of the remote fetched; its local ref. */
  async fetchRef(name: string): Promise<string> {
    const ref = `refs/remotes/origin/${name}`;
    await this.git.run(['fetch', '--no-tags', '--quiet', this.url, `+refs/heads/${name}:${ref}`], {
      network: true,
    });
    return ref;
  }

  /** The old folder discarded (an agent ran while it existed) and a new one at `head`, taken from it by id. */
  async renew(head: string): Promise<void> {
    const old = this.dir;
    try {
      await this.open();
      // (By id: no ref of the old folder's is believed. Settings given here reach its upload-pack too.)
      await this.git.run([
        '-c',
        'uploadpack.allowAnySHA1InWant=true',
        'fetch',
        '--no-tags',
        '--quiet',
        '--no-write-fetch-head',
        old,
        `${head}:refs/p2p/head`,
      ]);
      if ((await this.git.run(['rev-parse', '--verify', 'refs/p2p/head^{commit}'])) !== head)
        throw new Error('the integration so far could not be taken back after the agent');
      await this.git.run(['checkout', '--quiet', '--force', '-B', this.branch, head]);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  }

  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
