// The stop beacon: a small comment the leader posts with its plan, telling people how to stop the run, and
// edited once, when the run is stopped. A node whose agent runs reads it again now and then: a conditional
// read of one unchanged comment is a free 304, so watching for a stop costs nothing until there is one (reading
// the thread for it would cost a request for every comment added while the agent runs). The fold decides on
// the `stop` message; the beacon only tells busy nodes to look. Only the action's own beacon is believed.
import * as z from 'zod';
import { embedJson } from './codec.js';
import { earliestTrusted, type ThreadComment, type Trust } from './thread-comment.js';

const OPEN = '<!-- p2p-dev:stop-beacon ';
const CLOSE = ' -->';

const BeaconSchema = z.object({
  v: z.literal(1),
  run: z.string().min(1).max(200),
  stopped: z.object({ by: z.string().min(1).max(100), comment_id: z.number().int().positive() }).optional(),
});
export type Beacon = z.infer<typeof BeaconSchema>;

/** The beacon's body: its marker and a line for people (how to stop the run, or who stopped it). */
export function beaconBody(beacon: Beacon, command: string): string {
  const text = beacon.stopped
    ? `🛑 This run was stopped by ${beacon.stopped.by} (comment ${beacon.stopped.comment_id}): no new agent starts, running agents are stopped and their work saved.`
    : `🛑 To stop this run, comment \`${command.replace(/`/g, '')} stop\` (it takes write permission on the repository).`;
  return `${OPEN}${embedJson(beacon)}${CLOSE}\n${text}`;
}

/** The beacon a body carries; undefined for anything else. Never throws. */
export function readBeacon(body: string): Beacon | undefined {
  if (typeof body !== 'string' || !body.startsWith(OPEN)) return undefined;
  const end = body.indexOf(CLOSE, OPEN.length);
  if (end < 0) return undefined;
  try {
    const parsed = BeaconSchema.safeParse(JSON.parse(body.slice(OPEN.length, end)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The run's beacon: the earliest comment written by the action's identity that carries one for `run`. */
export function findBeacon(
  comments: readonly ThreadComment[],
  trust: Trust,
  run: string,
): { comment: ThreadComment; beacon: Beacon } | undefined {
  const found = earliestTrusted(comments, trust, (body) => {
    const beacon = readBeacon(body);
    return beacon?.run === run ? beacon : undefined;
  });
  return found && { comment: found.comment, beacon: found.value };
}
