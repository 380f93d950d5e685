// What a node does about its preset's CLI before any task, decided from what it found (pure: install-cli.ts
// looks at PATH and runs the installs). With agent-version empty, a CLI on PATH is the workflow's choice and is
// used; a missing one is installed at the version this release was tested with. With agent-version set, that
// version is installed unless the CLI on PATH already reports exactly it (a dist-tag such as `latest` always
// installs: only npm knows what it names today). A custom agent-command never installs anything; aider is a
// Python tool the node cannot install.
import { TESTED_CLI_VERSIONS } from '../generated/cli-versions.js';
import { AGENT_PRESETS, type AgentChoice, type AgentPreset } from './presets.js';

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const DIST_TAG = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
const NPM_PRESETS = Object.keys(AGENT_PRESETS).filter((id) => AGENT_PRESETS[id]!.npm);

/** A version the user asked for: exact (`2.1.332`, a leading v dropped) or a dist-tag (`latest`). */
export interface RequestedVersion {
  spec: string;
  exact: boolean;
}

/** The `agent-version` input, checked against the agent it goes with; throws a message naming the input. */
export function agentVersionFor(value: string, choice: AgentChoice): RequestedVersion | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  if (choice.kind === 'custom')
    throw new Error(
      `Input "agent-version" goes with a preset agent (${NPM_PRESETS.join(', ')}); with "agent-command", install your CLI in a step before this one.`,
    );
  if (!choice.preset.npm)
    throw new Error(
      `Input "agent-version" cannot pin ${choice.id}: it is not an npm package, and the node does not install it. Install the version you want in a step before this one (${choice.preset.install}==<version>) and leave agent-version empty.`,
    );
  if (EXACT_VERSION.test(text)) return { spec: text.replace(/^v/, ''), exact: true };
  if (DIST_TAG.test(text)) return { spec: text, exact: false };
  throw new Error(
    `Input "agent-version" must be an exact version of ${choice.preset.npm.package} (such as ${testedVersion(choice.preset)}) or an npm dist-tag (such as latest or next); got "${text}".`,
  );
}

/** The version of the preset's package this release was tested with (baked in at build time). */
export function testedVersion(preset: AgentPreset): string {
  const name = preset.npm?.package;
  const version = name ? TESTED_CLI_VERSIONS[name] : undefined;
  if (!version) throw new Error(`no tested version of ${name ?? preset.binary} in this build`);
  return version;
}

/** The first version number in what a CLI prints for `--version` ("2.1.332 (Claude Code)", "codex-cli 0.171.0"). */
export function versionIn(output: string): string | undefined {
  return /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/.exec(output)?.[0];
}

/** What the node found: the preset's binary on PATH, and (when asked) the version it reports. */
export interface CliFound {
  onPath?: string;
  pathVersion?: string;
}

export type CliPlan =
  | { kind: 'nothing'; why: string }
  | { kind: 'use'; path: string; why: string }
  | { kind: 'install'; package: string; version: string; scripts: boolean; requested: boolean; why: string };

/** Whether the CLI on PATH must be asked its version before deciding (an exact agent-version to match). */
export const needsPathVersion = (requested: RequestedVersion | undefined, found: CliFound): boolean =>
  requested?.exact === true && found.onPath !== undefined;

/** What to do about the CLI; throws (saying how to fix it) when the node cannot provide it. */
export function planAgentCli(
  choice: AgentChoice,
  requested: RequestedVersion | undefined,
  found: CliFound,
): CliPlan {
  if (choice.kind === 'custom') return { kind: 'nothing', why: 'a custom agent-command installs nothing' };
  const { preset } = choice;
  const npm = preset.npm;
  if (!npm) {
    if (found.onPath) return { kind: 'use', path: found.onPath, why: `${preset.binary} is on PATH` };
    throw new Error(
      `The ${choice.id} preset runs ${preset.binary}, which is not on PATH. ${preset.name} is a Python tool, not on npm, so the node cannot install it: add a step before this one that runs \`${preset.install}\` (or \`pip install aider-chat\`).`,
    );
  }
  const install = (version: string, why: string): CliPlan => ({
    kind: 'install',
    package: npm.package,
    version,
    scripts: npm.scripts === true,
    requested: requested !== undefined,
    why,
  });
  if (!requested) {
    if (found.onPath) return { kind: 'use', path: found.onPath, why: `${preset.binary} is on PATH` };
    return install(testedVersion(preset), `${preset.binary} is not on PATH`);
  }
  if (!found.onPath) return install(requested.spec, `${preset.binary} is not on PATH`);
  if (requested.exact && found.pathVersion === requested.spec)
    return { kind: 'use', path: found.onPath, why: `${preset.binary} on PATH is ${requested.spec}` };
  return install(
    requested.spec,
    requested.exact
      ? `${preset.binary} on PATH is ${found.pathVersion ?? 'of an unknown version'}, not ${requested.spec}`
      : `agent-version names the dist-tag ${requested.spec}`,
  );
}

/** Why the install failed and how to fix it, naming the preset, the package and the version. */
export function installFailure(choice: AgentChoice, plan: CliPlan, reason: string): string {
  if (choice.kind !== 'preset' || plan.kind !== 'install') return reason;
  const wanted = `${plan.package}@${plan.version}`;
  const fix = plan.requested
    ? `correct agent-version, or install the CLI in a step before this one (npm install -g ${wanted}) and leave agent-version empty`
    : `install it in a step before this one (npm install -g ${wanted}), or set agent-version to a version npm can install`;
  return `The ${choice.id} preset needs ${choice.preset.binary} (${plan.why}); installing ${wanted} from npm failed: ${reason}. To fix: ${fix}.`;
}
