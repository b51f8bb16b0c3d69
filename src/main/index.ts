// Electron main process: one instance; the hub on loopback with its job runner and swarm; one locked-down window onto
// the dashboard; a tray with the swarm's state; a clean shutdown (agents stopped, the running job cancelled, the record closed).
import { app, dialog, safeStorage, type BrowserWindow } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { superviseBeside } from '../agents/supervisor';
import { swarmLlamaServer } from '../bench/serving-tools';
import { engineJobRunner } from '../bench/job-runner';
import { createModelLibrary } from '../bench/model-library';
import { takeHfToken } from '../platform/hf-token';
import { installedPackTarget } from '../bench/pack-install';
import { createPackInstaller } from '../bench/pack-installer';
import { dataLayout } from '../platform/data-folder';
import { startHub, type RunningHub } from '../hub/server';
import { registerBridgeHandlers } from './bridge-handlers';
import { dataFolderOf, readDesktopSettings, writeDesktopSettings } from './desktop-settings';
import { createMainWindow } from './main-window';
import { SwarmTray } from './swarm-tray';
import { installWebSecurity } from './web-security';
import { keychainVault } from './keychain-vault';
import { syncBeside } from '../cli/sync-beside';
import { fileTokenVault } from '../sync/sync-service';

// out/main/index.js -> out/preload, out/renderer, and the package's resources/.
const OUT = join(import.meta.dirname, '..');
const RESOURCES = app.isPackaged ? process.resourcesPath : join(OUT, '..', 'resources');
const ICON = join(RESOURCES, 'icons', 'app.png');
const TRAY_ICON = join(RESOURCES, 'icons', process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png');

let running: RunningHub | undefined;
let window: BrowserWindow | null = null;
let tray: SwarmTray | null = null;
let quitting = false;

function showWindow(): void {
  if (!running) return;
  if (!window || window.isDestroyed()) {
    window = createMainWindow(running.url, join(OUT, 'preload', 'index.cjs'), ICON);
    window.on('closed', () => {
      window = null;
    });
  }
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

async function start(): Promise<void> {
  // The SQLite addon built for Electron's ABI (npm start builds it); without it, the one in node_modules is tried.
  const sqlite = join(OUT, 'electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (process.versions.electron && existsSync(sqlite)) process.env.COLLAB_DESK_SQLITE_BINDING = sqlite;
  const dataDir = dataFolderOf(app.getPath('userData'));
  installWebSecurity(() => (running ? new URL(running.url).origin : null));
  registerBridgeHandlers({
    window: () => window,
    hubOrigin: () => (running ? new URL(running.url).origin : null),
    organizerTokenPath: () => running?.organizerTokenPath ?? null,
    dataDir: () => dataDir,
    switchDataFolder(dir) {
      writeDesktopSettings(app.getPath('userData'), { ...readDesktopSettings(app.getPath('userData')), dataDir: dir });
      app.relaunch();
      app.quit();
    },
  });
  const packFile = dataLayout(dataDir).challengePack;
  const agentModel = () => installedPackTarget(packFile);
  // The HF token (for gated models; HF_TOKEN or `hf auth login`'s file) is read when a pull needs it and reaches the
  // Hub's download requests only: never the page, a log, an agent or a process the app starts.
  const startEnv = { ...process.env };
  const takenToken = takeHfToken();
  // Signing in from the app keeps the token encrypted by the OS keychain; model pulls use the same login.
  const vault = keychainVault(
    join(dataDir, 'sync', 'hf-token.enc'),
    safeStorage,
    startEnv,
    fileTokenVault(dataLayout(dataDir).hfLogin, startEnv),
  );
  const hfToken = () => vault.current()?.token ?? takenToken();
  const models = createModelLibrary({ dataDir, accessToken: hfToken, agentModel });
  running = await startHub({
    dataDir,
    port: 0,
    // As the CLI's flag: tokens on every write, even on loopback (config.json's strict_identity does the same).
    ...(process.argv.includes('--strict-identity') ? { config: { strict_identity: true } } : {}),
    jobRunner: engineJobRunner(),
    models,
    packs: createPackInstaller({
      dest: packFile,
      modelsDir: dataLayout(dataDir).models,
      workDir: join(dataDir, 'tmp'),
      accessToken: hfToken,
    }),
    dashboardDir: join(OUT, 'renderer'),
  });
  syncBeside(running, { startEnv, vault });
  let swarm: ReturnType<typeof superviseBeside>;
  try {
    // agents decode on llama-server (built once in the background; node-llama-cpp until then)
    swarm = superviseBeside(running, {
      agentModel,
      secrets: () => [hfToken()],
      inference: { llamaServer: swarmLlamaServer() },
    });
  } catch (err) {
    // The hub is up: close it (and its record) properly before giving up.
    await shutdown();
    throw err;
  }
  console.log(`Collab Desk: hub at ${running.url}, data in ${dataDir}`);
  tray = new SwarmTray(TRAY_ICON, { show: showWindow, quit: () => app.quit() }, swarm);
  showWindow();
}

/** Stops the swarm, cancels the running job, closes the record; then lets the app exit. */
async function shutdown(): Promise<void> {
  const closing = running;
  running = undefined;
  tray?.destroy();
  tray = null;
  try {
    await closing?.close();
    console.log('Collab Desk: shut down cleanly');
  } catch (err) {
    console.error('Collab Desk: shutdown failed:', err);
  }
}

// A portable or test install keeps everything (settings, lock, default data folder) in a folder of its own.
if (process.env.COLLAB_DESK_USER_DATA) app.setPath('userData', process.env.COLLAB_DESK_USER_DATA);

/**
 * A start that fails says why in a dialog (a person who launched from the desktop sees no console). When the data
 * folder was one chosen earlier (moved, unplugged, not writable), the app offers to go back to its default folder.
 */
function failedToStart(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error('Collab Desk could not start:', err);
  const userData = app.getPath('userData');
  const chosen = readDesktopSettings(userData).dataDir;
  if (chosen) {
    const answer = dialog.showMessageBoxSync({
      type: 'error',
      title: 'Collab Desk could not start',
      message: `Collab Desk could not start on the data folder ${chosen}.`,
      detail: `${message}\n\nUse the default data folder (${userData}) instead? The chosen folder is left as it is.`,
      buttons: ['Use the default folder', 'Quit'],
      defaultId: 0,
      cancelId: 1,
    });
    if (answer === 0) {
      const { dataDir: _dropped, ...rest } = readDesktopSettings(userData);
      writeDesktopSettings(userData, rest);
      app.relaunch();
    }
  } else {
    dialog.showErrorBox('Collab Desk could not start', message);
  }
  app.exit(1);
}

if (!app.requestSingleInstanceLock()) {
  // Another Collab Desk window is open: it shows itself (second-instance) and this one leaves. (The hub's own lock
  // keeps a `collab-desk hub` off the same data folder.)
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.whenReady().then(start).catch(failedToStart);
  // The hub and the swarm keep working with the window closed; the tray brings it back, Quit ends everything.
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  app.on('activate', showWindow);
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    void shutdown().finally(() => app.exit(0));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}
