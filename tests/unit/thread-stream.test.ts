// Reading a comment listing a comment at a time (never the page whole), and keeping of people's comments only
// what the prompt can use.
import { describe, expect, it } from 'vitest';
import { eachArrayItem } from '../../src/github/comment-listing.js';

async function* chunksOf(bytes: Buffer, sizes: () => number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length;) {
    const n = sizes();
    yield bytes.subarray(i, i + n);
    i += n;
  }
}

describe('eachArrayItem', () => {
  it('gives each item of a JSON array as it would parse whole, however the bytes are split', async () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const alphabet = ['a', '"', '\\', '{', '}', '[', ']', 'é', '💓', '\n', ' ', '\u2028', ','];
    const text = (): string =>
      Array.from(
        { length: Math.floor(random() * 40) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    for (let t = 0; t < 500; t++) {
      const items = Array.from({ length: Math.floor(random() * 6) }, (_, id) => ({
        id,
        body: text(),
        user: { login: text(), n: [1, { x: text() }] },
        e: [],
      }));
      const bytes = Buffer.from(JSON.stringify(items, null, random() < 0.5 ? 0 : 2));
      const got: unknown[] = [];
      await eachArrayItem(
        chunksOf(bytes, () => 1 + Math.floor(random() * 9)),
        (item) => got.push(item),
      );
      expect(got).toEqual(items);
    }
  });

  it('refuses what is not a complete array of objects', async () => {
    for (const bad of ['{"message":"x"}', '[{"a":1}', ''])
      await expect(
        eachArrayItem(
          chunksOf(Buffer.from(bad), () => 4),
          () => {},
        ),
      ).rejects.toThrow(/JSON array/);
  });
});
