// Lets an agent's completions on a server on this machine use the GPU only while no benchmark holds it, and drains them when one takes it.

/** How long a completion already running when a benchmark takes the GPU may go on before it is interrupted. */
export const DEFAULT_GPU_GRACE_MS = 5000;

/** One completion's leave to run on the GPU, held while its request runs. */
export interface GpuPass {
  /** Aborted when the GPU was taken and the grace ran out: the request must stop (and be asked again later). */
  readonly signal: AbortSignal;
  /** The gate interrupted it: not a failure, the same completion is asked again once the GPU is given back. */
  readonly interrupted: boolean;
  /** The request ended (answered, failed or interrupted); more than once is harmless. */
  leave(): void;
}

interface Running {
  controller: AbortController;
  grace: NodeJS.Timeout | null;
}

/**
 * The worker's side of the GPU lease, as the inference host does it for its own agents: while a benchmark measures,
 * nothing new starts (enter waits), and what was running gets a grace to finish, then is interrupted, so the
 * benchmark measures the config rather than an agent's completion. `hold` says when that has drained.
 */
export class GpuGate {
  private held = false;
  private readonly running = new Set<Running>();
  private opened: Array<() => void> = [];
  private drained: Array<(interrupted: number) => void> = [];
  /** Completions interrupted since the GPU was last taken. */
  private interrupted = 0;

  constructor(private readonly graceMs = DEFAULT_GPU_GRACE_MS) {}

  /** Whether a benchmark holds the GPU now. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Completions holding a pass now. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * A pass for one completion: at once while the GPU is free, else once it is given back. `signal` gives up the wait
   * (the promise rejects with its reason).
   */
  async enter(signal?: AbortSignal): Promise<GpuPass> {
    while (this.held) await this.whenOpen(signal);
    signal?.throwIfAborted();
    const entry: Running = { controller: new AbortController(), grace: null };
    this.running.add(entry);
    return {
      signal: entry.controller.signal,
      get interrupted() {
        return entry.controller.signal.aborted;
      },
      leave: () => this.leave(entry),
    };
  }

  /**
   * A benchmark took the GPU: no completion starts until `release`, and each running one has the grace to finish
   * before it is interrupted. Resolves once none runs (at once when none did), or when the GPU is given back first,
   * with how many it interrupted.
   */
  hold(): Promise<number> {
    if (!this.held) {
      this.held = true;
      this.interrupted = 0;
      for (const entry of this.running) this.startGrace(entry);
    }
    if (this.running.size === 0) return Promise.resolve(this.interrupted);
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** The GPU was given back: waiting completions (interrupted ones included) go on; running ones keep running. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    for (const entry of this.running) {
      if (entry.grace) clearTimeout(entry.grace);
      entry.grace = null;
    }
    // Nothing is left to drain for this taking: whoever waited for the drain hears it is over.
    this.settleDrained();
    const waiting = this.opened;
    this.opened = [];
    for (const open of waiting) open();
  }

  private startGrace(entry: Running): void {
    entry.grace = setTimeout(() => {
      entry.grace = null;
      this.interrupted += 1;
      entry.controller.abort(new Error(`interrupted after ${this.graceMs} ms: a benchmark took the GPU`));
    }, this.graceMs);
    // A worker stays alive for its request, not for this timer.
    entry.grace.unref();
  }

  private leave(entry: Running): void {
    if (!this.running.delete(entry)) return;
    if (entry.grace) clearTimeout(entry.grace);
    entry.grace = null;
    if (this.held && this.running.size === 0) this.settleDrained();
  }

  private whenOpen(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const gaveUp = () => {
        this.opened = this.opened.filter((w) => w !== open);
        reject(signal!.reason as Error);
      };
      const open = () => {
        signal?.removeEventListener('abort', gaveUp);
        resolve();
      };
      signal?.addEventListener('abort', gaveUp, { once: true });
      this.opened.push(open);
    });
  }

  private settleDrained(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const resume of waiting) resume(this.interrupted);
  }
}
