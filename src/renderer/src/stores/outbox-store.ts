// The publish outbox (GET /v1/sync/outbox), kept live from `sync.outbox` events; retry and cancel.
import { create } from 'zustand';
import type { OutboxItem } from '@shared/sync-api';
import { liveEvents, sharedSubscription } from '../connection/live-events';
import { syncService } from '../services/sync';
import { asSyncAction, syncProblem, type SyncProblem } from './sync-problem';

interface OutboxState {
  /** Newest first. */
  items: OutboxItem[];
  problem: SyncProblem | null;
  loaded: boolean;
  load(): Promise<void>;
  retry(id: string): Promise<OutboxItem>;
  cancel(id: string): Promise<OutboxItem>;
  /** Takes in one item's newest state (an event, an answer, a publish). */
  keep(item: OutboxItem): void;
  /** Follows the event stream while a view shows the outbox; returns the unsubscribe. */
  follow(): () => void;
}

/**
 * `items` with `incoming` merged in, newest first. An event can overtake a list read (or arrive twice): the state
 * with the later `updated_at` wins, and an equal one is taken as the newer word.
 */
export function mergeOutbox(items: OutboxItem[], incoming: OutboxItem[]): OutboxItem[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const item of incoming) {
    const held = byId.get(item.id);
    if (!held || Date.parse(item.updated_at) >= Date.parse(held.updated_at)) byId.set(item.id, item);
  }
  return [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
}

export const useOutbox = create<OutboxState>((set, get) => ({
  items: [],
  problem: null,
  loaded: false,

  async load() {
    try {
      const fresh = await syncService.outbox();
      // The list is the truth, unless an event already moved an item past it (a later updated_at).
      set({ items: mergeOutbox(mergeOutbox([], fresh), get().items), problem: null, loaded: true });
    } catch (err) {
      set({ problem: syncProblem(err), loaded: true });
    }
  },

  async retry(id) {
    const item = await asSyncAction(() => syncService.retry(id));
    get().keep(item);
    return item;
  },

  async cancel(id) {
    const item = await asSyncAction(() => syncService.cancel(id));
    get().keep(item);
    return item;
  },

  keep(item) {
    set({ items: mergeOutbox(get().items, [item]) });
  },

  follow: sharedSubscription(() => [
    liveEvents.on<OutboxItem>('sync.outbox', (e) => get().keep(e.data)),
    // Missed events while away: the list is read whole again.
    liveEvents.onResync(() => void get().load()),
  ]),
}));
