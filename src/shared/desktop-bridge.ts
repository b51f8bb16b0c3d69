// The preload's API as the page sees it (window.collabDesk): the few native things a page cannot do over HTTP.

export interface HubAccess {
  /** The organizer's bearer token: the person at this desktop is the organizer. */
  token: string;
}

/** The folders of the data folder the desktop may open; agents' own files are never opened (they could be programs). */
export const DATA_SUBFOLDERS = ['scratch', 'central', 'models', 'swarm'] as const;
export type DataSubfolder = (typeof DATA_SUBFOLDERS)[number];

export interface DesktopBridge {
  platform: string;
  /** The desktop app opens the first-start welcome by itself, once per data folder (a browser never does). */
  welcomeOnFirstStart?: boolean;
  /** The organizer token for the hub this window shows; handed over IPC, never put in a URL. */
  hubAccess(): Promise<HubAccess>;
  /** Opens the data folder, or one of its top folders, in the system's file manager (never a file: nothing is run). */
  openDataFolder(folder?: DataSubfolder): Promise<void>;
  /**
   * Asks for another data folder (a native folder dialog); on a choice the app remembers it and restarts on it.
   * Resolves with the chosen path, or null when the person cancelled.
   */
  chooseDataFolder(): Promise<string | null>;
}

/** The IPC channels behind the bridge: the preload invokes them, the main process answers only the hub's own page. */
export const BRIDGE_CHANNELS = {
  hubAccess: 'collab-desk:hub-access',
  openDataFolder: 'collab-desk:open-data-folder',
  chooseDataFolder: 'collab-desk:choose-data-folder',
} as const;
