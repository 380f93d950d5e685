#!/usr/bin/env node
// A stand-in for the Claude Code CLI, as the claude preset runs it (`claude -p --output-format stream-json
// --verbose … --max-budget-usd X`, the prompt on stdin): it "spends" what its task wants (STAND_IN_WANTS, a
// JSON map of task ids to dollars; STAND_IN_WANT otherwise), but never more than --max-budget-usd, as Claude
// Code keeps to it, and reports it in the stream-json result event (`total_cost_usd`). Each run is logged to
// STAND_IN_LOG: `start <task> <node> <attempt> <cap> <ms>` and `end <task> <node> <attempt> <spent> <ms>` (wall-clock ms).
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const at = argv.indexOf('--max-budget-usd');
const cap = at >= 0 ? Number(argv[at + 1]) : undefined;
const env = process.env;
const task = env.P2P_TASK_ID ?? '?';
const wants = JSON.parse(env.STAND_IN_WANTS ?? '{}');
const want = Number(wants[task] ?? env.STAND_IN_WANT ?? '0.30');
const spent = cap === undefined ? want : Math.min(want, cap);
const log = (event, usd) => {
  if (env.STAND_IN_LOG)
    appendFileSync(
      env.STAND_IN_LOG,
      `${event} ${task} ${env.P2P_NODE_ID} ${env.P2P_ATTEMPT} ${usd} ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`,
    );
};

let prompt = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) prompt += chunk;
log('start', cap ?? 'none');
const session = `stand-in-${process.pid}`;
const print = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
print({ type: 'system', subtype: 'init', session_id: session, model: 'claude-stand-in' });
await new Promise((resolve) => setTimeout(resolve, Number(env.STAND_IN_SLEEP_MS ?? '1000')));
print({
  type: 'assistant',
  session_id: session,
  message: {
    content: [{ type: 'text', text: `Worked on ${task} (${prompt.length} characters of prompt).` }],
  },
});
log('end', spent.toFixed(4));
print({
  type: 'result',
  subtype: 'success',
  is_error: false,
  session_id: session,
  result: `Done with ${task}.`,
  total_cost_usd: spent,
  num_turns: 1,
  usage: { input_tokens: 1000, output_tokens: 100 },
});
