// Reading the usage a custom agent wrote to its P2P_USAGE_FILE: untrusted input, bounded and validated.
// Synchronous, like the node's other small files: the simulation's virtual clock must not run ahead of it.
import { readBounded } from '../containment/safe-files.js';
import { isEmptyUsage, UsageSchema, type Usage } from '../protocol/usage.js';

const FILE_LIMIT = 64 * 1024;

/**
 * The usage an agent wrote to its P2P_USAGE_FILE: undefined when it wrote none; an error message when what
 * it wrote is not a usage object (the run itself is not failed for that). Unknown keys are ignored.
 */
export function readUsageFile(file: string): { usage?: Usage; error?: string } {
  const read = readBounded(file, FILE_LIMIT);
  if (read.error) return { error: `P2P_USAGE_FILE: ${read.error}` };
  if (read.text === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch (error) {
    return { error: `P2P_USAGE_FILE is not JSON: ${(error as Error).message}` };
  }
  const parsed = UsageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      error: `P2P_USAGE_FILE is not a usage object: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    };
  }
  return isEmptyUsage(parsed.data) ? {} : { usage: parsed.data };
}
