// A bare repository's refs read straight from its files (loose refs, then packed-refs), and the ref updates a
// push asks for (the pkt-lines at the start of a receive-pack request), so that a push can be told to the API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The object a full ref name (`refs/heads/main`) points at in the bare repository `dir`, if it exists. */
export function readRef(dir: string, ref: string): string | undefined {
  if (!ref.startsWith('refs/') || ref.split('/').some((p) => p === '' || p === '.' || p === '..'))
    return undefined;
  try {
    const loose = readFileSync(path.join(dir, ref), 'utf8').trim();
    if (OID.test(loose)) return loose;
  } catch {
    // not loose: packed, or absent
  }
  let packed = '';
  try {
    packed = readFileSync(path.join(dir, 'packed-refs'), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of packed.split('\n')) {
    const [oid, name] = line.trim().split(' ');
    if (name === ref && oid && OID.test(oid)) return oid;
  }
  return undefined;
}

export interface RefUpdate {
  ref: string;
  before: string;
  after: string;
}

/** The ref updates at the start of a `git-receive-pack` request body (gzipped or not): `old new ref` lines. */
export function receivePackCommands(body: Buffer, gzip = false): RefUpdate[] {
  let buf = body;
  if (gzip) {
    try {
      buf = gunzipSync(body);
    } catch {
      return [];
    }
  }
  const updates: RefUpdate[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const length = Number.parseInt(buf.toString('latin1', at, at + 4), 16);
    if (!Number.isInteger(length) || length < 4) break; // a flush-pkt (0000) ends the commands
    const line = buf
      .toString('utf8', at + 4, at + length)
      .split('\0')[0]!
      .trim();
    at += length;
    const [before, after, ref] = line.split(' ');
    if (before && after && ref && OID.test(before) && OID.test(after)) updates.push({ ref, before, after });
  }
  return updates;
}
