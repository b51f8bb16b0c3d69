// Finds the built bundle of a child-process entry (out/cli/<name>.js), from the bundle itself or from the sources.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BuiltEntryName = 'inference-host' | 'agent-worker';

/**
 * Children run as plain Node on a built bundle, never on TypeScript sources: the same file whether the caller is the
 * CLI bundle (out/cli, or a shared chunk in out/cli/chunks: the entry sits in out/cli), the Electron main bundle or a
 * test running the sources (both find the project root, the folder holding package.json, and look in its out/cli).
 */
export function builtEntry(name: BuiltEntryName): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // esbuild's code splitting may put this function in a shared chunk, out/cli/chunks
  const bundle = basename(here) === 'chunks' ? dirname(here) : here;
  let path: string | null = null;
  if (basename(bundle) === 'cli' && basename(dirname(bundle)) === 'out') {
    path = join(bundle, `${name}.js`);
  } else {
    for (let dir = here; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json'))) {
        path = join(dir, 'out', 'cli', `${name}.js`);
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  if (!path || !existsSync(path)) {
    throw new Error(
      `the ${name} bundle is missing (${path ?? `no package.json above ${here}`}): run \`npm run build:cli\``,
    );
  }
  return path;
}
