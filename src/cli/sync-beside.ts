// Starts the sync service and the mirror of public collabs beside a running hub (the outbox and the copies in the hub's record) for both composition roots: the CLI's hub and the desktop app.
import type { RunningHub } from '../hub/server';
import { dataLayout } from '../platform/data-folder';
import { hfEndpoint } from '../platform/hf-token';
import { listConnections } from '../sync/collab-store';
import { createMirrorService } from '../sync/mirror-service';
import { createSyncService, fileTokenVault, type TokenVault } from '../sync/sync-service';

export interface SyncBesideOptions {
  /**
   * The environment the process started with: the hub takes HF_TOKEN out of process.env (so no child inherits it),
   * and the sync service must still see a login given that way.
   */
  startEnv: NodeJS.ProcessEnv;
  /** Where the token is kept; default the standard HF token file (the desktop app passes its keychain vault). */
  vault?: TokenVault;
}

export function syncBeside(running: RunningHub, options: SyncBesideOptions) {
  const env = options.startEnv;
  const dataFolder = running.hub.layout.root;
  const scale = Number(env.COLLAB_DESK_SYNC_POLL_SCALE ?? '1');
  const backoff = Number(env.COLLAB_DESK_SYNC_BACKOFF_MS ?? '');
  const sync = createSyncService({
    dataFolder,
    hfEndpoint: hfEndpoint(env),
    record: running.hub.outboxRecord,
    vault: options.vault ?? fileTokenVault(dataLayout(dataFolder).hfLogin, env),
    // Test hooks only: the device code's poll interval and the outbox's first retry delay.
    devicePollScale: Number.isFinite(scale) && scale >= 0 ? scale : 1,
    ...(Number.isFinite(backoff) && backoff > 0 ? { backoffMs: backoff } : {}),
  });
  running.attachSync(sync);
  sync.start();
  // The mirror reads public collabs tokenless; its poll interval is a test hook (the public listing TTL otherwise).
  const pollMs = Number(env.COLLAB_DESK_MIRROR_POLL_MS ?? '');
  const collabsFile = dataLayout(dataFolder).collabs;
  const mirror = createMirrorService({
    record: running.hub.mirrorRecord,
    hfEndpoint: hfEndpoint(env),
    // An identity registered on the collab from here: its long-poll hears mentions and broadcasts at once.
    watchAs: (collab) => listConnections(collabsFile).find((c) => c.id === collab)?.agents?.[0]?.agent_id ?? null,
    ...(Number.isFinite(pollMs) && pollMs > 0 ? { pollMs, maxBackoffMs: pollMs * 4 } : {}),
  });
  running.attachMirror(mirror);
  mirror.start();
  return sync;
}
