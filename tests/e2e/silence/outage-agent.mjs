// An agent that finishes its work, then takes GitHub away from every node for a while (`DOWN_MS`, connections
// reset or 503s by `DOWN_MODE`), and has every write to its node's claim comment answered 503 for `SLOW_MS`
// more: its outcome gets through a few seconds after the others can read again, as when GitHub comes back
// unevenly. A span, not a count, and a long one: the holder's heartbeats used up a count within a second of
// GitHub's return, and on a loaded machine the others, whose retries back off, read only after the outcome had
// landed.
// Run by the silence end-to-end test for the first attempt of task-1 only.
import { myClaim, queueFault } from '../agents/emulator-faults.mjs';

const mine = await myClaim();
const downMs = Number(process.env.DOWN_MS ?? 6000);
await queueFault({
  kind: 'status',
  status: 503,
  count: 1,
  forMs: downMs + Number(process.env.SLOW_MS ?? 15000),
  match: { method: 'PATCH', pathIncludes: `/issues/comments/${mine.id}` },
});
await queueFault({ kind: 'down', forMs: downMs, mode: process.env.DOWN_MODE ?? 'reset' });
console.log(`finished; GitHub is away, then slow for comment ${mine.id}`);
