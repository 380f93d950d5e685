// The runner starts the node with its token in the environment (INPUT_GITHUB-TOKEN, often GITHUB_TOKEN too),
// and a process's initial environment stays readable in /proc/<pid>/environ to every process of the same user:
// an agent could read the token there, whatever the node gives the agent itself. So once the node has read its
// inputs, it overwrites those values in place, in its own memory (through /proc/self/mem, at the addresses
// /proc/self/stat names), and checks that /proc/self/environ no longer shows them. Linux only; elsewhere, or if
// the kernel refuses, it says so and the node goes on.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/** Fields 50 and 51 of /proc/self/stat (Linux 3.5+): where the initial environment starts and ends. */
function environBounds(): { start: number; end: number } | undefined {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[50 - 3]);
  const end = Number(fields[51 - 3]);
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && end > start ? { start, end } : undefined;
}

export interface ScrubResult {
  /** Variables whose values were overwritten. */
  scrubbed: string[];
  /** Why it could not be done, when it could not. */
  failed?: string;
}

/**
 * Overwrite, in this process's initial environment, the values of the variables `shouldHide` picks (by name
 * and value). Their values in process.env read as `*` from then on: read everything needed first.
 */
export function scrubInitialEnvironment(shouldHide: (name: string, value: string) => boolean): ScrubResult {
  if (process.platform !== 'linux') return { scrubbed: [], failed: `not on Linux (${process.platform})` };
  let fd: number | undefined;
  try {
    const bounds = environBounds();
    if (!bounds) return { scrubbed: [], failed: '/proc/self/stat names no environment' };
    const block = readFileSync('/proc/self/environ');
    fd = openSync('/proc/self/mem', 'r+');
    const scrubbed: string[] = [];
    let offset = 0;
    for (const entry of block.toString('latin1').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) {
        const name = entry.slice(0, eq);
        const value = Buffer.from(entry.slice(eq + 1), 'latin1').toString('utf8');
        if (value && shouldHide(name, value)) {
          const length = Buffer.byteLength(entry.slice(eq + 1), 'latin1');
          writeSync(fd, Buffer.alloc(length, '*'), 0, length, bounds.start + offset + eq + 1);
          scrubbed.push(name);
        }
      }
      offset += Buffer.byteLength(entry, 'latin1') + 1;
    }
    const after = readFileSync('/proc/self/environ').toString('latin1');
    const left = scrubbed.filter((name) => !after.includes(`${name}=*`));
    if (left.length > 0) return { scrubbed, failed: `the values of ${left.join(', ')} are still readable` };
    return { scrubbed };
  } catch (error) {
    return { scrubbed: [], failed: (error as Error).message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
