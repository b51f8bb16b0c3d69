// The optional services a hub runs beside its record, handed by the composition root to the routes that use them.
import type { MirrorControl } from '../shared/mirror-api';
import type { ModelLibrary } from '../shared/models';
import type { PackInstaller } from '../shared/packs-api';
import type { SwarmControl } from '../shared/swarm';
import type { SyncControl } from '../shared/sync-api';
import type { JobQueue } from './jobs/job-queue';

export interface HubServices {
  /** Runs benchmark jobs; null on a board-only hub (no runner was given), where /v1/jobs answers JOBS_DISABLED. */
  readonly jobQueue: JobQueue | null;
  /** The model files on this machine; null when the process running the hub does not manage them (MODELS_DISABLED). */
  readonly models: ModelLibrary | null;
  /** Installs the shipped challenge packs; null when the process running the hub does not (PACKS_DISABLED). */
  readonly packs: PackInstaller | null;
  /**
   * The agent swarm running beside the hub, read when a request needs it: its supervisor starts after the hub (it
   * needs the hub's URL), so it is attached to a hub that already serves.
   */
  swarm(): SwarmControl | null;
  /**
   * The sync service (Hugging Face sign-in, public collabs, the outbox), read when a request needs it: it keeps its
   * outbox in the hub's record (Hub.outboxRecord), so it is made after the hub and attached to it; null until then,
   * where /v1/sync answers SYNC_DISABLED.
   */
  sync(): SyncControl | null;
  /** The mirror of public collabs (over Hub.mirrorRecord), attached like the sync service; null: MIRROR_DISABLED. */
  mirror(): MirrorControl | null;
}
