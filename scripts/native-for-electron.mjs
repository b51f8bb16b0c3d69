// Builds the one native addon the desktop app loads (better-sqlite3) for Electron's ABI, into out/electron-native,
// leaving node_modules' copy built for Node (the CLI and the tests use it). Run by `npm start`; a no-op when current.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
try {
  if (!existsSync(require('electron'))) throw new Error('missing');
} catch {
  console.log('No Electron binary installed: the Electron build of better-sqlite3 is not needed here (skipped).');
  process.exit(0);
}
const electronVersion = require('electron/package.json').version;
const source = resolve('node_modules/better-sqlite3');
const target = resolve('out/electron-native/better-sqlite3');
const addon = join(target, 'build', 'Release', 'better_sqlite3.node');
const stamp = join(target, '.electron-version');
const wanted = `${electronVersion} ${process.platform}-${process.arch} ${require('better-sqlite3/package.json').version}`;

if (existsSync(addon) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  console.log(`better-sqlite3 for Electron ${electronVersion}: up to date`);
  process.exit(0);
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
cpSync(source, target, { recursive: true, filter: (path) => !path.includes(`${join('build', 'Release')}`) });
const bin = (name) => resolve('node_modules/.bin', process.platform === 'win32' ? `${name}.cmd` : name);
try {
  // The prebuilt binary for this Electron (downloaded from better-sqlite3's releases) ...
  execFileSync(
    bin('prebuild-install'),
    ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch],
    { cwd: target, stdio: 'inherit' },
  );
} catch {
  // ... else a build from source against Electron's headers.
  execFileSync(
    process.platform === 'win32' ? 'npx.cmd' : 'npx',
    [
      '--yes',
      'node-gyp',
      'rebuild',
      '--release',
      '--runtime=electron',
      `--target=${electronVersion}`,
      '--dist-url=https://electronjs.org/headers',
    ],
    { cwd: target, stdio: 'inherit' },
  );
}
if (!existsSync(addon)) throw new Error(`no ${addon} after the build`);
writeFileSync(stamp, wanted);
console.log(`better-sqlite3 for Electron ${electronVersion}: ${addon}`);
