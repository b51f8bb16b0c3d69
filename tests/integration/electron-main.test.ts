// The built Electron main bundle (out/main) under plain Node with `electron` stubbed: it starts the hub, serves the
// dashboard to a locked-down window, hands the token only to that page, keeps a tray, and shuts down cleanly.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startNodeProcess, type CliProcess } from '../helpers/hub-process';
import { integrityCheck } from '../helpers/sqlite-check';

const MAIN = join(PROJECT_ROOT, 'out', 'main', 'index.js');
const REGISTER = join(PROJECT_ROOT, 'tests', 'fixtures', 'electron-stub', 'register.mjs');
const dirs: string[] = [];

function startMain(env: Record<string, string>): { proc: CliProcess; userData: string } {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const userData = mkdtempSync(join(tmpdir(), 'collab-desk-electron-'));
  dirs.push(userData);
  const proc = startNodeProcess(['--import', REGISTER, MAIN], 'electron main (stubbed)', { env: { ...process.env, ELECTRON_STUB_USER_DATA: userData, ...env } });
  return { proc, userData };
}

/** The stub's reports, parsed, in order. */
function reports(proc: CliProcess): Array<Record<string, any>> {
  return proc.lines().filter((l) => l.startsWith('[electron-stub] ')).map((l) => JSON.parse(l.slice('[electron-stub] '.length)) as Record<string, any>);
}

async function waitForReport(proc: CliProcess, what: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = reports(proc).find((r) => r.what === what);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no "${what}" from the main process within ${timeoutMs} ms\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the built main process', () => {
  it('starts the hub with jobs and swarm, opens one locked-down window on the dashboard, and quits cleanly on SIGTERM', async () => {
    const { proc, userData } = startMain({ ELECTRON_STUB_PLAY_IPC: '1' });
    try {
      const window = await waitForReport(proc, 'window');
      expect(window.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
      expect(existsSync(window.webPreferences.preload)).toBe(true);
      const { url } = await waitForReport(proc, 'loadURL');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

      // The window's URL is the dashboard, served by the hub under its CSP; the hub runs jobs and the swarm.
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await page.text()).toContain('<div id="root">');
      const description = await (await fetch(`${url}v1`)).json() as { features: Record<string, boolean> };
      expect(description.features).toMatchObject({ jobs: true, swarm: true });
      // No token in the URL the window loads.
      const token = readFileSync(join(userData, 'organizer-token'), 'utf8').trim();
      expect(url).not.toContain(token);

      // The bridge answers our window's page only; navigation and new windows stay inside the app.
      const ipc = await waitForReport(proc, 'ipc');
      expect(ipc.trusted).toEqual({ ok: true, token_sha256: createHash('sha256').update(token).digest('hex') });
      for (const refused of ['foreign_origin', 'lookalike_origin', 'other_contents']) expect(ipc[refused].ok, refused).toBe(false);
      expect(ipc.open_outside_data).toEqual({ ok: false, error: 'that folder is outside the data folder' });
      expect(ipc.navigation_outside).toBe(true);
      expect(ipc.navigation_inside).toBe(false);
      expect(ipc.new_window).toBe('deny');
      expect(reports(proc).some((r) => r.what === 'permissions.request-handler')).toBe(true);

      // The tray says what the swarm does.
      expect((await waitForReport(proc, 'tray.tooltip')).text).toBe('Collab Desk — 0 agents running');
      expect((await waitForReport(proc, 'tray.menu')).labels).toEqual(expect.arrayContaining(['Show Collab Desk', 'Pause all agents', 'Quit']));
      expect(proc.stdout() + proc.stderr()).not.toContain(token);

      const exit = await proc.stop('SIGTERM', 20_000);
      expect(exit.code).toBe(0);
      expect(proc.stdout()).toContain('Collab Desk: shut down cleanly');
      // The record was closed, not abandoned: no write-ahead log left behind, and it reads back whole.
      expect(existsSync(join(userData, 'hub.db-wal'))).toBe(false);
      expect(integrityCheck(join(userData, 'hub.db'))).toBe('ok');
    } finally {
      await proc.stop('SIGKILL').catch(() => undefined);
    }
  }, 60_000);

  it('a second instance leaves at once without opening the data folder', async () => {
    const { proc, userData } = startMain({ ELECTRON_STUB_SECOND_INSTANCE: '1' });
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.stdout()).not.toContain('hub at');
    expect(existsSync(join(userData, 'hub.db'))).toBe(false);
  });
});
