// Comment bodies: a part a person reads (the seed's markers, a sentence, a task list) and the message itself
// as JSON inside an HTML comment, hidden when GitHub renders the thread.
import { MessageSchema, type Message, type MessageInput } from './messages.js';

export const GITHUB_COMMENT_LIMIT = 65_536;
const OPEN = '<!-- p2p-dev ';
const CLOSE = ' -->';

export type Decoded =
  | { kind: 'message'; message: Message }
  /** Not a protocol comment at all: people talking. */
  | { kind: 'chatter' }
  /** Looks like a protocol comment but is not a valid one. */
  | { kind: 'malformed'; reason: string };

/** JSON that cannot close the HTML comment it sits in: `<`, `>` and `&` are written as \u escapes. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function encode(message: MessageInput, humanText: string): string {
  const parsed = MessageSchema.parse(message);
  return `${humanText.trimEnd()}\n\n${OPEN}${embedJson(parsed)}${CLOSE}\n`;
}

const MARKERS = ['LEADER_ELECTION', 'NODE_ANNOUNCE', 'TASKS_DATA', 'CLAIM', 'PROGRESS', 'HEARTBEAT'];

/**
 * Decoding is pure, and a node folds the same comments on every poll: remember the latest results, by body.
 * What is remembered is handed out to every caller, so it is frozen, deeply: a caller that changed it would
 * change every later fold.
 */
const decoded = new Map<string, Decoded>();
/** The cache keeps its keys (whole bodies) alive: it is bounded by their length, not their number. */
const DECODED_CHARS = 2_000_000;
let decodedChars = 0;

export function decode(body: string | null | undefined): Decoded {
  if (!body) return { kind: 'chatter' };
  // Without a payload there is nothing to parse, and nothing worth remembering (people's comments can be long).
  if (!body.includes(OPEN)) return decodeBody(body);
  const known = decoded.get(body);
  if (known) return known;
  const result = deepFreeze(decodeBody(body));
  if (decodedChars + body.length > DECODED_CHARS) {
    decoded.clear();
    decodedChars = 0;
  }
  decoded.set(body, result);
  decodedChars += body.length;
  return result;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function decodeBody(body: string): Decoded {
  const start = body.lastIndexOf(OPEN);
  if (start < 0) {
    // A comment that shows a marker but carries no payload is someone imitating the protocol.
    return MARKERS.some((m) => body.includes(`${m}`)) && /[🎯📡📦📊💓]/u.test(body)
      ? { kind: 'malformed', reason: 'protocol marker without a p2p-dev payload' }
      : { kind: 'chatter' };
  }
  const end = body.indexOf(CLOSE, start + OPEN.length);
  if (end < 0) return { kind: 'malformed', reason: 'unterminated p2p-dev payload' };
  let json: unknown;
  try {
    json = JSON.parse(body.slice(start + OPEN.length, end));
  } catch (error) {
    return { kind: 'malformed', reason: `payload is not JSON (${(error as Error).message})` };
  }
  if (typeof json === 'object' && json !== null && 'p2p' in json && json.p2p !== 1) {
    return { kind: 'malformed', reason: `unsupported protocol version ${JSON.stringify(json.p2p)}` };
  }
  const result = MessageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      kind: 'malformed',
      reason: `invalid message: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown'}`,
    };
  }
  return { kind: 'message', message: result.data };
}
