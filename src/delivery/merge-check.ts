// What the node checks of a merge the agent resolved (workspace-merge.ts) or an earlier run's merge it reuses
// (merge-resolution.ts) before it is taken: no conflict marker left in the files that conflicted, and no side
// dropped. Git's own merge of the two sides (`merge-tree --write-tree`, computed by the node) says which paths
// conflicted; every other path must be as that merge has it, so an agent that aborted the merge, or checked out
// one side wholesale, or changed what merged cleanly, is refused. (Without `merge-tree --write-tree`, git older
// than 2.38: only a tree that is one of the two sides' own is refused.)
import type { Git } from './git.js';

/** A line git writes to open or close a conflict (`<<<<<<< HEAD`, `>>>>>>> theirs`, `||||||| base`). */
const MARKER = /^(<{7}|>{7}|\|{7})( |$)/m;

/** Whether a file's text still holds a conflict's markers. */
export const hasConflictMarkers = (text: string): boolean => MARKER.test(text);

/** Of `files`, those that still hold markers in `tree`; one that cannot be read counts as marked. */
export async function markedFiles(git: Git, tree: string, files: string[]): Promise<string[]> {
  const marked: string[] = [];
  for (const file of files) {
    const listed = await git.try(['ls-tree', '-z', tree, '--', file]);
    if (listed.code !== 0) {
      marked.push(file); // (cannot tell: taken as marked)
      continue;
    }
    const entry = listed.stdout.split('\0').find((e) => e.endsWith(`\t${file}`));
    if (!entry) continue; // (deleted by the resolution: nothing left to hold a marker)
    if (!entry.split(' ')[1]?.startsWith('blob')) continue; // (a folder or a gitlink now)
    const blob = await git.try(['cat-file', 'blob', `${tree}:${file}`]);
    if (blob.code !== 0 || hasConflictMarkers(blob.stdout)) marked.push(file);
  }
  return marked;
}

/** Git's own merge of `head` and `tip`: its tree and the paths that conflicted; undefined if git cannot tell. */
async function automaticMerge(
  git: Git,
  head: string,
  tip: string,
): Promise<{ tree: string; conflicted: string[] } | undefined> {
  const out = await git.try(['merge-tree', '--write-tree', '--no-messages', '--name-only', '-z', head, tip]);
  if (out.code !== 0 && out.code !== 1) return undefined;
  const [tree = '', ...paths] = out.stdout.split('\0').filter(Boolean);
  if (!/^[0-9a-f]{40,64}$/.test(tree)) return undefined;
  return { tree, conflicted: paths };
}

/**
 * Why `tree`, as the merge of `head` and `tip`, is refused (a side dropped, a path that merged cleanly
 * changed, markers left); undefined when it is taken. `files`: the conflicting files as git named them then.
 */
export async function refusedMerge(
  git: Git,
  m: { head: string; tip: string; tree: string; files: string[] },
): Promise<string | undefined> {
  const treeOf = (sha: string): Promise<string> => git.run(['rev-parse', `${sha}^{tree}`]);
  if (m.tree === (await treeOf(m.head)))
    return 'the merge drops the task branch’s changes (its tree is the integration so far, unchanged)';
  if (m.tree === (await treeOf(m.tip)))
    return 'the merge drops the integration so far (its tree is the task branch’s own)';
  const auto = await automaticMerge(git, m.head, m.tip);
  const conflicted = auto ? [...new Set([...auto.conflicted, ...m.files])] : m.files;
  if (auto) {
    const changed = (await git.run(['diff-tree', '-r', '-z', '--name-only', auto.tree, m.tree]))
      .split('\0')
      .filter(Boolean);
    const outside = changed.filter((f) => !conflicted.includes(f));
    if (outside.length > 0)
      return `the merge changes what merged without conflict: ${outside.slice(0, 10).join(', ')}`;
  }
  const marked = await markedFiles(git, m.tree, conflicted);
  if (marked.length > 0) return `conflict markers are left in ${marked.join(', ')}`;
  return undefined;
}
