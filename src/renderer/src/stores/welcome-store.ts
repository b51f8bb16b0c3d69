// The first-start welcome's state: what runs where, the machine, the packs to start with and their install (live on
// pack.install events), the Hugging Face sign-in; closing it marks it read on the hub.
import { create } from 'zustand';
import type { AvailableModel, ModelsInfo } from '@shared/models';
import type { PackInstall, ShippedPack } from '@shared/packs-api';
import type { SettingsInfo } from '@shared/settings';
import { errorText } from '../connection/hub-api';
import { liveEvents, sharedSubscription } from '../connection/live-events';
import { welcomeService } from '../services/welcome';
import { useSession } from './session-store';

interface WelcomeState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  error: string | null;
  settings: SettingsInfo | null;
  /** null: this hub installs no packs (a board-only hub). */
  packs: ShippedPack[] | null;
  install: PackInstall | null;
  models: ModelsInfo | null;
  /** The Hugging Face user signed in for the public collab; null when nobody is, or the hub has no sync service. */
  hfUser: string | null;
  syncAvailable: boolean;
  /** Why the last action was refused, in the hub's words. */
  actionError: string | null;
  agentsStarted: number;
  load(): Promise<void>;
  installPack(pack: string, downloads: boolean): Promise<void>;
  cancelInstall(): Promise<void>;
  startAgents(count: number): Promise<void>;
  /** Marks the welcome read: it no longer opens by itself on this data folder. */
  close(): Promise<void>;
  follow(): () => void;
}

export const useWelcome = create<WelcomeState>((set, get) => ({
  status: 'idle',
  error: null,
  settings: null,
  packs: null,
  install: null,
  models: null,
  hfUser: null,
  syncAvailable: false,
  actionError: null,
  agentsStarted: 0,

  async load() {
    if (get().status === 'idle') set({ status: 'loading' });
    try {
      const [settings, packs, models, sync] = await Promise.all([
        welcomeService.settings(),
        welcomeService.packs(),
        welcomeService.models(),
        welcomeService.sync(),
      ]);
      set({
        status: 'ready',
        error: null,
        settings,
        packs: packs?.packs ?? null,
        install: packs?.install ?? null,
        models,
        hfUser: sync?.signed_in?.user ?? null,
        syncAvailable: sync !== null,
      });
    } catch (err) {
      set({ status: 'failed', error: errorText(err) });
    }
  },

  async installPack(pack, downloads) {
    set({ actionError: null });
    try {
      set({ install: await welcomeService.install(pack, downloads) });
    } catch (err) {
      set({ actionError: errorText(err) });
    }
  },

  async cancelInstall() {
    try {
      set({ install: await welcomeService.cancelInstall() });
    } catch (err) {
      set({ actionError: errorText(err) });
    }
  },

  async startAgents(count) {
    set({ actionError: null });
    try {
      const agents = await welcomeService.startAgents(count);
      set({ agentsStarted: agents.length });
    } catch (err) {
      set({ actionError: errorText(err) });
    }
  },

  async close() {
    try {
      await welcomeService.markSeen();
    } catch (err) {
      set({ actionError: errorText(err) });
      throw err;
    }
    const settings = get().settings;
    if (settings) set({ settings: { ...settings, welcome_seen_at: new Date().toISOString() } });
  },

  follow: sharedSubscription(() => [
    liveEvents.on<PackInstall>('pack.install', (e) => {
      set({ install: e.data });
      // Installed: the packs say which one the hub hosts now, and the hub's goal and features follow the new pack.
      if (e.data.state !== 'installing') {
        void get().load();
        void useSession.getState().refreshHub();
      }
    }),
    // pack.install is never replayed: after a drop the state is read whole again.
    liveEvents.onResync(() => void get().load()),
  ]),
}));

/** The pack's Hub files that are not on this machine yet, with their sizes as the models list knows them. */
export function packDownloads(models: ModelsInfo | null, pack: ShippedPack): AvailableModel[] {
  return (models?.available ?? []).filter((m) => m.pack === pack.id);
}

/** Their total, or null while any size is unknown. */
export function downloadBytes(files: AvailableModel[]): number | null {
  let total = 0;
  for (const f of files) {
    if (f.bytes === null) return null;
    total += f.bytes;
  }
  return total;
}
