// The main-process side of window.collabDesk: each IPC channel answers only the hub's own page in our window.
import { dialog, ipcMain, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { BRIDGE_CHANNELS, type HubAccess } from '../shared/desktop-bridge';
import { isHubUrl } from './web-security';

export interface BridgeContext {
  /** The window showing the dashboard; a call from any other web contents is refused. */
  window(): BrowserWindow | null;
  hubOrigin(): string | null;
  organizerTokenPath(): string | null;
  dataDir(): string;
  /** Remembers the new data folder and restarts the app on it. */
  switchDataFolder(dir: string): void;
}

/** The sender must be our window's top frame, showing a page from the hub (not a page it was tricked into loading). */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, context: Pick<BridgeContext, 'window' | 'hubOrigin'>): boolean {
  const win = context.window();
  const origin = context.hubOrigin();
  const frame = event.senderFrame;
  if (!win || win.isDestroyed() || !origin || !frame) return false;
  return event.sender === win.webContents && frame === win.webContents.mainFrame && isHubUrl(frame.url, origin);
}

/** A folder inside the data folder, or null when the path tries to leave it. */
export function insideDataDir(dataDir: string, subpath: string): string | null {
  const target = resolve(dataDir, subpath);
  const rel = relative(dataDir, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)) ? target : null;
}

export function registerBridgeHandlers(context: BridgeContext): void {
  const handle = <T>(channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<T> | T) => {
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event, context)) throw new Error(`${channel} refused: the caller is not the Collab Desk dashboard`);
      return fn(event, ...args);
    });
  };

  handle(BRIDGE_CHANNELS.hubAccess, (): HubAccess => {
    const path = context.organizerTokenPath();
    if (!path) throw new Error('the hub is not running');
    return { token: readFileSync(path, 'utf8').trim() };
  });

  handle(BRIDGE_CHANNELS.openDataFolder, async (_event, subpath) => {
    const target = insideDataDir(context.dataDir(), typeof subpath === 'string' ? subpath : '');
    if (!target) throw new Error('that folder is outside the data folder');
    const error = await shell.openPath(target);
    if (error) throw new Error(error);
  });

  handle(BRIDGE_CHANNELS.chooseDataFolder, async () => {
    const win = context.window();
    const options = {
      title: 'Choose the data folder',
      message: 'Collab Desk keeps its record, workspace and settings in this folder. The app restarts on the new folder.',
      defaultPath: context.dataDir(),
      properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
    };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    const dir = picked.canceled ? undefined : picked.filePaths[0];
    if (!dir || resolve(dir) === resolve(context.dataDir())) return null;
    // Answer first, then restart, so the page hears which folder was chosen.
    setTimeout(() => context.switchDataFolder(dir), 100);
    return dir;
  });
}
