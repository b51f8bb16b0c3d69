#!/usr/bin/env node
// Before `npm test`: finds the system programs the tests drive (Chromium, bubblewrap) and installs the missing ones
// where this machine allows it, else says in one line how.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian package, the programs that satisfy it, and why the tests need it. */
const NEEDS = [
  {
    pkg: 'chromium',
    programs: [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'],
    why: "the dashboard's browser tests (tests/e2e)",
  },
  {
    pkg: 'bubblewrap',
    programs: ['/usr/bin/bwrap', '/usr/local/bin/bwrap'],
    why: 'the sandbox external agents run in (tests/integration/sandbox)',
  },
];

const missing = NEEDS.filter((need) => !need.programs.some((p) => p && existsSync(p)));
if (missing.length === 0) process.exit(0);

const packages = missing.map((m) => m.pkg);
const command = `apt-get install -y ${packages.join(' ')}`;
const isRoot = process.getuid?.() === 0;
const canSudo = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

if (process.platform !== 'linux' || !hasApt || (!isRoot && !canSudo)) {
  console.error(
    `npm test needs ${missing.map((m) => `${m.pkg} (${m.why})`).join(' and ')}: run \`sudo ${command}\` (or set CHROMIUM_PATH to a Chromium), then npm test again.`,
  );
  process.exit(1);
}

console.log(`npm test: installing ${packages.join(', ')} (${missing.map((m) => m.why).join('; ')})`);
const sudo = isRoot ? [] : ['sudo', '-n'];
const run = (args) =>
  execFileSync(sudo[0] ?? args[0], sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...packages]);
} catch {
  console.error(
    `npm test: installing ${packages.join(' ')} failed (above); run \`sudo ${command}\` by hand, then npm test again.`,
  );
  process.exit(1);
}
