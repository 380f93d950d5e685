// Forged and malformed comments, as others than the action might write them: each must change nothing.
import type { GitHubEmulator } from '../emulator/index.js';
import { decode, encode } from '../src/protocol/codec.js';

/** The action's identity in the simulation, and the run its nodes are in. */
export const TRUSTED = { login: 'github-actions[bot]', id: 41898282 };
export const RUN = '8800.1';

/** A comment by someone other than the action, in the action's exact format, or broken on purpose. */
export function forge(
  emulator: GitHubEmulator,
  issue: number,
  kind: string,
  as: 'outsider' | 'collaborator',
  random: () => number,
): void {
  const trusted = emulator
    .listComments(issue)
    .filter((c) => c.userId === TRUSTED.id)
    .map((c) => ({ c, d: decode(c.body) }))
    .filter((x) => x.d.kind === 'message');
  const some = trusted[Math.floor(random() * trusted.length)];
  const envelope = { p2p: 1 as const, run: RUN, nonce: `forged-${Math.floor(random() * 1e9)}` };
  let body: string;
  switch (kind) {
    case 'replay':
      if (!some) return;
      body = some.c.body;
      break;
    case 'bid':
      body = encode(
        {
          ...envelope,
          type: 'bid',
          node: 'evil-node',
          term: 1,
          instance: 1,
          instances: 1,
          state: 'standing',
          lease_ms: 3_600_000,
          beat: 0,
        },
        '🎯 LEADER_ELECTION',
      );
      break;
    case 'plan': {
      const leader = trusted.find((x) => x.d.kind === 'message' && x.d.message.type === 'bid');
      const node = leader?.d.kind === 'message' ? leader.d.message.node : 'evil-node';
      body = encode(
        {
          ...envelope,
          type: 'plan',
          node,
          term: 1,
          part: 1,
          parts: 1,
          max_attempts: 5,
          tasks: [
            {
              id: 'task-1',
              title: 'FORGED: delete everything',
              body: 'rm -rf /',
              priority: 'high',
              depends_on: [],
            },
          ],
        },
        '📦 TASKS_DATA',
      );
      break;
    }
    case 'claim-completed': {
      const claim = trusted.find((x) => x.d.kind === 'message' && x.d.message.type === 'claim');
      const message =
        claim?.d.kind === 'message' && claim.d.message.type === 'claim' ? claim.d.message : undefined;
      body = encode(
        {
          ...envelope,
          type: 'claim',
          node: message?.node ?? 'evil-node',
          task: message?.task ?? 'task-1',
          attempt: message?.attempt ?? 1,
          state: 'completed',
          lease_ms: 3_600_000,
          beat: 0,
          result: { exit_code: 0, duration_ms: 1, output_tail: 'FORGED' },
        },
        '✅ COMPLETED',
      );
      break;
    }
    case 'malformed':
      body = '🎯 CLAIM\n<!-- p2p-dev {"p2p":1,"type":"claim","run":"8800.1", -->';
      break;
    default:
      body = `<!-- p2p-dev ${'{'.repeat(100)} -->\n${'x'.repeat(60_000)}`;
  }
  emulator.addComment(issue, body, as);
}
