// Generated from action.yml by scripts/build.mjs: do not edit. The Actions runner fills in these defaults
// itself; a process started any other way (a test, the demo, an acceptance suite) gets them from here.
export const ACTION_DEFAULTS: Readonly<Record<string, string>> = {
  'mode': "node",
  'github-token': "${{ github.token }}",
  'issue-number': "",
  'instance': "1",
  'instances': "1",
  'agent-command': "",
  'planner-command': "",
  'settle-ms': "2000",
  'poll-interval-ms': "3000",
  'heartbeat-interval-s': "300",
  'lease-timeout-s': "900",
  'task-timeout-min': "60",
  'max-attempts': "2",
  'trigger-label': "p2p-dev",
  'trigger-command': "/p2p-dev",
  'max-instances': "10",
  'fail-on-task-failure': "true",
  'metrics-file': "",
  'trusted-authors': "",
};
