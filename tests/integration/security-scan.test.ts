// The Electron security scan npm test runs: clean over our sources, and it does fail an app that drops the safeguards.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/hub-process';

const run = promisify(execFile);
const SCAN = join(PROJECT_ROOT, 'scripts', 'security-scan.mjs');

describe('the Electron security scan', () => {
  it('finds nothing high in src (main, preload, the dashboard page)', async () => {
    const { stdout } = await run(process.execPath, [SCAN, join(PROJECT_ROOT, 'src')], { cwd: PROJECT_ROOT });
    expect(stdout).toMatch(/electronegativity: \d+ findings over .* \(0 high,/);
  });

  it('fails on a window with node integration and no isolation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insecure-app-'));
    try {
      writeFileSync(
        join(dir, 'main.js'),
        "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
      );
      const failed = await run(process.execPath, [SCAN, dir], { cwd: PROJECT_ROOT }).then(
        () => null,
        (err: { code: number; stdout: string }) => err,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stdout).toContain('CONTEXT_ISOLATION_JS_CHECK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
