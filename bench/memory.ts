// Peak memory of real node processes: five processes of dist/index.js on the emulator, each reporting its
// own peak RSS when it ends.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/index.js';
import { startNode, waitAll } from '../scripts/local-nodes.js';

export async function measureNodeMemory(nodes = 5): Promise<{ peakMb: number; nodes: number }> {
  const server = await startEmulator({ config: { latencyMs: [50, 300] } });
  try {
    const body = Array.from({ length: 10 }, (_, i) => `- [ ] Task ${i + 1}`).join('\n');
    const issue = server.emulator.createIssue({ title: 'Memory', body });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-bench-'));
    writeFileSync(path.join(dir, 'agent.sh'), 'sleep 0.3\n');
    const running = Array.from({ length: nodes }, (_, i) =>
      startNode(i + 1, {
        apiUrl: server.url,
        token: 'ghs_bot_token',
        repository: 'octo-org/demo',
        issue,
        instances: nodes,
        workspace: dir,
        inputs: { 'agent-command': `bash ${path.join(dir, 'agent.sh')}` },
      }),
    );
    await waitAll(running, 180_000);
    const peaks = running.map((n) => Number(/peak memory: (\d+) MB/.exec(n.log())?.[1] ?? NaN));
    return { peakMb: Math.max(...peaks), nodes };
  } finally {
    await server.close();
  }
}
