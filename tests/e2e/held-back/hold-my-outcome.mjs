// An agent that finishes its work, then has GitHub hold back its node's next write to its claim comment: a
// secondary rate limit answered without retry-after (the client must then wait a minute), as GitHub does.
// Run by the held-back end-to-end test for the first attempt of task-1 only.
import { myClaim, queueFault } from '../agents/emulator-faults.mjs';

const mine = await myClaim();
await queueFault({
  kind: 'secondary-rate-limit',
  count: 1,
  status: Number(process.env.HOLD_STATUS ?? 403),
  match: { method: 'PATCH', pathIncludes: `/issues/comments/${mine.id}` },
});
console.log(`finished; GitHub will hold back the write to comment ${mine.id}`);
