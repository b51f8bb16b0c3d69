// Preload: the page's only window onto native things (window.collabDesk), each call one IPC invoke the main process checks.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_CHANNELS, type DesktopBridge, type HubAccess } from '../shared/desktop-bridge';

const bridge: DesktopBridge = {
  platform: process.platform,
  hubAccess: () => ipcRenderer.invoke(BRIDGE_CHANNELS.hubAccess) as Promise<HubAccess>,
  // Only a string crosses: the main process resolves it inside the data folder or refuses.
  openDataFolder: (subpath?: string) => ipcRenderer.invoke(BRIDGE_CHANNELS.openDataFolder, typeof subpath === 'string' ? subpath : '') as Promise<void>,
  chooseDataFolder: () => ipcRenderer.invoke(BRIDGE_CHANNELS.chooseDataFolder) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('collabDesk', bridge);
