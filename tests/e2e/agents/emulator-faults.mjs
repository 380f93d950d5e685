// What the end-to-end tests' fault-making agents share: finding the claim comment of the node that runs them,
// and queueing a fault in the emulator (GITHUB_API_URL, whose control routes are at /_emulator/).
const api = process.env.GITHUB_API_URL;

/** The claim comment of this agent's node for its task (the control route gives every version; the first is what was posted). */
export async function myClaim() {
  const comments = await (
    await fetch(`${api}/_emulator/comments?issue=${process.env.P2P_ISSUE_NUMBER}`)
  ).json();
  const mine = comments.find((c) => {
    const body = c.versions?.[0]?.body ?? '';
    return (
      body.includes(`"node":"${process.env.P2P_NODE_ID}"`) &&
      body.includes(`"task":"${process.env.P2P_TASK_ID}"`) &&
      body.includes('"type":"claim"')
    );
  });
  if (!mine) throw new Error('no claim comment of mine');
  return mine;
}

/** Queue a fault in the emulator. */
export async function queueFault(fault) {
  await fetch(`${api}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
}
