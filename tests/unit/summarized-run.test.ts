// Which run the summary job sums up: its own attempt when its nodes wrote it, else the latest earlier attempt
// of the same workflow run the action wrote ("Re-run failed jobs" re-runs the summary job alone).
import { describe, expect, it } from 'vitest';
import { summarizedRun } from '../../src/protocol/summarized-run.js';
import { BOT, MALLORY, T0, ThreadBuilder, trust } from '../helpers/thread-builder.js';

const bidOf = (t: ThreadBuilder, run: string, user = BOT) => t.bid('n1', T0, { run }, user);

describe('the run the summary job sums up', () => {
  it('is the latest attempt, up to its own, that the action wrote', () => {
    const t = new ThreadBuilder();
    bidOf(t, '4242.1');
    expect(summarizedRun(t.comments, trust, '4242', 2)).toBe('4242.1');
    expect(summarizedRun(t.comments, trust, '4242', 1)).toBe('4242.1');
    // A full re-run: its nodes wrote attempt 2.
    bidOf(t, '4242.2');
    expect(summarizedRun(t.comments, trust, '4242', 2)).toBe('4242.2');
    expect(summarizedRun(t.comments, trust, '4242', 3)).toBe('4242.2');
    // Another workflow run's messages, a later attempt than its own, or a forgery: not it.
    bidOf(t, '9999.5');
    bidOf(t, '4242.7');
    bidOf(t, '4242.3', MALLORY);
    expect(summarizedRun(t.comments, trust, '4242', 3)).toBe('4242.2');
    // Nothing written yet: its own.
    expect(summarizedRun([], trust, '4242', 2)).toBe('4242.2');
  });
});
