// An agent that finishes its work, then takes GitHub away from every node for a while (`DOWN_MS`, connections
// reset or 503s by `DOWN_MODE`), and has the first `SLOW_WRITES` writes to its node's claim comment after it
// answered 503: its outcome gets through a few seconds after the others can read again, as when GitHub comes
// back unevenly. Run by the silence end-to-end test for the first attempt of task-1 only.
const api = process.env.GITHUB_API_URL;
const issue = process.env.P2P_ISSUE_NUMBER;
const comments = await (await fetch(`${api}/_emulator/comments?issue=${issue}`)).json();
const mine = comments.find((c) => {
  const body = c.versions?.[0]?.body ?? '';
  return (
    body.includes(`"node":"${process.env.P2P_NODE_ID}"`) &&
    body.includes(`"task":"${process.env.P2P_TASK_ID}"`) &&
    body.includes('"type":"claim"')
  );
});
if (!mine) throw new Error('no claim comment of mine');
const post = (fault) =>
  fetch(`${api}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
await post({
  kind: 'status',
  status: 503,
  count: Number(process.env.SLOW_WRITES ?? 2),
  match: { method: 'PATCH', pathIncludes: `/issues/comments/${mine.id}` },
});
await post({
  kind: 'down',
  forMs: Number(process.env.DOWN_MS ?? 6000),
  mode: process.env.DOWN_MODE ?? 'reset',
});
console.log(`finished; GitHub is away, then slow for comment ${mine.id}`);
