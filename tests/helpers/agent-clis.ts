// The agent CLIs the tests run are the devDependencies pinned in package.json, found in node_modules/.bin.
import path from 'node:path';

export const CLI_BIN = path.resolve(import.meta.dirname, '../../node_modules/.bin');

/** A PATH with the pinned CLIs first, and the machine's own tools (bash, git, npm) after them. */
export const cliPath = (): string => `${CLI_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`;
