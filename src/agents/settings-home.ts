// For a CLI whose turn limit is a setting (Gemini's `model.maxSessionTurns`): a settings home of the node's,
// made from the user's own (their settings.json with the limit merged in; everything else in that folder
// linked, so logins and history still work), named by the CLI's home variable for the agent's run.
import path from 'node:path';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import type { AgentPreset } from './presets.js';

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const old = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      old &&
      typeof old === 'object' &&
      !Array.isArray(old)
        ? merge(old as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** The environment that gives the agent the settings home; nothing when the preset needs none. */
export function settingsHome(
  preset: AgentPreset,
  turns: number | undefined,
  env: NodeJS.ProcessEnv,
  dir: string,
): Record<string, string> {
  const setting = preset.turnsSetting;
  if (!setting || turns === undefined) return {};
  const sourceHome = env[setting.home] || env.HOME || '';
  const source = path.join(sourceHome, setting.folder);
  const target = path.join(dir, setting.folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  let settings: Record<string, unknown> = {};
  if (sourceHome && existsSync(source)) {
    for (const name of readdirSync(source)) {
      if (name === 'settings.json') {
        try {
          const parsed: unknown = JSON.parse(readFileSync(path.join(source, name), 'utf8'));
          if (parsed && typeof parsed === 'object') settings = parsed as Record<string, unknown>;
        } catch {
          // An unreadable settings file is the CLI's to complain about; the limit still applies.
        }
      } else symlinkSync(path.join(source, name), path.join(target, name));
    }
  }
  writeFileSync(
    path.join(target, 'settings.json'),
    JSON.stringify(merge(settings, setting.patch(turns)), null, 2),
  );
  return { [setting.home]: dir };
}
