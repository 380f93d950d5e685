// Writes are the scarce resource (issue 20): every node writes as one identity, which GitHub lets make 500
// content-creating requests an hour. The real node code at 20 nodes and the action's defaults, on the
// simulation's virtual clock (bench/figures.ts): heartbeats are paced for the matrix, so an outcome is all a
// claim comment is edited for, and most outcomes are not edited in at all: the node's next claim carries them;
// the checklist is edited at most once a minute, not once per outcome.
import { describe, expect, it } from 'vitest';
import { runRow } from '../../bench/figures.js';

describe('writes at 20 nodes', () => {
  it(
    'records most outcomes with the next claim, and edits the checklist about once a minute',
    { timeout: 300_000 },
    async () => {
      const row = await runRow('p2p-dev', 20, 60);
      expect(row.completed).toBe(60);
      const kinds = row.writesPerTaskByKind;
      // Agents of 3–10 minutes: at the settings' 5-minute heartbeat seven claims in ten were edited once more
      // (1.71 edits per claim); paced to every 12 minutes, none are.
      expect(kinds['edit claim']).toBeLessThanOrEqual(1.05);
      // An outcome edited into its own claim only when its node claims nothing at once after it (a node's last
      // task, a task held back for others): 1.0 a task before the next claim carried outcomes.
      expect(kinds['edit claim']).toBeLessThan(0.5);
      // One edit per outcome before (1.0 a task); spaced a minute apart now.
      const checklistEdits = (kinds['edit chatter'] ?? 0) * 60;
      expect(checklistEdits).toBeLessThanOrEqual(row.virtualMinutes + 2);
      // 2.32 here (bids are a third of it at three tasks a node); 2.9 before outcomes were carried.
      expect(row.writesPerTask).toBeLessThan(2.6);
    },
  );
});
