// Types of cli-versions.mjs, for the tests that check it against package.json and the presets.
export const CLI_PACKAGES: string[];
export function readPackage(file?: URL): { devDependencies?: Record<string, string> };
export function cliVersionsModule(pkg: { devDependencies?: Record<string, string> }): string;
