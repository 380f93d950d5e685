// A verdict given as a review of the task's pull request: which pull requests an idle node reads (those of
// the tasks awaiting a review), and which of their reviews count: approvals and requests for changes, of the
// work's commit, after it ended, not by the action itself, not relayed already.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import {
  pullNumber,
  pullVerdicts,
  relayedReviews,
  reviewedPulls,
  type PullReview,
} from '../../src/protocol/pull-review-verdicts.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';
import { earlierCompletions } from '../../src/protocol/carry-over.js';

const PR = 'https://github.example/octo-org/demo/pull/12';

function gated(pr: string | null = PR): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('n1', T0);
  t.plan(
    'n1',
    [task('task-1', { review: 'required' }), task('task-2', { depends_on: ['task-1'] })],
    T0 + 1000,
  );
  const c = t.claim('n1', 'task-1', T0 + 2000);
  t.update(c, T0 + 10_500, {
    state: 'completed',
    result: {
      exit_code: 0,
      duration_ms: 1,
      output_tail: '',
      branch: 'p2p/issue-1/task-1',
      commit: 'abc123',
      ...(pr ? { pr } : {}),
    },
  });
  return t;
}

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });

const review = (over: Partial<PullReview>): PullReview => ({
  id: 1,
  login: 'maria',
  userId: 7,
  state: 'APPROVED',
  body: '',
  submittedAt: T0 + 20_000,
  commitId: 'abc123',
  ...over,
});

describe('reviews of a task’s pull request', () => {
  it('are read only for the tasks awaiting a review that have a pull request', () => {
    expect(reviewedPulls(state(gated()), T0 + 15_000)).toEqual([
      { task: 'task-1', pull: 12, commit: 'abc123', since: T0 + 2000 },
    ]);
    expect(reviewedPulls(state(gated(null)), T0 + 15_000)).toEqual([]);
    const t = gated();
    t.review('task-1', 'approved', T0 + 30_000);
    expect(reviewedPulls(state(t), T0 + 31_000)).toEqual([]);
    expect(pullNumber(`${PR}#pullrequestreview-3`)).toBe(12);
    expect(pullNumber('https://github.example/o/r/issues/12')).toBeUndefined();
  });

  it('count approvals and requests for changes of the work, by people, once each', () => {
    const t = gated();
    const [target] = reviewedPulls(state(t), T0 + 15_000);
    const reviews = [
      review({ id: 1, state: 'COMMENTED', body: 'looks fine' }),
      review({ id: 2, state: 'APPROVED', submittedAt: T0 + 1000 }),
      review({ id: 8, state: 'APPROVED', login: 'renovate[bot]', userId: 99 }),
      review({ id: 9, state: 'APPROVED', login: 'autofix', userId: 98, userType: 'Bot' }),
      review({ id: 10, state: 'APPROVED', commitId: undefined }),
      review({ id: 3, state: 'APPROVED', commitId: 'old999' }),
      review({ id: 4, state: 'APPROVED', login: 'p2p-bot', userId: trust.ids.values().next().value }),
      review({ id: 5, state: 'PENDING', submittedAt: undefined }),
      review({ id: 7, state: 'CHANGES_REQUESTED', body: 'rename it' }),
      review({ id: 6, state: 'APPROVED', login: 'ana', userId: 8, htmlUrl: `${PR}#pullrequestreview-6` }),
    ];
    const asks = pullVerdicts(target!, reviews, new Set(), trust);
    expect(asks).toEqual([
      {
        reviewId: 6,
        pull: 12,
        login: 'ana',
        id: 8,
        verdict: 'approved',
        task: 'task-1',
        comments: '',
        htmlUrl: `${PR}#pullrequestreview-6`,
      },
      expect.objectContaining({ reviewId: 7, verdict: 'changes', comments: 'rename it' }),
    ]);
    t.review('task-1', 'approved', T0 + 30_000, { comment_id: undefined, review_id: 6 });
    const relayed = relayedReviews(state(t));
    expect([...relayed]).toEqual([6]);
    expect(pullVerdicts(target!, reviews, relayed, trust).map((a) => a.reviewId)).toEqual([7]);
  });
});

describe('work an earlier run did, carried over unreviewed', () => {
  it('awaits a verdict from this run’s plan on, and takes one', () => {
    const t = new ThreadBuilder();
    t.bid('n1', T0);
    t.plan(
      'n1',
      [
        task('task-1', {
          review: 'required',
          completed_in: { run: '4242.0', node: 'n9', branch: 'p2p/issue-1/task-1', pr: PR },
        }),
        task('task-2', { depends_on: ['task-1'] }),
      ],
      T0 + 1000,
    );
    expect(reviewedPulls(state(t), T0 + 5000)).toEqual([{ task: 'task-1', pull: 12, since: T0 + 1000 }]);
    t.review('task-1', 'approved', T0 + 6000, { comment_id: undefined, review_id: 3 });
    const s = state(t);
    expect(s.tasks.get('task-1')!.review).toMatchObject({ verdict: 'approved', reviewId: 3 });
    expect(reviewedPulls(s, T0 + 7000)).toEqual([]);
  });
});

describe('a person who reviewed twice', () => {
  it('is taken at their latest verdict', () => {
    const [target] = reviewedPulls(state(gated()), T0 + 15_000);
    const reviews = [
      review({ id: 4, state: 'CHANGES_REQUESTED', body: 'rename it' }),
      review({ id: 5, state: 'APPROVED', submittedAt: T0 + 25_000 }),
      review({ id: 6, state: 'COMMENTED', submittedAt: T0 + 26_000 }),
    ];
    expect(pullVerdicts(target!, reviews, new Set(), trust).map((a) => [a.reviewId, a.verdict])).toEqual([
      [5, 'approved'],
    ]);
    // Their latest verdict relayed already: nothing else of theirs is.
    expect(pullVerdicts(target!, reviews, new Set([5]), trust)).toEqual([]);
    // Their approval dismissed: no verdict of theirs, not the request for changes before it.
    const dismissed = [reviews[0]!, { ...reviews[1]!, state: 'DISMISSED' }];
    expect(pullVerdicts(target!, dismissed, new Set(), trust)).toEqual([]);
  });
});

describe('carried work whose commit is known', () => {
  it('is carried with the commit it was delivered as (its review timed out)', () => {
    const carried = earlierCompletions(gated().comments, trust, 'a-later-run', T0 + 7_200_000);
    expect(carried.get('task-1')).toMatchObject({ run: RUN, commit: 'abc123', pr: PR });
  });

  it('takes a review of that commit given before this run, after the earlier run’s nodes left', () => {
    const t = new ThreadBuilder();
    t.bid('n1', T0);
    const completed_in = {
      run: '4242.0',
      node: 'n9',
      branch: 'p2p/issue-1/task-1',
      pr: PR,
      commit: 'abc123',
    };
    t.plan('n1', [task('task-1', { review: 'required', completed_in })], T0 + 60_000);
    const [target] = reviewedPulls(state(t), T0 + 61_000);
    expect(target).toEqual({ task: 'task-1', pull: 12, commit: 'abc123', since: 0 });
    const given = [
      review({ id: 3, submittedAt: T0 + 20_000 }),
      review({ id: 4, login: 'ana', userId: 8, submittedAt: T0, commitId: 'other1' }),
    ];
    expect(pullVerdicts(target!, given, new Set(), trust).map((a) => a.reviewId)).toEqual([3]);
  });
});
