// A page of an issue's comments as the thread keeps it (thread.ts): the listing's pages and how they are
// chosen (a `since` listing's further pages overlap the one before), a listing's JSON read an item at a time
// from the byte stream, and each comment cut down as it comes to what the node can use.
import { StringDecoder } from 'node:string_decoder';
import type { ThreadComment } from '../protocol/thread-comment.js';
import { decode } from '../protocol/codec.js';
import { sanitizeText } from '../sanitize.js';

/**
 * People's comments (no protocol payload) are kept only as far as they can be used: those `keeps` refuses
 * with an empty body, the others sanitised and cut to their last `chars` characters. Without it, whole.
 */
export interface ChatterRule {
  keeps: (comment: ThreadComment) => boolean;
  chars: number;
  /** Comments kept whole, whoever wrote them (who may edit them is checked where they are used). */
  whole?: (comment: ThreadComment) => boolean;
}

export type RawComment = ThreadComment & { user: { login: string; id: number; type?: string } | null };

/** GitHub's largest page of comments: a thread shorter than this is read in one (conditional) request. */
export const PER_PAGE = 100;

export function toComment(raw: RawComment): ThreadComment {
  return {
    id: raw.id,
    body: raw.body ?? '',
    user: raw.user
      ? { login: raw.user.login, id: raw.user.id, ...(raw.user.type ? { type: raw.user.type } : {}) }
      : null,
    created_at: raw.created_at,
    updated_at: raw.updated_at,
    ...(raw.html_url ? { html_url: raw.html_url } : {}),
    ...(raw.author_association ? { author_association: raw.author_association } : {}),
  };
}

/** How many times a protocol message was edited (its `beat`); -1 for other comments. */
export function revision(body: string): number {
  const decoded = decode(body);
  return decoded.kind === 'message' && 'beat' in decoded.message ? decoded.message.beat : -1;
}

export function nextLink(link: string | undefined): string | undefined {
  return link
    ?.split(',')
    .find((part) => /rel="next"/.test(part))
    ?.match(/<([^>]+)>/)?.[1];
}

/**
 * The items of a JSON array read from a byte stream, each parsed on its own as soon as it is complete: the
 * array's text is never held whole. Items must be objects or arrays (a listing's are).
 */
export async function eachArrayItem(
  stream: AsyncIterable<Uint8Array>,
  each: (item: unknown) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let buf = '';
  let pos = 0;
  let depth = 0;
  let start = -1;
  let inString = false;
  let opened = false;
  // Jumps from one character that matters to the next (a string's quote or backslash; outside strings, quotes
  // and brackets), so that a long comment costs a few regex steps, not a loop over its characters.
  const inStr = /["\\]/g;
  const outStr = /["{}[\]]/g;
  const scan = (): void => {
    for (;;) {
      const re = inString ? inStr : outStr;
      re.lastIndex = pos;
      const m = re.exec(buf);
      if (!m) {
        pos = buf.length;
        break;
      }
      pos = m.index;
      const ch = buf.charCodeAt(pos);
      if (inString) {
        if (ch === 92) {
          if (pos + 1 >= buf.length) break; // the escaped character is in the next chunk
          pos += 2;
          continue;
        }
        inString = false;
      } else if (ch === 34) inString = true;
      else if (ch === 123 || ch === 91) {
        if (depth === 0 && ch !== 91) throw new Error('a comment listing that is not a JSON array');
        depth += 1;
        opened = true;
        if (depth === 2) start = pos;
      } else {
        if (depth === 2 && start >= 0) {
          each(JSON.parse(buf.slice(start, pos + 1)));
          start = -1;
        }
        depth -= 1;
      }
      pos += 1;
    }
    const from = start >= 0 ? start : pos;
    buf = buf.slice(from);
    pos -= from;
    if (start >= 0) start = 0;
  };
  for await (const chunk of stream) {
    buf += decoder.write(chunk);
    scan();
  }
  buf += decoder.end();
  scan();
  if (!opened || depth !== 0) throw new Error('a comment listing that is not a complete JSON array');
}

/** How much of a malformed protocol comment is kept (with ThreadOptions.chatter). */
const MALFORMED_KEPT = 2000;

/** How many comments each further page of a `since` listing re-reads from the one before. */
const OVERLAP = 20;

/**
 * The page (and page size, 50–100) that starts between OVERLAP items and one item before offset `end`;
 * undefined past a few thousand items, where no page size lands there.
 */
export function overlappingPage(end: number): { page: number; perPage: number } | undefined {
  for (let perPage = PER_PAGE; perPage >= PER_PAGE / 2; perPage -= 1) {
    const start = Math.floor((end - 1) / perPage) * perPage;
    if (start >= end - OVERLAP && start < end) return { page: start / perPage + 1, perPage };
  }
  return undefined;
}

/** A comment as kept: see ChatterRule. */
export function keptComment(raw: RawComment, rule: ChatterRule | undefined): ThreadComment {
  const comment = toComment(raw);
  if (!rule || comment.body === '') return comment;
  const kind = decode(comment.body).kind;
  // A payload that is not a message (the action writes none) is only ever reported as malformed: its start
  // says enough, and what follows is not kept.
  if (kind === 'malformed' && comment.body.length > MALFORMED_KEPT)
    return {
      ...comment,
      body: Buffer.from(comment.body.slice(0, MALFORMED_KEPT), 'utf8').toString('utf8'),
    };
  if (kind !== 'chatter' || rule.whole?.(comment)) return comment;
  if (!rule.keeps(comment)) return { ...comment, body: '' };
  if (comment.body.length <= rule.chars) return comment;
  const text = sanitizeText(comment.body);
  if (text.length <= rule.chars) return { ...comment, body: text };
  // A copy: a slice would keep the whole text alive (V8 shares the characters of a long substring).
  return { ...comment, body: Buffer.from(text.slice(-rule.chars), 'utf8').toString('utf8') };
}
