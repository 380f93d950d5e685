// Labels put on an issue as a maintainer does, through the emulator's API.
import type { RunningEmulator } from '../../emulator/index.js';

export async function labelIssue(server: RunningEmulator, issue: number, labels: string[]): Promise<void> {
  const res = await fetch(`${server.url}/repos/octo-org/demo/issues/${issue}/labels`, {
    method: 'POST',
    headers: { authorization: 'token ghp_maintainer_token', 'content-type': 'application/json' },
    body: JSON.stringify({ labels }),
  });
  if (res.status !== 200) throw new Error(`labelling #${issue} answered ${res.status}`);
}
