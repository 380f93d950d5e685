// Files the node shares with the agent (prompts, the usage and plan files, its scratch space in RUNNER_TEMP)
// are files the agent can replace: with a link to /dev/zero, a FIFO that blocks whoever opens it, a link into
// the node's own files. The node reads them only as regular files, without blocking and up to a limit, and
// writes them only as new files of its own, after taking away whatever stood at their name.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';

/**
 * The text of a regular file, at most `limit` bytes: undefined when there is none; an error when what is
 * there is not a regular file (or is a link, unless `followLinks`), or is longer. Never blocks on a FIFO or a
 * device.
 */
export function readBounded(
  file: string,
  limit: number,
  options: { followLinks?: boolean } = {},
): { text?: string; error?: string } {
  let fd: number;
  try {
    const flags =
      constants.O_RDONLY | constants.O_NONBLOCK | (options.followLinks ? 0 : constants.O_NOFOLLOW);
    fd = openSync(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    return { error: code === 'ELOOP' ? `${file} is a symbolic link` : (error as Error).message };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { error: `${file} is not a regular file` };
    if (stat.size > limit) return { error: `${file} holds ${stat.size} bytes (at most ${limit})` };
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > limit) return { error: `${file} holds more than ${limit} bytes` };
    }
    return { text: buffer.subarray(0, length).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** Write `text` as a new file of the node's own at `file`, whatever stood there (a link, a FIFO) gone first. */
export function writeFresh(file: string, text: string): void {
  rmSync(file, { force: true, recursive: true });
  // 'wx': fail rather than write through something put there since.
  writeFileSync(file, text, { flag: 'wx', mode: 0o644 });
}

/** A directory of the node's own at `dir`: made if missing, made again if something else (a link) stands there. */
export function ownDir(dir: string): string {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (stat && !(stat.isDirectory() && !stat.isSymbolicLink())) rmSync(dir, { force: true, recursive: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
