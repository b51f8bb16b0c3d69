// Electron main process: one instance, the hub in-process on loopback with its swarm beside it, one locked-down window onto it.
import { app, BrowserWindow, shell } from 'electron';
import { join } from 'node:path';
import { superviseBeside } from '../agents/supervisor';
import { engineJobRunner } from '../bench/job-runner';
import { installedDemoTarget } from '../bench/pack-install';
import { startHub, type RunningHub } from '../hub/server';

let running: RunningHub | undefined;

async function openWindow(url: string): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'Collab Desk',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.mjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  // Links to elsewhere open in the user's browser; the window never navigates away from the hub.
  win.webContents.setWindowOpenHandler(({ url: target }) => {
    if (/^https?:\/\//.test(target)) void shell.openExternal(target);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, target) => {
    if (!target.startsWith(url)) event.preventDefault();
  });
  await win.loadURL(`${url}/README.md`);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.whenReady().then(async () => {
    running = await startHub({ dataDir: app.getPath('userData'), port: 0, jobRunner: engineJobRunner() });
    const packFile = running.hub.layout.challengePack;
    superviseBeside(running, { agentModel: () => installedDemoTarget(packFile) });
    await openWindow(running.url);
  }, (err: unknown) => {
    console.error('Collab Desk could not start:', err);
    app.exit(1);
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (!running) return;
    event.preventDefault();
    const closing = running;
    running = undefined;
    void closing.close().finally(() => app.quit());
  });
}
