// A local stand-in for Anthropic's Messages API (what Claude Code calls at ANTHROPIC_BASE_URL), for the tests
// and the demo: the real Claude Code CLI runs against it. Each request is answered by a script: a shell
// command to run (a Bash tool call) or a final text. Streaming (SSE) and plain answers, each with the usage
// Claude Code prices.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MessagesRequest {
  model: string;
  stream?: boolean;
  tools?: { name: string }[];
  messages: { role: string; content: string | { type: string; text?: string; content?: unknown }[] }[];
}

export type Answer = { bash: string } | { text: string };

export interface StandIn {
  url: string;
  /** Every Messages request, in order. */
  requests: MessagesRequest[];
  close(): Promise<void>;
}

/** Per request: 1000 tokens in, 50 out (Claude Code prices them, so the run reports a cost). */
export const STAND_IN_USAGE = { input_tokens: 1000, output_tokens: 50 };

/** Whether the conversation's last message carries a tool's result (the tool call was answered). */
export function answeredTool(request: MessagesRequest): boolean {
  const last = request.messages.at(-1);
  return Array.isArray(last?.content) && last.content.some((c) => c.type === 'tool_result');
}

/** The text of every tool result in the conversation so far. */
export function toolResults(request: MessagesRequest): string[] {
  return request.messages.flatMap((m) =>
    Array.isArray(m.content)
      ? m.content
          .filter((c) => c.type === 'tool_result')
          .map((c) => (typeof c.content === 'string' ? c.content : JSON.stringify(c.content)))
      : [],
  );
}

/** The common script: run `command` once, then finish with `text`. */
export const runThenFinish =
  (command: string, text = 'Done.') =>
  (request: MessagesRequest): Answer =>
    answeredTool(request) || !request.tools?.some((t) => t.name === 'Bash') ? { text } : { bash: command };

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAnthropicStandIn(answer: (request: MessagesRequest) => Answer): Promise<StandIn> {
  const requests: MessagesRequest[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      const url = req.url ?? '';
      if (req.method !== 'POST' || !url.startsWith('/v1/messages')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: url } }));
        return;
      }
      if (url.startsWith('/v1/messages/count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: STAND_IN_USAGE.input_tokens }));
        return;
      }
      const request = JSON.parse(text) as MessagesRequest;
      requests.push(request);
      n += 1;
      const a = answer(request);
      type Block =
        | { type: 'text'; text: string }
        | { type: 'tool_use'; id: string; name: string; input: { command: string; description: string } };
      const content: Block[] =
        'bash' in a
          ? [
              {
                type: 'tool_use',
                id: `toolu_${n}`,
                name: 'Bash',
                input: { command: a.bash, description: 'run' },
              },
            ]
          : [{ type: 'text', text: a.text }];
      const stop = 'bash' in a ? 'tool_use' : 'end_turn';
      const usage = { ...STAND_IN_USAGE, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      const message = {
        id: `msg_${n}`,
        type: 'message',
        role: 'assistant',
        model: request.model,
        content,
        stop_reason: stop,
        stop_sequence: null,
        usage,
      };
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${n}` });
        res.end(JSON.stringify(message));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${n}` });
      const send = (event: string, data: object): boolean =>
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('message_start', {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
      });
      content.forEach((block, index) => {
        if (block.type === 'text') {
          send('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'text', text: '' },
          });
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: block.text },
          });
        } else {
          send('content_block_start', {
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
          });
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
          });
        }
        send('content_block_stop', { type: 'content_block_stop', index });
      });
      send('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: STAND_IN_USAGE.output_tokens },
      });
      send('message_stop', { type: 'message_stop' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The environment that points Claude Code at the stand-in, with nothing of the machine's own setup. */
export function claudeEnvFor(standIn: StandIn, home: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: standIn.url,
    ANTHROPIC_API_KEY: 'sk-ant-stand-in',
    HOME: home,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  };
}
