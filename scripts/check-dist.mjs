// Fails when the committed dist/ (or a file generated from action.yml) differs from what the sources build.
import { execFileSync } from 'node:child_process';

execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
execFileSync('node', ['scripts/generate-docs.mjs'], { stdio: 'inherit' });
const changed = execFileSync('git', ['status', '--porcelain', '--', 'dist', 'src/generated', 'README.md'], {
  encoding: 'utf8',
}).trim();
if (changed) {
  console.error(
    `dist/ (or the README's tables) is stale: run \`npm run build && npm run docs\` and commit the result.\n${changed}`,
  );
  console.error(
    execFileSync('git', ['diff', '--stat', '--', 'dist', 'src/generated', 'README.md'], { encoding: 'utf8' }),
  );
  process.exit(1);
}
console.log('dist/ matches the sources');
