// The built main bundle run from a copy of the installed app's layout (resources/app + resources/, as electron-builder
// lays it out from electron-builder.yml) under Node with `electron` stubbed as packaged: everything it opens is the
// copy's, its data goes to the user data folder, and nothing is read from the checkout.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startNodeProcess, type CliProcess } from '../helpers/hub-process';
import { filesUnder, readBuilderConfig, writePackagedLayout } from '../helpers/packaging-config';

const MAIN = join(PROJECT_ROOT, 'out', 'main', 'index.js');
const REGISTER = join(PROJECT_ROOT, 'tests', 'fixtures', 'electron-stub', 'register.mjs');
const CHECKOUT = PROJECT_ROOT.replace(/[\\/]$/, '');

let root: string;
let resources: string;
let app: string;
let marker: string;

/** Node with the stub, where loading any module from the checkout (but its node_modules) fails. */
function guardedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_STUB_FORBID: CHECKOUT, ...extra };
  delete env.COLLAB_DESK_DASHBOARD_DIR;
  return env;
}

function reports(proc: CliProcess): Array<Record<string, any>> {
  return proc
    .lines()
    .filter((l) => l.startsWith('[electron-stub] '))
    .map((l) => JSON.parse(l.slice('[electron-stub] '.length)) as Record<string, any>);
}

async function waitForReport(proc: CliProcess, what: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = reports(proc).find((r) => r.what === what);
    if (found) return found;
    if (
      (await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 100, 'wait'))])) !== 'wait' ||
      Date.now() > deadline
    )
      throw new Error(
        `no "${what}" from the packaged main process\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`,
      );
  }
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  root = mkdtempSync(join(tmpdir(), 'collab-desk-packaged-'));
  ({ resources, app } = writePackagedLayout(readBuilderConfig(), join(root, 'installed')));
  // Marks that only the copy carries: what the app serves and lists must come from it.
  marker = `packaged copy ${root}`;
  writeFileSync(
    join(app, 'out', 'renderer', 'index.html'),
    `${readFileSync(join(app, 'out', 'renderer', 'index.html'), 'utf8')}<!-- ${marker} -->\n`,
  );
  const demo = join(app, 'resources', 'packs', 'demo.json');
  if (!existsSync(demo))
    throw new Error(`the layout has no ${demo}: electron-builder.yml's files lack the shipped packs`);
  const pack = JSON.parse(readFileSync(demo, 'utf8')) as { title: string };
  writeFileSync(demo, JSON.stringify({ ...pack, title: `${pack.title} (${marker})` }, null, 2));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the installed app, from the layout electron-builder produces', () => {
  it('starts the hub, serves its own dashboard and packs, opens the window with its preload and icons', async () => {
    const userData = join(root, 'user-data');
    const before = filesUnder(app, (rel) => rel === 'node_modules');
    const proc = startNodeProcess(['--import', REGISTER, join(app, 'out', 'main', 'index.js')], 'packaged main', {
      cwd: root,
      env: guardedEnv({
        ELECTRON_STUB_USER_DATA: userData,
        ELECTRON_STUB_PACKAGED: '1',
        ELECTRON_STUB_RESOURCES_PATH: resources,
      }),
    });
    try {
      const window = await waitForReport(proc, 'window');
      expect(window.webPreferences.preload).toBe(join(app, 'out', 'preload', 'index.cjs'));
      expect(existsSync(window.webPreferences.preload)).toBe(true);
      // Icons from process.resourcesPath, beside the archive.
      expect(window.icon).toBe(join(resources, 'icons', 'app.png'));
      expect(existsSync(window.icon)).toBe(true);
      const trayIcon = (await waitForReport(proc, 'nativeImage')).path as string;
      expect(trayIcon.startsWith(join(resources, 'icons'))).toBe(true);
      expect(existsSync(trayIcon)).toBe(true);

      const { url } = await waitForReport(proc, 'loadURL');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      expect(html).toContain(marker);

      const packs = (await (await fetch(`${url}v1/packs`)).json()) as { packs: Array<{ id: string; title: string }> };
      const shipped = readdirSync(join(PROJECT_ROOT, 'resources', 'packs'))
        .filter((f) => f.endsWith('.json'))
        .map(
          (f) => (JSON.parse(readFileSync(join(PROJECT_ROOT, 'resources', 'packs', f), 'utf8')) as { id: string }).id,
        );
      expect(packs.packs.map((p) => p.id).sort()).toEqual(shipped.sort());
      expect(packs.packs.find((p) => p.id === 'demo')!.title).toContain(marker);

      // The hub's record is in the user data folder; the app's own folder is left as installed.
      expect(existsSync(join(userData, 'hub.db'))).toBe(true);
      expect((await proc.stop('SIGTERM', 20_000)).code).toBe(0);
      expect(proc.stdout()).toContain('Collab Desk: shut down cleanly');
      expect(filesUnder(app, (rel) => rel === 'node_modules')).toEqual(before);
      expect(proc.stderr()).not.toContain('must not use');
    } finally {
      await proc.stop('SIGKILL').catch(() => undefined);
    }
  }, 90_000);

  it('starts its child processes from the bundles inside the app', async () => {
    // builtEntry as the main bundle runs it: from out/main of the copy, walking up to the copy's package.json.
    const probe = join(app, 'out', 'main', 'built-entry-probe.mjs');
    await build({
      stdin: {
        contents:
          "import { builtEntry } from './src/agents/built-entry';\n" +
          "console.log(JSON.stringify({ host: builtEntry('inference-host'), worker: builtEntry('agent-worker') }));",
        resolveDir: PROJECT_ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: probe,
      logLevel: 'warning',
    });
    const resolved = startNodeProcess(['--import', REGISTER, probe], 'builtEntry probe', {
      cwd: root,
      env: guardedEnv({}),
    });
    expect((await resolved.exited).code).toBe(0);
    const entries = JSON.parse(resolved.lines()[0]!) as { host: string; worker: string };
    expect(entries).toEqual({
      host: join(app, 'out', 'cli', 'inference-host.js'),
      worker: join(app, 'out', 'cli', 'agent-worker.js'),
    });

    // The inference host loads from the copy (its chunks and node-llama-cpp) and answers its own usage error.
    const host = startNodeProcess(['--import', REGISTER, entries.host], 'inference host', {
      cwd: root,
      env: guardedEnv({ COLLAB_DESK_INFERENCE_KEY: 'packaged-layout-test-key' }),
    });
    const exit = await host.exited;
    expect(exit.code, host.stderr()).toBe(1);
    expect(JSON.parse(host.lines()[0]!)).toEqual({ event: 'failed', error: '--model PATH is required (a GGUF file)' });
    expect(host.stderr()).not.toContain('must not use');
  }, 60_000);
});
