// The installers' configuration (electron-builder.yml) against the built main process: every file the packaged app
// opens at run time is in the archive, beside it, or unpacked where another program must read it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/hub-process';
import {
  appFiles,
  checkoutFiles,
  extraResourceFiles,
  filesUnder,
  matcher,
  pngSize,
  readBuilderConfig,
  type BuilderConfig,
} from '../helpers/packaging-config';

const MAIN = join(PROJECT_ROOT, 'out', 'main', 'index.js');

/** A run-time path of the main process, relative to the checkout: a file, or a folder whose every file it may open. */
interface RuntimePath {
  path: string;
  /** Where it is found in the packaged app: the archive (beside out/main) or process.resourcesPath. */
  from: 'app' | 'resources';
  /** Read by another program (the C++ compiler) or loaded by the OS: it must be a real file, outside the archive. */
  unpacked: boolean;
  /** How the bundle names it, for the failure message. */
  source: string;
}

const literals = (text: string): string[] => [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
const isDir = (rel: string) => existsSync(join(PROJECT_ROOT, rel)) && statSync(join(PROJECT_ROOT, rel)).isDirectory();
const needsRealFile = (rel: string) => /\.(node|cpp|h|so|dylib|dll)$/.test(rel) || rel.endsWith('/native');

/**
 * The paths the built main bundle opens, read from its text: join(OUT, ...) (out/), join(RESOURCES, ...) (the
 * package's resources), relative URLs resolved against the bundle (import.meta.url) and the child processes it
 * spawns (builtEntry). A path added to main in one of these forms is checked without editing this test.
 */
function runtimePaths(bundle: string): RuntimePath[] {
  const paths: RuntimePath[] = [];
  for (const m of bundle.matchAll(/join\(OUT((?:,\s*"[^"]*")+)\)/g)) {
    const path = posix.join('out', ...literals(m[1]!));
    if (path === 'resources') continue; // RESOURCES' definition for a checkout (asserted below)
    paths.push({ path, from: 'app', unpacked: needsRealFile(path), source: m[0] });
  }
  for (const m of bundle.matchAll(/join\(RESOURCES,([^)]*)\)/g)) {
    const [folder, ...rest] = literals(m[1]!);
    const files = rest.filter((l) => /\.[a-z0-9]+$/i.test(l));
    for (const file of files.length ? files : [''])
      paths.push({ path: posix.join('resources', folder!, file), from: 'resources', unpacked: false, source: m[0] });
  }
  // Relative literals ("./native/spec-runner.cpp", candidate lists such as "../../resources/packs"), outside comments.
  const candidates = new Map<string, string[]>();
  for (const line of bundle.split('\n')) {
    if (/^\s*(\*|\/\/)/.test(line)) continue;
    for (const m of line.matchAll(/"(\.\.?\/[^"\s]+)"/g)) {
      const path = posix.normalize(posix.join('out/main', m[1]!));
      const key = posix.basename(path);
      candidates.set(key, [...(candidates.get(key) ?? []), path]);
    }
  }
  for (const [key, list] of candidates) {
    // The first that exists is the one the app uses (the bundle tries them in order).
    const found = list.find((p) => existsSync(join(PROJECT_ROOT, p)));
    if (!found)
      throw new Error(`none of the main bundle's paths for ${key} exists after the build: ${list.join(', ')}`);
    paths.push({ path: found, from: 'app', unpacked: needsRealFile(found), source: list.join(' | ') });
  }
  for (const m of bundle.matchAll(/builtEntry\("([a-z-]+)"\)/g))
    for (const path of withRelativeImports(`out/cli/${m[1]}.js`))
      paths.push({ path, from: 'app', unpacked: false, source: m[0] });
  return paths;
}

/** A child's entry and the bundle files it imports (its shared chunks), transitively. */
function withRelativeImports(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!existsSync(join(PROJECT_ROOT, file))) return;
    const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*"(\.\.?\/[^"]+)"/g))
      visit(posix.normalize(posix.join(posix.dirname(file), m[1]!)));
  };
  visit(entry);
  return [...seen];
}

/** A run-time path's files in the checkout (a folder: all of them). */
function filesOf(rel: string): string[] {
  return isDir(rel) ? filesUnder(join(PROJECT_ROOT, rel)).map((f) => posix.join(rel, f)) : [rel];
}

let config: BuilderConfig;
let bundle: string;
let inApp: Set<string>;

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  config = readBuilderConfig();
  bundle = readFileSync(MAIN, 'utf8');
  inApp = new Set(appFiles(config));
});

describe('the installers', () => {
  it('are the four a user downloads, into dist-app, under the app name, with a 512 px icon', () => {
    expect(config.productName).toBe('Collab Desk');
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(config.directories.output).toBe('dist-app');
    expect(readFileSync(join(PROJECT_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('dist-app/');
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.category).toBe('Development');
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
    // electron-builder makes the .icns (512 px at least) and the .ico from one PNG.
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon])
      expect(pngSize(join(PROJECT_ROOT, icon))).toEqual({ width: 512, height: 512 });
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.dist).toMatch(/npm run build && node scripts\/native-for-electron\.mjs && .*electron-builder/);
    expect(inApp.has(pkg.main)).toBe(true);
  });
});

describe('the packaged app holds every file the built main process opens', () => {
  it('finds the paths main opens in its bundle (the preload, the dashboard, icons, packs, children, natives)', () => {
    const found = runtimePaths(bundle).map((p) => p.path);
    expect(found).toEqual(
      expect.arrayContaining([
        'out/preload/index.cjs',
        'out/renderer',
        'out/electron-native/better-sqlite3/build/Release/better_sqlite3.node',
        'resources/icons/app.png',
        'resources/icons/tray.png',
        'resources/icons/trayTemplate.png',
        'resources/packs',
        'out/main/native/spec-runner.cpp',
        'out/cli/inference-host.js',
        'out/cli/agent-worker.js',
      ]),
    );
    // Packaged, the icons come from process.resourcesPath; from a checkout, from its resources/.
    expect(bundle).toContain('RESOURCES = app.isPackaged ? process.resourcesPath : join(OUT, "..", "resources")');
  });

  it('puts each in the archive, or beside it in resources/ where main looks there', () => {
    const extra = extraResourceFiles(config);
    const missing: string[] = [];
    for (const runtime of runtimePaths(bundle)) {
      // The SQLite addon for Electron exists only where `npm start`/`npm run dist` built it: the pattern must take it.
      const files = existsSync(join(PROJECT_ROOT, runtime.path)) ? filesOf(runtime.path) : [runtime.path];
      for (const file of files) {
        const packaged =
          runtime.from === 'resources'
            ? extra.get(file) === posix.relative('resources', file)
            : inApp.has(file) || (!existsSync(join(PROJECT_ROOT, file)) && matcher(config.files)(file));
        if (!packaged) missing.push(`${file} (${runtime.from}, from ${runtime.source})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('leaves native addons, the runner source and llama.cpp where the OS and the compiler can read them', () => {
    const unpacked = matcher(config.asarUnpack);
    const mustUnpack = runtimePaths(bundle)
      .filter((p) => p.unpacked && p.from === 'app')
      .flatMap((p) => (existsSync(join(PROJECT_ROOT, p.path)) ? filesOf(p.path) : [p.path]));
    expect(mustUnpack).toEqual(
      expect.arrayContaining([
        'out/main/native/spec-runner.cpp',
        'out/electron-native/better-sqlite3/build/Release/better_sqlite3.node',
      ]),
    );
    // node-llama-cpp's libraries for this platform (loaded by the OS, linked by the runner), its llama.cpp source
    // (the runner's headers, unpacked by git at first use), and any native addon in the production dependencies.
    expect(bundle).toContain('"gitRelease.bundle"');
    mustUnpack.push('node_modules/node-llama-cpp/llama/gitRelease.bundle');
    const llamaPackages = join(PROJECT_ROOT, 'node_modules', '@node-llama-cpp');
    for (const name of existsSync(llamaPackages) ? readdirSync(llamaPackages) : [])
      for (const file of filesUnder(join(llamaPackages, name, 'bins')))
        mustUnpack.push(`node_modules/@node-llama-cpp/${name}/bins/${file}`);
    mustUnpack.push('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    // The CLI bundle's own copy of the runner source (the children build the runner from there).
    mustUnpack.push(...filesOf('out/cli/native'));
    expect(mustUnpack.filter((f) => !unpacked(f))).toEqual([]);
    // The archive still holds everything else: unpacking is for what must be a real file.
    expect(unpacked('out/main/index.js')).toBe(false);
    expect(unpacked('out/renderer/index.html')).toBe(false);
  });

  it('takes nothing else from the checkout: no sources, tests, source maps or host-only builds', () => {
    const stray = appFiles(config, checkoutFiles()).filter(
      (f) =>
        /^(src|tests|bench|scripts|docs|bin)\//.test(f) ||
        f.endsWith('.map') ||
        (f.startsWith('out/electron-native/') && !f.endsWith('.node')),
    );
    expect(stray).toEqual([]);
    // node_modules stays built for Node (the CLI and the tests); the app uses the Electron build in out/.
    expect(config.npmRebuild).toBe(false);
  });
});
