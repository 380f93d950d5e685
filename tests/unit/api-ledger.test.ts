import { describe, expect, it } from 'vitest';
import { ApiLedger } from '../../src/node/loop/api-ledger.js';
import { emptyStats } from '../../src/github/client.js';

describe('the API ledger', () => {
  it('books each counted request to the phase the node was in, and says so in one line', () => {
    const stats = emptyStats();
    const ledger = new ApiLedger(stats);
    stats.counted += 2; // the issue, the bid
    ledger.enter('electing');
    stats.counted += 3;
    stats.notModified += 4;
    ledger.enter('claiming');
    ledger.enter('working'); // nothing spent while claiming: left out
    stats.counted += 1;
    expect(ledger.phase).toBe('working');
    expect(ledger.line()).toBe('API use: 6 counted requests, 4 free 304s (joining 2, electing 3, working 1)');
  });
});
