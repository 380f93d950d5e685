// Peak memory of real node processes: five processes of dist/index.js on the emulator (10 tasks), each
// reporting its own peak RSS when it ends, in three cases: an ordinary run; a talkative agent (each run prints
// 40 MB); a hostile thread (a 200 KB issue body and a hundred junk comments of 20–64 KB by an outsider).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/index.js';
import { FAST_TIMING_LIMITS, startNode, waitAll } from '../scripts/local-nodes.js';

export type MemoryCase = 'ordinary' | 'talkative agent' | 'hostile thread';
export const MEMORY_CASES: MemoryCase[] = ['ordinary', 'talkative agent', 'hostile thread'];

export interface MemoryFigure {
  case: MemoryCase;
  /** The highest peak RSS of the nodes, MB. */
  peakMb: number;
  nodes: number;
}

/** Text that compresses like prose: words, spaces, a line break now and then (a seeded generator). */
function junk(chars: number, seed: number): string {
  const words = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'junk', 'spam', 'qwerty', 'filler', 'noise'];
  let s = seed >>> 0;
  const next = (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const parts: string[] = [];
  for (let n = 0; n < chars;) {
    const word = words[Math.floor(next() * words.length)]! + (next() < 0.1 ? '\n' : ' ');
    parts.push(word);
    n += word.length;
  }
  return parts.join('').slice(0, chars);
}

export async function measureNodeMemory(which: MemoryCase = 'ordinary', nodes = 5): Promise<MemoryFigure> {
  // The nodes run with FAST_TIMINGS (a heartbeat a second): GitHub's limits scaled alike.
  const server = await startEmulator({ ...FAST_TIMING_LIMITS, config: { latencyMs: [50, 300] } });
  try {
    const tasks = Array.from({ length: 10 }, (_, i) => `- [ ] Task ${i + 1}`).join('\n');
    const hostile = which === 'hostile thread';
    const issue = server.emulator.createIssue({
      title: 'Memory',
      body: hostile ? `${junk(200_000, 1)}\n\n${tasks}` : tasks,
    });
    if (hostile)
      for (let i = 0; i < 100; i++)
        server.emulator.addComment(issue, junk(20_000 + ((i * 7919) % 44_000), i + 2), 'outsider');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-bench-'));
    writeFileSync(
      path.join(dir, 'agent.sh'),
      which === 'talkative agent'
        ? "head -c 40000000 /dev/zero | tr '\\0' 'x' | fold -w 100\n"
        : 'sleep 0.3\n',
    );
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
    await waitAll(running, 300_000);
    const peaks = running.map((n) => Number(/peak memory: (\d+) MB/.exec(n.log())?.[1] ?? NaN));
    return { case: which, peakMb: Math.max(...peaks), nodes };
  } finally {
    await server.close();
  }
}
