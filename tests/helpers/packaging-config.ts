// electron-builder.yml read as electron-builder applies it: which checkout files go into the app, beside it, unpacked.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './hub-process';

export interface ExtraResource {
  from: string;
  to: string;
  filter?: string[];
}

export interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string };
  files: string[];
  extraResources: ExtraResource[];
  asarUnpack: string[];
  npmRebuild?: boolean;
  linux: { target: string[]; category: string; icon: string };
  mac: { target: string; icon: string };
  win: { target: string; icon: string };
}

export function readBuilderConfig(): BuilderConfig {
  return parse(readFileSync(join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

/**
 * electron-builder's pattern lists: in order, a pattern selects, a `!pattern` deselects, the last match decides.
 * Paths are relative to the list's folder, with forward slashes.
 */
export function matcher(patterns: string[]): (path: string) => boolean {
  return (path) => {
    let selected = false;
    for (const pattern of patterns) {
      const negated = pattern.startsWith('!');
      if (posix.matchesGlob(path, negated ? pattern.slice(1) : pattern)) selected = !negated;
    }
    return selected;
  };
}

/** Every file under a folder, as forward-slash paths relative to it. */
export function filesUnder(root: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join('/');
      if (skip(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk(root);
  return out;
}

/** The checkout's own files (not node_modules, which electron-builder adds as the production dependencies). */
export function checkoutFiles(): string[] {
  return filesUnder(PROJECT_ROOT, (rel) =>
    ['node_modules', '.git', 'dist-app', 'test-results', 'bench-results', 'coverage', '.scratch'].includes(rel),
  );
}

/** What `files` puts in the app (package.json always: electron-builder adds it). */
export function appFiles(config: BuilderConfig, candidates = checkoutFiles()): string[] {
  const selected = matcher(config.files);
  return candidates.filter((f) => f === 'package.json' || selected(f));
}

/** extraResources: checkout path -> path relative to the packaged app's resources folder. */
export function extraResourceFiles(config: BuilderConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const { from, to, filter } of config.extraResources) {
    const selected = matcher(filter ?? ['**/*']);
    for (const rel of filesUnder(join(PROJECT_ROOT, from)))
      if (selected(rel)) out.set(posix.join(from, rel), posix.join(to, rel));
  }
  return out;
}

/**
 * The layout an installed app has, with the app as a folder (resources/app, which Electron loads as it loads
 * resources/app.asar): the files `files` selects, the extraResources beside it, and node_modules as a link to the
 * checkout's (electron-builder copies the production dependencies; a link keeps this test fast).
 */
export function writePackagedLayout(config: BuilderConfig, root: string): { resources: string; app: string } {
  const resources = join(root, 'resources');
  const app = join(resources, 'app');
  for (const rel of appFiles(config)) {
    mkdirSync(dirname(join(app, rel)), { recursive: true });
    copyFileSync(join(PROJECT_ROOT, rel), join(app, rel));
  }
  for (const [from, to] of extraResourceFiles(config)) {
    mkdirSync(dirname(join(resources, to)), { recursive: true });
    copyFileSync(join(PROJECT_ROOT, from), join(resources, to));
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(app, 'node_modules'), 'junction');
  return { resources, app };
}

/** A PNG's width and height, from its IHDR chunk. */
export function pngSize(file: string): { width: number; height: number } {
  const head = readFileSync(file).subarray(0, 24);
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

export const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};
