// The main-process side of window.collabDesk: each IPC channel answers only the hub's own page in our window.
import { dialog, ipcMain, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { BRIDGE_CHANNELS, DATA_SUBFOLDERS, type HubAccess } from '../shared/desktop-bridge';
import { dataFolderProblem } from './desktop-settings';
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
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  context: Pick<BridgeContext, 'window' | 'hubOrigin'>,
): boolean {
  const win = context.window();
  const origin = context.hubOrigin();
  const frame = event.senderFrame;
  if (!win || win.isDestroyed() || !origin || !frame) return false;
  return event.sender === win.webContents && frame === win.webContents.mainFrame && isHubUrl(frame.url, origin);
}

/**
 * The data folder or one of its own top folders, as a real directory inside it; null for anything else (a file, a
 * link out, another name). shell.openPath would run a file, so only folders are ever opened.
 */
export function dataFolderToOpen(dataDir: string, folder: unknown): string | null {
  if (folder !== '' && !(DATA_SUBFOLDERS as readonly unknown[]).includes(folder)) return null;
  const target = join(dataDir, folder as string);
  try {
    const info = lstatSync(target);
    if (!info.isDirectory()) return null;
    const rel = relative(realpathSync(dataDir), realpathSync(target));
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)) ? target : null;
  } catch {
    return null;
  }
}

export function registerBridgeHandlers(context: BridgeContext): void {
  const handle = <T>(channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<T> | T) => {
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event, context))
        throw new Error(`${channel} refused: the caller is not the Collab Desk dashboard`);
      return fn(event, ...args);
    });
  };

  handle(BRIDGE_CHANNELS.hubAccess, (): HubAccess => {
    const path = context.organizerTokenPath();
    if (!path) throw new Error('the hub is not running');
    return { token: readFileSync(path, 'utf8').trim() };
  });

  handle(BRIDGE_CHANNELS.openDataFolder, async (_event, folder) => {
    const target = dataFolderToOpen(context.dataDir(), folder ?? '');
    if (!target) throw new Error(`only the data folder and its folders ${DATA_SUBFOLDERS.join(', ')} can be opened`);
    const error = await shell.openPath(target);
    if (error) throw new Error(error);
  });

  handle(BRIDGE_CHANNELS.chooseDataFolder, async () => {
    const win = context.window();
    const options = {
      title: 'Choose the data folder',
      message:
        'Collab Desk keeps its record, workspace and settings in this folder. The app restarts on the new folder.',
      defaultPath: context.dataDir(),
      properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
    };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    const dir = picked.canceled ? undefined : picked.filePaths[0];
    if (!dir || resolve(dir) === resolve(context.dataDir())) return null;
    const problem = dataFolderProblem(dir);
    if (problem) throw new Error(problem);
    // Answer first, then restart, so the page hears which folder was chosen.
    setTimeout(() => context.switchDataFolder(dir), 100);
    return dir;
  });
}
