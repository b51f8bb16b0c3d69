// `npm start` where the Electron binary is missing and cannot be fetched: one clear line (what is missing, how to get
// it, what works without it), before any build; where the binary is there, nothing is fetched.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/hub-process';

const ENSURE = join(PROJECT_ROOT, 'scripts', 'ensure-electron.mjs');
const dirs: string[] = [];
let mirror: Server;
let mirrorUrl = '';
const asked: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base = { ...process.env };
    delete base.ELECTRON_OVERRIDE_DIST_PATH;
    execFile(file, args, { cwd: PROJECT_ROOT, env: { ...base, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // A mirror whose connection drops at once: what a machine without internet meets, on every machine alike.
  mirror = createServer((req) => {
    asked.push(req.url ?? '');
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => mirror.close(() => resolve()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start without the Electron binary', () => {
  it('offline: one line says what is missing, how to get it, and that the hub works without it; nothing is half-installed', async () => {
    const missing = tempDir('collab-desk-no-electron-');
    const cache = tempDir('collab-desk-electron-cache-');
    const { code, stderr } = await run(process.execPath, [ENSURE], {
      ELECTRON_MIRROR: mirrorUrl,
      electron_config_cache: cache,
      ELECTRON_OVERRIDE_DIST_PATH: missing,
    });
    expect(code).toBe(1);
    expect(asked.some((url) => url.includes('electron-v'))).toBe(true);
    const failure = stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('Cannot open the desktop app'));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(/Electron \d+\.\d+\.\d+ is not installed and could not be downloaded/);
    expect(failure[0]).toContain('run `npm start` again');
    expect(failure[0]).toContain('node node_modules/electron/install.js');
    expect(failure[0]).toContain('npx collab-desk hub');
    // Words, not a stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(missing, 'electron'))).toBe(false);
  });

  it('`npm start` itself stops there, before building anything', async () => {
    const missing = tempDir('collab-desk-no-electron-');
    const { code, stdout, stderr } = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start'], {
      ELECTRON_MIRROR: mirrorUrl,
      electron_config_cache: tempDir('collab-desk-electron-cache-'),
      ELECTRON_OVERRIDE_DIST_PATH: missing,
    });
    expect(code).not.toBe(0);
    expect(stderr).toContain('npx collab-desk hub');
    // The build (electron-vite, the CLI bundle) never started.
    expect(stdout + stderr).not.toMatch(/build:cli|electron-vite build|vite v\d/);
  });

  it('where the binary is installed, nothing is fetched and the start goes on', async () => {
    const installed = tempDir('collab-desk-electron-dist-');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, 'electron'), '');
    const before = asked.length;
    const { code, stderr } = await run(process.execPath, [ENSURE], {
      ELECTRON_MIRROR: mirrorUrl,
      ELECTRON_OVERRIDE_DIST_PATH: installed,
    });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(asked.length).toBe(before);
  });
});
