// Starts the sync service beside a running hub (its outbox in the hub's record) for both composition roots: the CLI's hub and the desktop app.
import type { RunningHub } from '../hub/server';
import { dataLayout } from '../platform/data-folder';
import { hfEndpoint } from '../platform/hf-token';
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
  return sync;
}
