// Where the hub keeps its state: the default per-user folder, and the layout inside any data folder.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The same folder Electron's app.getPath('userData') gives an app named collab-desk, so CLI and app share it. */
export function defaultDataFolder(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'collab-desk');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'collab-desk');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'collab-desk');
}

export interface DataLayout {
  root: string;
  database: string;
  config: string;
  organizerToken: string;
  scratch: string;
  central: string;
  /** The installed challenge pack (`collab-desk challenge init` writes it). */
  challengePack: string;
  /** Generated and downloaded models that are not in the Hugging Face cache. */
  models: string;
  /** What the person set in the dashboard's Settings (agent defaults). */
  settings: string;
  /** When the organizer closed the desktop app's first-start welcome (it opens by itself once per data folder). */
  welcome: string;
  /** The public collabs this machine is connected to (`collab-desk sync connect`): URLs and rules, never a token. */
  collabs: string;
  /** What `collab-desk sync login` wrote (the token file's path and a fingerprint), so sign-out removes only that. */
  hfLogin: string;
  /** The pid of the hub process that holds the folder (one hub per folder). */
  hubLock: string;
  /** The URL that hub listens on, written once it listens and removed with the lock: how the CLI finds it. */
  hubUrl: string;
}

export function dataLayout(root: string): DataLayout {
  return {
    root,
    database: join(root, 'hub.db'),
    config: join(root, 'config.json'),
    organizerToken: join(root, 'organizer-token'),
    scratch: join(root, 'scratch'),
    central: join(root, 'central'),
    challengePack: join(root, 'challenge', 'pack.json'),
    models: join(root, 'models'),
    settings: join(root, 'settings.json'),
    welcome: join(root, 'welcome.json'),
    collabs: join(root, 'sync', 'collabs.json'),
    hfLogin: join(root, 'sync', 'hf-login.json'),
    hubLock: join(root, 'hub.lock'),
    hubUrl: join(root, 'hub.url'),
  };
}
