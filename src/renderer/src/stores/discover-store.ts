// The collab dashboards on the Hugging Face Hub (GET /v1/sync/discover), and connecting one of them from the list.
import { create } from 'zustand';
import type { SyncCollab, SyncDiscovered } from '@shared/sync-api';
import { syncService } from '../services/sync';
import { syncProblem, type SyncProblem } from './sync-problem';
import { useSync } from './sync-store';

interface DiscoverState {
  /** Most liked first; null until the person asks (listing the Hub is a network call, never made unasked). */
  collabs: SyncDiscovered[] | null;
  loading: boolean;
  /** Why the Hub could not be listed (HF_UNREACHABLE: the hint says a URL or org/slug still connects). */
  problem: SyncProblem | null;
  /** The Space being connected, while it is. */
  connecting: string | null;
  load(): Promise<void>;
  /**
   * Connects the Space's dashboard through the same path as a typed target (the collab's card appears with its
   * rules), then marks it connected in the list. Refusals are thrown for the row to show.
   */
  connect(space: string): Promise<SyncCollab>;
}

export const useDiscover = create<DiscoverState>((set, get) => ({
  collabs: null,
  loading: false,
  problem: null,
  connecting: null,

  async load() {
    set({ loading: true, problem: null });
    try {
      set({ collabs: (await syncService.discover()).collabs, loading: false });
    } catch (err) {
      set({ problem: syncProblem(err), loading: false });
    }
  },

  async connect(space) {
    const found = get().collabs?.find((c) => c.space === space);
    if (!found) throw new Error(`${space} is not in the list: find collabs on the Hub again`);
    set({ connecting: space });
    try {
      const collab = await useSync.getState().connect(found.dashboard_url);
      set({
        collabs: (get().collabs ?? []).map((c) =>
          c.space === space ? { ...c, connected: true, collab: collab.id } : c,
        ),
      });
      return collab;
    } finally {
      set({ connecting: null });
    }
  },
}));
