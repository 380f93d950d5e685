// An agent that finishes its work, then has GitHub hold back its node's next write to its claim comment: a
// secondary rate limit answered without retry-after (the client must then wait a minute), as GitHub does.
// Run by the held-back end-to-end test for the first attempt of task-1 only.
const api = process.env.GITHUB_API_URL;
const issue = process.env.P2P_ISSUE_NUMBER;
const comments = await (await fetch(`${api}/_emulator/comments?issue=${issue}`)).json();
// The control route gives every version of each comment; the first is what was posted.
const mine = comments.find((c) => {
  const body = c.versions?.[0]?.body ?? '';
  return (
    body.includes(`"node":"${process.env.P2P_NODE_ID}"`) &&
    body.includes(`"task":"${process.env.P2P_TASK_ID}"`) &&
    body.includes('"type":"claim"')
  );
});
if (!mine) throw new Error('no claim comment of mine');
await fetch(`${api}/_emulator/faults`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    kind: 'secondary-rate-limit',
    count: 1,
    status: Number(process.env.HOLD_STATUS ?? 403),
    match: { method: 'PATCH', pathIncludes: `/issues/comments/${mine.id}` },
  }),
});
console.log(`finished; GitHub will hold back the write to comment ${mine.id}`);
