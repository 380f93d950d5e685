// An agent that finishes its work, then takes GitHub away from every node for a while (`DOWN_MS`, connections
// reset or 503s by `DOWN_MODE`), and has the first `SLOW_WRITES` writes to its node's claim comment after it
// answered 503: its outcome gets through a few seconds after the others can read again, as when GitHub comes
// back unevenly. Run by the silence end-to-end test for the first attempt of task-1 only.
import { myClaim, queueFault } from '../agents/emulator-faults.mjs';

const mine = await myClaim();
await queueFault({
  kind: 'status',
  status: 503,
  count: Number(process.env.SLOW_WRITES ?? 2),
  match: { method: 'PATCH', pathIncludes: `/issues/comments/${mine.id}` },
});
await queueFault({
  kind: 'down',
  forMs: Number(process.env.DOWN_MS ?? 6000),
  mode: process.env.DOWN_MODE ?? 'reset',
});
console.log(`finished; GitHub is away, then slow for comment ${mine.id}`);
