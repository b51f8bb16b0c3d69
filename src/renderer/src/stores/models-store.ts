// The models view's state: GET /v1/models kept current by the event stream (download progress, installs, deletes).
import { create } from 'zustand';
import type { DownloadInfo, ModelsInfo, PullModelBody } from '@shared/models';
import { errorText } from '../connection/hub-api';
import { liveEvents, sharedSubscription } from '../connection/live-events';
import { modelsService } from '../services/models';

interface ModelsState {
  info: ModelsInfo | null;
  error: string | null;
  loading: boolean;
  /** The newest state of each download, from `model.progress` events over the last read of the list. */
  downloads: Record<string, DownloadInfo>;
  load(): Promise<void>;
  /** Starts a pull; throws the hub's refusal for the form that asked. */
  pull(body: PullModelBody): Promise<DownloadInfo>;
  cancel(downloadId: string): Promise<void>;
  /** Deletes an installed model; resolves with the bytes freed. */
  remove(modelId: string, force: boolean): Promise<number>;
  /** Follows the event stream while a view shows models; returns the unsubscribe. */
  follow(): () => void;
}

const ENDED = new Set<DownloadInfo['state']>(['done', 'failed', 'cancelled']);
/**
 * While the hub is still asking the Hub for sizes (or the GPU for its memory, for the fits hint), the list is read
 * again this often, this many times at most.
 */
const SIZE_REREAD_MS = 2_500;
const SIZE_REREADS = 5;

/** Whether `a` is a later state of the same download than `b` (an event can overtake a list read). */
function isAhead(a: DownloadInfo, b: DownloadInfo): boolean {
  if (ENDED.has(a.state) !== ENDED.has(b.state)) return ENDED.has(a.state);
  return a.bytes > b.bytes;
}

export const useModels = create<ModelsState>((set, get) => {
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  // Several events can land together (installed + progress); one re-read answers them all.
  const reloadSoon = () => {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void get().load();
    }, 150);
  };
  // The hub answers a listing without waiting long for the Hub: a size still being asked for shows on a later read.
  let sizeTimer: ReturnType<typeof setTimeout> | null = null;
  let sizeRereads = 0;
  const rereadForSizes = (info: ModelsInfo) => {
    if (!info.available.some((m) => m.size_pending || m.fit?.provisional)) {
      sizeRereads = 0;
      return;
    }
    if (sizeTimer || sizeRereads >= SIZE_REREADS) return;
    sizeRereads++;
    sizeTimer = setTimeout(() => {
      sizeTimer = null;
      void get().load();
    }, SIZE_REREAD_MS);
  };
  const keep = (download: DownloadInfo) => set((s) => ({ downloads: { ...s.downloads, [download.id]: download } }));

  return {
    info: null,
    error: null,
    loading: false,
    downloads: {},

    async load() {
      set({ loading: true });
      try {
        const info = await modelsService.read();
        // The list is the truth for every download it names; events only move them on from there.
        const downloads = { ...get().downloads };
        for (const d of info.downloads) {
          const live = downloads[d.id];
          if (!live || !isAhead(live, d)) downloads[d.id] = d;
        }
        set({ info, downloads, error: null, loading: false });
        rereadForSizes(info);
      } catch (err) {
        set({ error: errorText(err), loading: false });
      }
    },

    async pull(body) {
      const download = await modelsService.pull(body);
      keep(download);
      if (download.state === 'done') reloadSoon();
      return download;
    },

    async cancel(downloadId) {
      const download = await modelsService.cancelDownload(downloadId);
      keep(download);
    },

    async remove(modelId, force) {
      const freed = await modelsService.remove(modelId, force);
      await get().load();
      return freed;
    },

    follow: sharedSubscription(() => [
      liveEvents.on<DownloadInfo>('model.progress', (e) => {
        keep(e.data);
        if (ENDED.has(e.data.state)) reloadSoon();
      }),
      liveEvents.on('model.installed', reloadSoon),
      liveEvents.on('model.failed', reloadSoon),
      liveEvents.on('model.cancelled', reloadSoon),
      liveEvents.on('model.deleted', reloadSoon),
      // model.progress is never replayed: after a drop the downloads are read whole again.
      liveEvents.onResync(reloadSoon),
    ]),
  };
});

/** Every download worth showing, running ones first, each at its newest state. */
export function sortedDownloads(downloads: Record<string, DownloadInfo>): DownloadInfo[] {
  const running = (d: DownloadInfo) => (d.state === 'starting' || d.state === 'downloading' ? 0 : 1);
  return Object.values(downloads).sort((a, b) => running(a) - running(b) || b.started_at.localeCompare(a.started_at));
}
