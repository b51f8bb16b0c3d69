// Finds the llama.cpp libraries that node-llama-cpp's binary packages ship (CPU, CUDA, Vulkan) and its bundled source.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { outsideAsar } from './asar-path';

export type Flavor = 'cuda' | 'vulkan' | 'cpu';

export interface LlamaBinaries {
  flavor: Flavor;
  /** The folder holding libllama, libggml*, libllama-common and the dynamically loaded backends. */
  bins: string;
  /** The node-llama-cpp binary package it came from. */
  packageName: string;
  /** llama.cpp release the libraries were built from (also the bundled source's tag). */
  release: string;
}

// Not named `require`: bundlers (electron-vite) inject their own `require` shim into the same scope.
const resolvePackage = createRequire(import.meta.url);

function platformPrefix(): string | null {
  if (process.platform === 'linux' && process.arch === 'x64') return 'linux-x64';
  if (process.platform === 'linux' && process.arch === 'arm64') return 'linux-arm64';
  if (process.platform === 'darwin' && process.arch === 'arm64') return 'mac-arm64-metal';
  if (process.platform === 'darwin' && process.arch === 'x64') return 'mac-x64';
  if (process.platform === 'win32' && process.arch === 'x64') return 'win-x64';
  return null;
}

/**
 * A package's folder, found the way Node finds packages (the node_modules folders above `from`); packages whose
 * "exports" hide package.json cannot be located with require.resolve.
 */
function packageFolder(name: string, from: string): string | null {
  for (const dir of resolvePackage.resolve.paths(name) ?? []) {
    if (!dir.startsWith('/') && !/^[A-Za-z]:/.test(dir)) continue;
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  const local = join(from, 'node_modules', name);
  return existsSync(join(local, 'package.json')) ? local : null;
}

/** The node-llama-cpp package folder (holding llama/gitRelease.bundle, the llama.cpp source at the libraries' commit). */
export function nodeLlamaCppFolder(): string {
  const folder = packageFolder('node-llama-cpp', process.cwd());
  if (!folder) throw new Error('node-llama-cpp is not installed: run npm install');
  return folder;
}

/** What a package name for a flavor is on this platform, e.g. @node-llama-cpp/linux-x64-cuda. */
export function packageFor(flavor: Flavor): string | null {
  const prefix = platformPrefix();
  if (!prefix) return null;
  if (flavor === 'cpu') return `@node-llama-cpp/${prefix}`;
  if (prefix.startsWith('mac')) return null;
  return `@node-llama-cpp/${prefix}-${flavor}`;
}

/** The installed binaries of one flavor, or null when its package is not installed on this machine. */
export function findBinaries(flavor: Flavor): LlamaBinaries | null {
  const name = packageFor(flavor);
  if (!name) return null;
  const root = packageFolder(name, nodeLlamaCppFolder());
  if (!root) return null;
  const binsRoot = join(root, 'bins');
  if (!existsSync(binsRoot)) return null;
  for (const entry of readdirSync(binsRoot)) {
    // The compiler, the linker and the runner load these libraries: the real folder, outside a packaged app's archive.
    const bins = outsideAsar(join(binsRoot, entry));
    const meta = join(bins, '_nlcBuildMetadata.json');
    if (!existsSync(meta)) continue;
    const build = JSON.parse(readFileSync(meta, 'utf8')) as { buildOptions?: { llamaCpp?: { release?: string } } };
    return { flavor, bins, packageName: name, release: build.buildOptions?.llamaCpp?.release ?? 'unknown' };
  }
  return null;
}
