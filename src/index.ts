// The bundle's entry point: run the action.
import { tuneMemory } from './memory-flags.js';
import { run } from './main.js';

tuneMemory();
await run();
