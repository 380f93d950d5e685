// The bundle's entry point: run the action.
import { run } from './main.js';

await run();
