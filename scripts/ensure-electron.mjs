// Makes sure the Electron binary `npm start` opens is installed: fetched once by Electron's own installer (with
// progress) when missing; offline, one line says what is missing, how to get it, and what works without it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const electronPackage = require.resolve('electron/package.json');
const { version } = require('electron/package.json');
const fromElectron = createRequire(electronPackage);
const installer = fromElectron.resolve('./install.js');

/** The binary's path as `require('electron')` gives it, or null where it is not installed. */
function installedBinary() {
  try {
    const path = fromElectron('./index.js');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const MB = 1024 * 1024;

/** The download itself, through @electron/get as install.js calls it (same cache, same pinned checksums), with progress. */
async function download() {
  const { downloadArtifact } = fromElectron('@electron/get');
  let shown = -1;
  const tty = process.stderr.isTTY;
  await downloadArtifact({
    version,
    artifactName: 'electron',
    cacheRoot: process.env.electron_config_cache,
    checksums: fromElectron('./checksums.json'),
    platform: process.env.npm_config_platform || process.platform,
    arch: process.env.npm_config_arch || process.arch,
    downloadOptions: {
      quiet: true,
      getProgressCallback: async ({ percent, transferred, total }) => {
        const step = Math.floor(percent * 20);
        if (step === shown) return;
        shown = step;
        const line = `  ${Math.round(percent * 100)}%  ${(transferred / MB).toFixed(0)} of ${total ? (total / MB).toFixed(0) : '?'} MB`;
        process.stderr.write(tty ? `\r${line}` : `${line}\n`);
      },
    },
  });
  if (tty) process.stderr.write('\n');
}

/** The first line of an error worth showing: the cause's words, not its stack. */
function reason(error) {
  const e = /** @type {{ code?: string, message?: string }} */ (error ?? {});
  const words = String(e.message ?? error).split('\n')[0];
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `no network (${words})`;
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT')
    return `the download server could not be reached (${words})`;
  return words;
}

if (installedBinary()) process.exit(0);

process.stderr.write(
  `Collab Desk needs Electron ${version} to open its window; fetching it once (about 100 MB, kept in Electron's cache)...\n`,
);
try {
  await download();
  // Electron's own installer now finds the archive in its cache, checks it, and unpacks it where require('electron') looks.
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  execFileSync(process.execPath, [installer], { env, stdio: ['ignore', 'inherit', 'pipe'] });
  if (!installedBinary()) throw new Error('the installer ended without placing the binary');
  process.stderr.write(`Electron ${version}: installed.\n`);
} catch (error) {
  const stderr = /** @type {{ stderr?: Buffer }} */ (error ?? {}).stderr;
  const why = stderr && stderr.length ? reason(new Error(stderr.toString().trim())) : reason(error);
  process.stderr.write(
    `Cannot open the desktop app: Electron ${version} is not installed and could not be downloaded: ${why}. ` +
      'Connect to the internet and run `npm start` again (or `node node_modules/electron/install.js`; ELECTRON_MIRROR names a mirror). ' +
      'The hub and the dashboard work without it: `npx collab-desk hub`, then open the URL it prints.\n',
  );
  process.exit(1);
}
