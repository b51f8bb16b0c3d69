// Opens the dashboard a hub serves in the system Chromium (playwright-core), signed in the way the desktop app signs in.
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Every view's screenshot lands here, beside the test output. */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');

/** The system Chromium (field notes: `apt-get install -y chromium`); CHROMIUM_PATH names another. */
export function chromiumPath(): string {
  // The same lookup as `npm test`'s prerequisites (scripts/test-prerequisites.mjs): CHROMIUM_PATH, else the names on PATH.
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [
    process.env.CHROMIUM_PATH,
    ...['chromium', 'chromium-browser', 'google-chrome'].flatMap((name) => dirs.map((d) => join(d, name))),
  ].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      'No Chromium for the dashboard tests: install it with `apt-get install -y chromium` (or set CHROMIUM_PATH)',
    );
  return found;
}

/** The e2e tests drive the built page: `npm run build` (npm test does it first). */
export function assertDashboardBuilt(): void {
  const dir = process.env.COLLAB_DESK_DASHBOARD_DIR ?? join(ROOT, 'out', 'renderer');
  if (!existsSync(join(dir, 'index.html')))
    throw new Error('The dashboard is not built: run `npm run build` (npm test does) before the e2e tests');
}

export interface DashboardSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged: a test asserts there are none. */
  pageErrors: string[];
  /** Another tab in the same browser (for "arrives live" checks). */
  newPage(options?: { token?: string | null; desktopWelcome?: boolean }): Promise<Page>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The organizer token handed to the page as the Electron preload does; null opens it read-only. */
  token?: string | null;
  /** A hash route: "board", "leaderboard/<file>". */
  route?: string;
  viewport?: { width: number; height: number };
  theme?: 'dark' | 'light';
  /** As the desktop app's window: the first start on a data folder opens the welcome by itself (needs `token`). */
  desktopWelcome?: boolean;
}

async function preparePage(
  context: BrowserContext,
  hubUrl: string,
  options: OpenOptions,
  errors: string[],
): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(err.message));
  // A refused request (401 for a wrong token) is the page working; its own errors and logged failures are not.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  page.on('response', (res) => {
    if (res.status() === 404 && new URL(res.url()).pathname.match(/\.(js|css|svg|png|ico)$/))
      errors.push(`missing asset ${res.url()}`);
  });
  // Init scripts as source text: a function would carry the transpiler's helpers (tsx's __name) into the page.
  if (options.token) {
    // What src/preload exposes (window.collabDesk), given the token the desktop app would hand over IPC.
    await page.addInitScript({
      content: `Object.defineProperty(window, 'collabDesk', { value: Object.freeze({ platform: 'linux', hubAccess: async () => ({ token: ${JSON.stringify(options.token)} }),${options.desktopWelcome ? ' welcomeOnFirstStart: true,' : ''} openDataFolder: async () => {}, chooseDataFolder: async () => null }) });`,
    });
  }
  if (options.theme)
    await page.addInitScript({
      content: `localStorage.setItem('collab-desk.theme', ${JSON.stringify(options.theme)});`,
    });
  await page.goto(`${hubUrl}/${options.route ? `#/${options.route}` : ''}`);
  await page.waitForSelector('.app', { timeout: 15_000 });
  return page;
}

export async function openDashboard(hubUrl: string, options: OpenOptions = {}): Promise<DashboardSession> {
  assertDashboardBuilt();
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1360, height: 860 } });
  const pageErrors: string[] = [];
  const page = await preparePage(context, hubUrl, options, pageErrors);
  return {
    browser,
    context,
    page,
    pageErrors,
    newPage: (more = {}) =>
      preparePage(
        context,
        hubUrl,
        { ...options, ...more, token: more.token === undefined ? options.token : more.token },
        pageErrors,
      ),
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    close: () => browser.close(),
  };
}
