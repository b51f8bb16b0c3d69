// The hub as a process that serves it holds it: the record, with the optional services that run beside it.
import type { JobRunner } from '../shared/challenge';
import type { MirrorControl } from '../shared/mirror-api';
import type { ModelLibrary } from '../shared/models';
import type { PackInstaller } from '../shared/packs-api';
import type { SwarmControl } from '../shared/swarm';
import type { SyncControl } from '../shared/sync-api';
import { Hub, type HubInit } from './hub';
import type { HubServices } from './hub-services';
import type { LiveProgress } from './jobs/job-info';
import { JobQueue } from './jobs/job-queue';

export interface HostedServiceOptions {
  /** Runs benchmark jobs (the bench engine); without one the hub is board-only. */
  jobRunner?: JobRunner;
  /** The model files on this machine (the bench's library). */
  models?: ModelLibrary;
  /** Installs the shipped challenge packs (the bench's installer). */
  packs?: PackInstaller;
}

/**
 * The services are made with the hub and handed to their routes by `services`; the fields stay readable here for the
 * composition roots and tests that wait on the queue or read the swarm. The swarm and the sync service are attached
 * later (see HubServices.swarm and HubServices.sync).
 */
export class HostedHub extends Hub {
  readonly jobQueue: JobQueue | null;
  readonly models: ModelLibrary | null;
  readonly packs: PackInstaller | null;
  swarm: SwarmControl | null;
  sync: SyncControl | null;
  mirror: MirrorControl | null;
  readonly services: HubServices;

  constructor(init: Omit<HubInit, 'jobProgress'>, options: HostedServiceOptions = {}) {
    const progress: LiveProgress | undefined = options.jobRunner ? new Map() : undefined;
    super({ ...init, ...(progress ? { jobProgress: progress } : {}) });
    this.jobQueue = options.jobRunner && progress ? new JobQueue(this, options.jobRunner, progress) : null;
    this.models = options.models ?? null;
    this.packs = options.packs ?? null;
    this.swarm = null;
    this.sync = null;
    this.mirror = null;
    this.services = {
      jobQueue: this.jobQueue,
      models: this.models,
      packs: this.packs,
      swarm: () => this.swarm,
      sync: () => this.sync,
      mirror: () => this.mirror,
    };
  }
}
