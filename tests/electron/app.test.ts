// The real desktop app (Playwright's Electron support): one window on the dashboard, the preload's bridge, a clean quit.
// Runs where the Electron binary is installed (`npm run test:electron`); says plainly when it is skipped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The binary `npm install electron` downloads; null where it was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD, no network). */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  console.warn(
    'SKIPPED: the Electron smoke test needs the Electron binary, which is not installed here ' +
      '(install without ELECTRON_SKIP_BINARY_DOWNLOAD, and rebuild better-sqlite3 for Electron: `npx electron-rebuild`).',
  );
}

const userData = mkdtempSync(join(tmpdir(), 'collab-desk-app-'));
afterAll(() => rmSync(userData, { recursive: true, force: true }));

describe.skipIf(!binary)('the desktop app', () => {
  it('opens the dashboard, signs the page in through the preload, and quits cleanly', async () => {
    const app = await electron.launch({
      executablePath: binary!,
      args: [join(ROOT, 'out', 'main', 'index.js')],
      env: { ...process.env, COLLAB_DESK_USER_DATA: userData },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('.app', { timeout: 30_000 });
      // Signed in as the organizer without any token in the URL: the preload handed it over.
      await page.waitForSelector('[data-testid=who] .badge-organizer');
      expect(page.url()).not.toContain(readFileSync(join(userData, 'organizer-token'), 'utf8').trim());
      // The page has no Node: the sandbox and context isolation hold.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(
        await page.evaluate(() => Object.keys((globalThis as { collabDesk?: object }).collabDesk ?? {}).sort()),
      ).toEqual(['chooseDataFolder', 'hubAccess', 'openDataFolder', 'platform']);
      // Navigation away is refused: the window still shows the hub.
      await page.evaluate(() => {
        (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.org/';
      });
      await page.waitForTimeout(500);
      expect(new URL(page.url()).hostname).toBe('127.0.0.1');
      expect(app.windows()).toHaveLength(1);
    } finally {
      await app.close();
    }
    expect(existsSync(join(userData, 'hub.db-wal'))).toBe(false);
  }, 90_000);
});
