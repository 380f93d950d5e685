// V8 settings that keep a node under 100 MB of RSS (BENCHMARKS.md has the figures). Set before the first
// request; these are the ones that take effect once V8 is running (heap limits such as --max-semi-space-size
// do not):
// - Node's fetch parses HTTP with llhttp compiled to WebAssembly, and TurboFan compiling it again once it is
//   hot takes ~22 MB for a moment; Liftoff's code is fast enough for a few requests a second.
// - The young generation stays at its first 1 MB semi-spaces instead of growing to 16 MB ones.
// - The heap grows, and is given back, as when memory is short.
import v8 from 'node:v8';

export function tuneMemory(): void {
  for (const flag of ['--liftoff-only', '--semi-space-growth-factor=1', '--optimize-for-size'])
    v8.setFlagsFromString(flag);
}
