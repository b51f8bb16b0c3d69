// The swarm's inference host over time: started for a model, stopped, brought back after a crash, paused by the GPU lease.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { SwarmError, type InferenceStatus, type SwarmChange } from '../shared/swarm';
import type { Redactor } from './agent-env';
import { InferenceHost, type LeaseSource } from './inference/inference-host';

/** An error's first line, cut short: a compiler's failure starts with its whole command line. */
function firstLine(err: unknown): string {
  const line = String((err as Error)?.message ?? err).split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** llama-server for the host to decode on: found already built, or built (typed by shape: agents never import bench). */
export interface LlamaServerSource {
  found(): Promise<{ binary: string; bins: string } | null>;
  build(onProgress: (line: string) => void): Promise<{ binary: string; bins: string }>;
}

/** How the host runs the model: the supervisor's options, the same for every start. */
export interface InferenceSettings {
  sequences?: number;
  threads?: number;
  gpuLayers?: number | 'auto';
  contextSize?: number;
  /**
   * Where llama-server comes from. With it the host decodes on llama-server's slots (llama.cpp's own batching, at
   * its speed: bench:agents); until it is built (once, in the background) and wherever it cannot be, node-llama-cpp
   * decodes, and the status says why. Without it, node-llama-cpp always.
   */
  llamaServer?: LlamaServerSource;
}

export interface InferenceLifecycleOptions {
  settings?: InferenceSettings;
  lease?: LeaseSource;
  /** How long after a crash the host is started again. */
  restartDelayMs: number;
  /** The host's key is a secret: what agents print is redacted of it. */
  redactor: Redactor;
  /** The swarm's listeners hear every change of the host's status and of the lease. */
  emit(change: SwarmChange): void;
}

/**
 * One model is loaded at a time, by one host process that outlives any agent: agents come and go, the host stays
 * until the swarm stops or another model is asked for. Its endpoint and key survive restarts, so external agents,
 * which were given them once in their environment, keep working after a crash. While a benchmark holds the GPU the
 * host pauses itself (it follows the lease); the swarm's status says so at once, before the pause has drained.
 */
export class InferenceLifecycle {
  private host: InferenceHost | null = null;
  /** The inference host's supervisor key, for the supervisor's lifetime; each agent gets a key derived from it. */
  private readonly key = randomBytes(32).toString('base64url');
  private starting: Promise<InferenceHost> | null = null;
  private served: string | null = null;
  private port = 0;
  private pausedJob: string | null = null;
  private statusCache: InferenceStatus | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private unfollowLease: () => void = () => {};
  private unfollowHostLease: () => void = () => {};
  private retired = false;
  /** llama-server once found or built; null while it is not (yet). */
  private engine: { binary: string; bins: string } | null = null;
  /** Why node-llama-cpp decodes although llama-server was asked for (building, or it could not be built). */
  private engineNote: string | null = null;
  private engineLookup: Promise<void> | null = null;
  /** The built llama-server waits for the host to be idle to take over (a restart, between agents' requests). */
  private engineWaiting = false;
  /** When the running host started, and how many llama-server hosts in a row died within a minute of it. */
  private startedAt = 0;
  private quickEngineExits = 0;

  constructor(private readonly o: InferenceLifecycleOptions) {
    if (o.lease) this.unfollowLease = o.lease.onChange((holder) => this.onLease(holder?.job ?? null));
  }

  /** The host serving now (null while none runs, or while one is still loading). */
  get running(): InferenceHost | null {
    return this.host;
  }

  /** The model the host serves or is loading; null when none was asked for (or the last one failed to load). */
  get model(): string | null {
    return this.served;
  }

  /** The host's last known status (figures refreshed every 5 s while it runs); null before the first start. */
  get status(): InferenceStatus | null {
    return this.statusCache;
  }

  /** The benchmark job holding the GPU, while inference waits for it. */
  get pausedForJob(): string | null {
    return this.pausedJob;
  }

  /** The host serving `model`: the running one, the one loading it, or a new one (any other model's host stops first). */
  async ensure(model: string): Promise<InferenceHost> {
    if (this.host && this.served === model) return this.host;
    if (this.starting && this.served === model) return this.starting;
    await this.stop();
    this.served = model;
    this.starting = (async () => {
      let started: InferenceHost | null = null;
      const settings = this.o.settings;
      await this.findEngine();
      const start = (engine: { binary: string; bins: string } | null) =>
        InferenceHost.start({
          model,
          ...(engine ? { llamaServer: engine } : {}),
          sequences: settings?.sequences ?? 4,
          ...(settings?.threads ? { threads: settings.threads } : {}),
          ...(settings?.gpuLayers !== undefined ? { gpuLayers: settings.gpuLayers } : {}),
          ...(settings?.contextSize ? { contextSize: settings.contextSize } : {}),
          // The same port and key after a restart keep the endpoint and the keys that external agents were given.
          port: this.port,
          key: this.key,
          onExit: () => {
            if (started) this.onExit(started);
          },
        });
      let host: InferenceHost;
      if (this.engine) this.engineNote = null;
      try {
        host = await start(this.engine);
      } catch (err) {
        if (!this.engine) throw err;
        // a model llama-server will not serve (e.g. an architecture it lacks) may still load in node-llama-cpp
        this.engineNote = `node-llama-cpp decodes ${basename(model)}: llama-server could not serve it (${firstLine(err)})`;
        host = await start(null);
      }
      started = host;
      this.startedAt = Date.now();
      this.port = new URL(host.url).port ? Number(new URL(host.url).port) : 0;
      this.o.redactor.add(host.key);
      this.host = host;
      // The host pauses itself for every lease, in order, starting paused when a job holds the GPU now.
      if (this.o.lease) this.unfollowHostLease = host.followLease(this.o.lease);
      await this.refreshStatus();
      return host;
    })();
    try {
      return await this.starting;
    } catch (err) {
      this.served = null;
      throw new SwarmError(
        'INVALID_BODY',
        `the inference host could not load ${basename(model)}: ${(err as Error).message}`,
        'check that the file is a GGUF model llama.cpp can load',
      );
    } finally {
      this.starting = null;
    }
  }

  /**
   * The first start looks for a built llama-server; when there is none it starts the build in the background and
   * this start (and the next, until the build ends) decodes on node-llama-cpp, so agents never wait minutes for a
   * compiler. Once built, the host moves to it as soon as it is idle.
   */
  private findEngine(): Promise<void> {
    const source = this.o.settings?.llamaServer;
    if (!source) return Promise.resolve();
    this.engineLookup ??= (async () => {
      try {
        this.engine = await source.found();
      } catch (err) {
        this.engineNote = `node-llama-cpp decodes: llama-server could not be found (${firstLine(err)})`;
        return;
      }
      if (this.engine) return;
      this.engineNote =
        'node-llama-cpp decodes while llama-server is built from the bundled llama.cpp source (once, a few minutes); the host moves to it when it is idle';
      void source
        .build(() => {})
        .then(
          (built) => {
            this.engine = built;
            this.engineNote = null;
            this.engineWaiting = true;
            void this.refreshStatus();
          },
          (err: unknown) => {
            this.engineNote = `node-llama-cpp decodes: llama-server could not be built (${firstLine(err)})`;
            void this.refreshStatus();
          },
        );
    })();
    return this.engineLookup;
  }

  /** The built llama-server takes over from node-llama-cpp once no request runs or waits (a restart on the same model). */
  private async moveToEngineWhenIdle(status: InferenceStatus): Promise<void> {
    if (!this.engineWaiting || !this.host || this.starting || this.retired) return;
    if (status.state !== 'ready' || status.busy > 0 || status.queued > 0) return;
    this.engineWaiting = false;
    const model = this.served;
    if (!model || status.engine === 'llama-server') return;
    // Drained first, as for a benchmark: a request that came in since the status was read finishes (or waits and is
    // answered 503 "shutting down", which agents retry) instead of losing its connection mid-answer.
    await this.host.pause().catch(() => {});
    await this.stop();
    await this.ensure(model).catch(() => {});
  }

  private onExit(host: InferenceHost): void {
    if (this.host !== host) return;
    this.host = null;
    this.unfollowHostLease();
    this.unfollowHostLease = () => {};
    this.statusCache = this.statusCache && { ...this.statusCache, state: 'failed', error: 'the inference host exited' };
    // A llama-server that dies soon after every start would restart forever: the second time, node-llama-cpp decodes.
    if (this.engine && this.statusCache?.engine === 'llama-server') {
      const lived = Date.now() - this.startedAt;
      this.quickEngineExits = lived < 60_000 ? this.quickEngineExits + 1 : 0;
      if (this.quickEngineExits >= 2) {
        this.engine = null;
        this.engineWaiting = false;
        this.engineNote = `node-llama-cpp decodes: llama-server exited twice within a minute of starting (${
          host
            .stderrTail()
            .split('\n')
            .findLast((l) => l.includes('llama-server')) ?? 'see the host log'
        })`;
      }
    }
    this.emitStatus();
    // Local agents retry their steps; bring the model back for them.
    if (!this.retired && this.served) {
      const model = this.served;
      this.served = null;
      setTimeout(() => void this.ensure(model).catch(() => {}), this.o.restartDelayMs);
    }
  }

  /** Stops the host (the GPU memory is given back); the next `ensure` loads the model again. */
  async stop(): Promise<void> {
    const host = this.host;
    this.host = null;
    this.unfollowHostLease();
    this.unfollowHostLease = () => {};
    if (host) await host.stop();
    if (this.statusCache) {
      this.statusCache = { ...this.statusCache, state: 'stopped', busy: 0, queued: 0 };
      this.emitStatus();
    }
  }

  /**
   * The swarm is closing: a host that exits from now on is not brought back, and the lease is no longer reported.
   * The host itself keeps serving until `stop`, so the agents still stopping can finish their steps.
   */
  retire(): void {
    this.retired = true;
    this.unfollowLease();
  }

  private async refreshStatus(): Promise<void> {
    const host = this.host;
    if (!host) return;
    try {
      const status = await host.status();
      this.statusCache = this.engineNote ? { ...status, engine_note: this.engineNote } : status;
      this.emitStatus();
      void this.moveToEngineWhenIdle(status);
    } catch {
      // The next refresh will tell.
    }
    // Figures (tokens/s per agent) change with every request: refresh them while the host runs.
    if (!this.statusTimer) {
      this.statusTimer = setInterval(() => {
        if (!this.host) {
          clearInterval(this.statusTimer!);
          this.statusTimer = null;
          return;
        }
        void this.refreshStatus();
      }, 5000);
      this.statusTimer.unref();
    }
  }

  /** The host follows the lease itself (followLease); here the swarm's status says so, at once. */
  private onLease(job: string | null): void {
    this.pausedJob = job;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.o.emit({ type: 'swarm.inference', inference: this.statusCache, paused_for_job: this.pausedJob });
  }
}
