// Local stand-ins for OpenAI's Responses API (what the Codex CLI calls) and Google's Gemini API (the Gemini
// CLI), enough for the real CLIs to finish a turn: ask once for a shell command, then answer with text.
// (Claude's stand-in, used by the demo too, is scripts/anthropic-stand-in.ts.)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelStandIn {
  url: string;
  /** Request bodies, parsed, in order. */
  requests: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function serve(
  handle: (path: string, body: Record<string, unknown>, res: ServerResponse) => void,
): Promise<ModelStandIn> {
  const requests: ModelStandIn['requests'] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        // not JSON: answered all the same
      }
      const path = req.url ?? '/';
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
        return;
      }
      requests.push({ path, body });
      handle(path, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sse = (res: ServerResponse, events: object[], named: boolean): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events)
    res.write(`${named ? `event: ${(e as { type: string }).type}\n` : ''}data: ${JSON.stringify(e)}\n\n`);
  res.end();
};

/** The Responses API: a command through Codex's `exec` tool, then a message. 100 in / 10 out per request. */
export function openAiStandIn(command: string, text = 'Done.'): Promise<ModelStandIn> {
  return serve((_path, body, res) => {
    const input = Array.isArray(body.input) ? (body.input as { type?: string }[]) : [];
    const answered = input.some(
      (i) => i.type === 'custom_tool_call_output' || i.type === 'function_call_output',
    );
    const usage = {
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 10,
      total_tokens: 110,
    };
    const item = answered
      ? { type: 'message', role: 'assistant', id: 'msg_1', content: [{ type: 'output_text', text }] }
      : {
          type: 'custom_tool_call',
          id: 'ctc_1',
          call_id: 'call_1',
          name: 'exec',
          input: `const r = await tools.exec_command({cmd: ${JSON.stringify(command)}, yield_time_ms: 20000}); text(JSON.stringify(r));`,
        };
    sse(
      res,
      [
        { type: 'response.created', response: { id: 'resp_1' } },
        { type: 'response.output_item.done', item },
        { type: 'response.completed', response: { id: 'resp_1', usage } },
      ],
      true,
    );
  });
}

/** The Gemini API: the CLI's router call answered, then a run_shell_command call, then text. */
export function geminiStandIn(command: string, text = 'Done.'): Promise<ModelStandIn> {
  const usageMetadata = { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 };
  return serve((path, body, res) => {
    const contents = Array.isArray(body.contents) ? (body.contents as { parts?: object[] }[]) : [];
    const answered = contents.some((c) => (c.parts ?? []).some((p) => 'functionResponse' in p));
    if (path.includes(':generateContent')) {
      const routed = { reasoning: 'simple', complexity_score: 10 };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          candidates: [
            { content: { role: 'model', parts: [{ text: JSON.stringify(routed) }] }, finishReason: 'STOP' },
          ],
          usageMetadata,
          modelVersion: 'stand-in',
        }),
      );
      return;
    }
    const parts = answered
      ? [{ text }]
      : [{ functionCall: { name: 'run_shell_command', args: { command, description: 'run' } } }];
    sse(
      res,
      [
        {
          candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
          usageMetadata,
          modelVersion: 'stand-in',
        },
      ],
      false,
    );
  });
}
