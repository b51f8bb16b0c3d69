// The built Electron main bundle (out/main) under plain Node with `electron` stubbed: it starts the hub, serves the
// dashboard to a locked-down window, hands the token only to that page, keeps a tray, and shuts down cleanly.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, startNodeProcess, type CliProcess } from '../helpers/hub-process';
import { startHfBucketStandin } from '../helpers/hf-bucket-standin';
import { integrityCheck } from '../helpers/sqlite-check';

const MAIN = join(PROJECT_ROOT, 'out', 'main', 'index.js');
const REGISTER = join(PROJECT_ROOT, 'tests', 'fixtures', 'electron-stub', 'register.mjs');
const dirs: string[] = [];

function startMain(env: Record<string, string>): { proc: CliProcess; userData: string } {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const userData = mkdtempSync(join(tmpdir(), 'collab-desk-electron-'));
  dirs.push(userData);
  const proc = startNodeProcess(['--import', REGISTER, MAIN], 'electron main (stubbed)', {
    env: { ...process.env, ELECTRON_STUB_USER_DATA: userData, ...env },
  });
  return { proc, userData };
}

/** The stub's reports, parsed, in order. */
function reports(proc: CliProcess): Array<Record<string, any>> {
  return proc
    .lines()
    .filter((l) => l.startsWith('[electron-stub] '))
    .map((l) => JSON.parse(l.slice('[electron-stub] '.length)) as Record<string, any>);
}

async function waitForReport(proc: CliProcess, what: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = reports(proc).find((r) => r.what === what);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no "${what}" from the main process within ${timeoutMs} ms\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the Hugging Face login in the app', () => {
  it('keeps a token signed in from the app encrypted by the OS keychain, never in plain text, across restarts', async () => {
    const ADA = 'hf_ada_electron_keychain_0000000000000001';
    const hf = await startHfBucketStandin({
      users: [{ name: 'ada', token: ADA, orgs: [{ name: 'gemma-challenge', role: 'write' }] }],
    });
    const hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
    dirs.push(hfHome);
    const env = { HF_ENDPOINT: hf.url, HF_HOME: hfHome, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', HF_API_TOKEN: '' };
    const started = startMain(env);
    const userData = started.userData;
    let proc = started.proc;
    try {
      const { url } = await waitForReport(proc, 'loadURL');
      const organizer = readFileSync(join(userData, 'organizer-token'), 'utf8').trim();
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${url}${path.slice(1)}`, {
          method,
          headers: { authorization: `Bearer ${organizer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: res.status, text: await res.text() };
      };
      const login = await api('POST', '/v1/sync/login', { token: ADA });
      expect(login.status, login.text).toBe(200);
      expect(login.text).not.toContain(ADA);
      expect(JSON.parse(login.text).signed_in.source).toContain('the OS keychain');
      const sealed = join(userData, 'sync', 'hf-token.enc');
      expect(readFileSync(sealed).includes(ADA)).toBe(false);
      // Not written where other tools read plain text.
      expect(existsSync(join(hfHome, 'token'))).toBe(false);
      expect((await proc.stop('SIGTERM', 20_000)).code).toBe(0);

      // Started again, it is still signed in, from the keychain.
      proc = startNodeProcess(['--import', REGISTER, MAIN], 'electron main (stubbed)', {
        env: { ...process.env, ELECTRON_STUB_USER_DATA: userData, ...env },
      });
      const again = await waitForReport(proc, 'loadURL');
      const status = await fetch(`${again.url}v1/sync`, { headers: { authorization: `Bearer ${organizer}` } });
      const body = (await status.json()) as { signed_in: { user: string; source: string } | null };
      expect(body.signed_in).toMatchObject({ user: 'ada', source: expect.stringContaining('the OS keychain') });
      expect(proc.stdout() + proc.stderr()).not.toContain(ADA);
    } finally {
      await proc.stop('SIGKILL').catch(() => undefined);
      await hf.close();
    }
  }, 60_000);
});

describe('the built main process', () => {
  it('starts the hub with jobs and swarm, opens one locked-down window on the dashboard, and quits cleanly on SIGTERM', async () => {
    const { proc, userData } = startMain({ ELECTRON_STUB_PLAY_IPC: '1' });
    try {
      const window = await waitForReport(proc, 'window');
      expect(window.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        webviewTag: false,
      });
      expect(existsSync(window.webPreferences.preload)).toBe(true);
      const { url } = await waitForReport(proc, 'loadURL');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

      // The window's URL is the dashboard, served by the hub under its CSP; the hub runs jobs and the swarm.
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await page.text()).toContain('<div id="root">');
      const description = (await (await fetch(`${url}v1`)).json()) as { features: Record<string, boolean> };
      expect(description.features).toMatchObject({ jobs: true, swarm: true });
      // No token in the URL the window loads.
      const token = readFileSync(join(userData, 'organizer-token'), 'utf8').trim();
      expect(url).not.toContain(token);

      // The bridge answers our window's page only; navigation and new windows stay inside the app.
      const ipc = await waitForReport(proc, 'ipc');
      expect(ipc.trusted).toEqual({ ok: true, token_sha256: createHash('sha256').update(token).digest('hex') });
      // Our window's top frame showing another origin (or a lookalike port), a subframe, another web contents: refused.
      for (const refused of ['foreign_origin', 'lookalike_origin', 'subframe', 'other_contents'])
        expect(ipc[refused].ok, refused).toBe(false);
      // Only the data folder's own folders open; never a path out of it, never a file (it could be run).
      expect(ipc.open_data_folder.ok).toBe(true);
      expect(ipc.open_scratch.ok).toBe(true);
      expect(ipc.open_outside_data.ok).toBe(false);
      expect(ipc.open_a_file.ok).toBe(false);
      expect(
        reports(proc)
          .filter((r) => r.what === 'openPath')
          .map((r) => r.path),
      ).toEqual([userData, join(userData, 'scratch')]);
      expect(ipc.navigation_outside).toBe(true);
      expect(ipc.navigation_inside).toBe(false);
      expect(ipc.redirect_outside).toBe(true);
      expect(ipc.new_window).toBe('deny');
      // Web links go to the system browser; file:, javascript:, other schemes and the hub's own pages never do.
      expect(ipc.external_opened).toEqual({
        https: ['https://example.org/docs'],
        file: [],
        javascript: [],
        custom: [],
        hub_page: [],
      });
      expect(ipc.permission_request_granted).toBe(false);
      expect(ipc.permission_check_granted).toBe(false);

      // The hub holds the data folder: a `collab-desk hub` on it is refused instead of running a second job queue.
      const cli = await runCli(['hub', '--data', userData, '--port', '0', '--no-swarm']);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`the data folder ${userData} is in use by another Collab Desk hub`);

      // The tray says what the swarm does.
      expect((await waitForReport(proc, 'tray.tooltip')).text).toBe('Collab Desk — 0 agents running');
      expect((await waitForReport(proc, 'tray.menu')).labels).toEqual(
        expect.arrayContaining(['Show Collab Desk', 'Pause all agents', 'Quit']),
      );
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

  it('says why it cannot start on a chosen data folder, and offers the default one', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'collab-desk-electron-'));
    dirs.push(userData);
    // A data folder chosen earlier that cannot be one any more (here: a path through a file).
    writeFileSync(join(userData, 'not-a-folder'), '');
    writeFileSync(join(userData, 'desktop.json'), JSON.stringify({ dataDir: join(userData, 'not-a-folder', 'data') }));
    const proc = startNodeProcess(['--import', REGISTER, MAIN], 'electron main (stubbed)', {
      env: { ...process.env, ELECTRON_STUB_USER_DATA: userData, ELECTRON_STUB_DIALOG_ANSWER: '0' },
    });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const dialog = reports(proc).find((r) => r.what === 'dialog.message')!;
    expect(dialog.message).toContain(join(userData, 'not-a-folder', 'data'));
    expect(dialog.detail).toMatch(/ENOTDIR|not a directory/);
    expect(dialog.buttons).toEqual(['Use the default folder', 'Quit']);
    // Chose the default: the app forgets the broken folder and restarts.
    expect(reports(proc).some((r) => r.what === 'relaunch')).toBe(true);
    expect(JSON.parse(readFileSync(join(userData, 'desktop.json'), 'utf8'))).toEqual({});
  });

  it('a second instance leaves at once without opening the data folder', async () => {
    const { proc, userData } = startMain({ ELECTRON_STUB_SECOND_INSTANCE: '1' });
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.stdout()).not.toContain('hub at');
    expect(existsSync(join(userData, 'hub.db'))).toBe(false);
  });
});
