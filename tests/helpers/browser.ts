// The browser the dashboard's tests drive: Chromium from npm (@sparticuz/chromium ships a headless build,
// brotli-compressed, that runs on a bare Linux machine), so that `npm ci && npm test` needs no system browser.
// CHROMIUM_PATH picks another one. Unpacked once into node_modules/.cache; a missing browser fails the tests
// with what to do, never skips them.
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The one call of tar-fs used here (the package has no types of its own). */
interface TarFs {
  extract(dir: string): Writable;
}

/** Where the package's compressed binaries are, and its version (the cache is per version). */
function sparticuz(): { bin: string; version: string; tarFs: TarFs } {
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new Error(
      'no browser for the dashboard tests: run `npm ci` (it installs @sparticuz/chromium), or set CHROMIUM_PATH',
    );
  }
  // The package exports only its code: its folder is the one above build/.
  const manifest = path.join(
    entry.slice(0, entry.lastIndexOf(`${path.sep}build${path.sep}`)),
    'package.json',
  );
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  // tar-fs is the package's own dependency: resolved from where it is installed.
  const tarFs = createRequire(manifest)('tar-fs') as TarFs;
  return { bin: path.join(path.dirname(manifest), 'bin'), version, tarFs };
}

/** Unpack chromium.br and its software GL (swiftshader) into one folder, whole or not at all. */
async function unpack(): Promise<string> {
  const { bin, version, tarFs } = sparticuz();
  const root = path.resolve(import.meta.dirname, '../../node_modules/.cache');
  const dir = path.join(root, `sparticuz-chromium-${version}`);
  const executable = path.join(dir, 'chromium');
  if (existsSync(executable)) return executable;
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await pipeline(
    createReadStream(path.join(bin, 'chromium.br')),
    createBrotliDecompress(),
    createWriteStream(path.join(staging, 'chromium'), { mode: 0o755 }),
  );
  await pipeline(
    createReadStream(path.join(bin, 'swiftshader.tar.br')),
    createBrotliDecompress(),
    tarFs.extract(staging),
  );
  writeFileSync(path.join(staging, 'FROM'), `@sparticuz/chromium ${version}\n`);
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another test process unpacked it first: theirs is as good.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(executable)) throw error;
  }
  return executable;
}

/** The path of the Chromium to drive: CHROMIUM_PATH, else the one from npm (unpacked on first use). */
export async function chromiumPath(): Promise<string> {
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`CHROMIUM_PATH is ${chosen}, which does not exist`);
    return chosen;
  }
  return unpack();
}

/** A headless Chromium through playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
