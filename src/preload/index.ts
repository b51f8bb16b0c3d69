// Preload: the page's only window onto native things (window.collabDesk), each call one IPC invoke the main process checks.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_CHANNELS, type DataSubfolder, type DesktopBridge, type HubAccess } from '../shared/desktop-bridge';

const bridge: DesktopBridge = {
  platform: process.platform,
  welcomeOnFirstStart: true,
  hubAccess: () => ipcRenderer.invoke(BRIDGE_CHANNELS.hubAccess) as Promise<HubAccess>,
  // Only a name crosses: the main process opens one of the data folder's own folders or refuses.
  openDataFolder: (folder?: DataSubfolder) =>
    ipcRenderer.invoke(BRIDGE_CHANNELS.openDataFolder, typeof folder === 'string' ? folder : '') as Promise<void>,
  chooseDataFolder: () => ipcRenderer.invoke(BRIDGE_CHANNELS.chooseDataFolder) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('collabDesk', bridge);
