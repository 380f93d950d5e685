// A watch that runs beside an agent: a look every so often until it finds what it watches for or is stopped.
// Its waits go in steps of at most a second, so that stopping it never waits for a long timer.

export interface Watch {
  /** Ends the watch; resolves once its loop has ended (a look in progress finishes first). */
  stop: () => Promise<void>;
}

/** Call `look` every `everyMs` until it returns true or the watch is stopped. */
export function watchEvery(
  sleep: (ms: number) => Promise<void>,
  everyMs: number,
  look: () => Promise<boolean>,
): Watch {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (let waited = 0; waited < everyMs && !stopped; waited += 1000) await sleep(Math.min(1000, everyMs));
      if (stopped || (await look())) return;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
