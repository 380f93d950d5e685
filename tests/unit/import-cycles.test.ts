// The layers import one way: no module of the emulator, the protocol or the dashboard imports, even for a type,
// a module that imports it back (the emulator's control routes and its handler once did).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? modules(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every cycle of relative imports among the modules under `dirs`, as paths from the repository's root. */
function cycles(dirs: string[]): string[] {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => modules(path.resolve(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)]
      .map((m) => path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '.ts'))
      .filter((d) => existsSync(d));
    graph.set(file, deps);
  }
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open')
        found.push(
          stack
            .slice(stack.indexOf(d))
            .map((x) => path.relative(ROOT, x))
            .join(' -> '),
        );
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('import cycles', () => {
  it('the emulator, the protocol and the dashboard have none', () => {
    expect(cycles(['emulator', 'src/protocol', 'dashboard'])).toEqual([]);
  });

  it('finds one when two modules import each other, by type only too', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-cycles-'));
    writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.js';\nexport type A = B[];\n");
    writeFileSync(path.join(dir, 'b.ts'), "import { type A } from './a.js';\nexport type B = { a?: A };\n");
    writeFileSync(path.join(dir, 'c.ts'), "import type { A } from './a.js';\nexport type C = A;\n");
    expect(cycles([dir])).toHaveLength(1);
  });
});
