#!/usr/bin/env node
// Before `npm test`: finds the system programs the tests drive (Chromium, bubblewrap) and installs the missing ones
// where this machine allows it, else says in one line how.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first of these programs that exists, as a path or a name on PATH. */
function found(programs) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return programs.some((p) => p && (p.includes('/') ? existsSync(p) : dirs.some((d) => existsSync(join(d, p)))));
}

/**
 * Debian package, the programs that satisfy it, why the tests need it, and whether they can run without it (the
 * sandbox tests skip and say so where no bubblewrap starts; the dashboard tests have no stand-in for a browser).
 */
const NEEDS = [
  {
    pkg: 'chromium',
    programs: [process.env.CHROMIUM_PATH, 'chromium', 'chromium-browser', 'google-chrome'],
    why: "for the dashboard's browser tests, tests/e2e",
    required: true,
  },
  ...(process.platform === 'linux'
    ? [
        {
          pkg: 'bubblewrap',
          programs: [process.env.COLLAB_DESK_BWRAP, 'bwrap'],
          why: 'for the sandbox external agents run in; its tests skip without it',
          required: false,
        },
      ]
    : []),
];

const missing = NEEDS.filter((need) => !found(need.programs));
if (missing.length === 0) process.exit(0);

const packages = missing.map((m) => m.pkg);
const command = `sudo apt-get install -y ${packages.join(' ')}`;
const isRoot = process.getuid?.() === 0;
const canSudo = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

/** Says how, then stops only if a required program is missing. */
function cannotInstall(reason) {
  const required = missing.some((m) => m.required);
  const what = missing.map((m) => `${m.pkg} ${m.why}`).join(', and ');
  const how = `${reason}: run \`${command}\`${missing.some((m) => m.pkg === 'chromium') ? ' (or set CHROMIUM_PATH to a Chromium)' : ''}`;
  console.error(
    `npm test ${required ? 'needs' : 'runs fewer tests without'} ${what}; ${how}${required ? ', then npm test again' : ''}.`,
  );
  process.exit(required ? 1 : 0);
}

if (process.platform !== 'linux' || !hasApt) cannotInstall('no apt-get here');
if (!isRoot && !canSudo) cannotInstall('installing needs root');

console.log(`npm test: installing ${missing.map((m) => `${m.pkg} ${m.why}`).join(', and ')}`);
const prefix = isRoot ? [] : ['sudo', '-n'];
const run = (args) => {
  const [program, ...rest] = [...prefix, ...args];
  execFileSync(program, rest, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
};
try {
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...packages]);
} catch {
  cannotInstall(`installing ${packages.join(' ')} failed (above)`);
}
