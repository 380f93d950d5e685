// Writes the README's inputs and outputs tables from action.yml, between the marker comments.
import { readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { readAction } from './action-metadata.mjs';

const cell = (text) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();

export function tables(action) {
  const inputs = [
    '| input | description | default |',
    '|---|---|---|',
    ...Object.entries(action.inputs).map(
      ([name, spec]) =>
        `| \`${name}\` | ${cell(spec.description)} | ${spec.default ? `\`${cell(spec.default)}\`` : ''} |`,
    ),
  ];
  const outputs = [
    '| output | description |',
    '|---|---|',
    ...Object.entries(action.outputs ?? {}).map(
      ([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`,
    ),
  ];
  return { inputs: inputs.join('\n'), outputs: outputs.join('\n') };
}

function replaceBetween(text, name, content) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} … ${end} section`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}

const readmeUrl = new URL('../README.md', import.meta.url);
const { inputs, outputs } = tables(readAction());
let readme = readFileSync(readmeUrl, 'utf8');
readme = replaceBetween(readme, 'inputs', inputs);
readme = replaceBetween(readme, 'outputs', outputs);
const options = (await prettier.resolveConfig(readmeUrl)) ?? {};
writeFileSync(readmeUrl, await prettier.format(readme, { ...options, parser: 'markdown' }));
console.log('README.md tables written from action.yml');
