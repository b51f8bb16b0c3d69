// The machine's one GPU lease: a benchmark holds it exclusively; local inference pauses, and drains, before it measures.

export interface LeaseHolder {
  job: string;
  since: number;
}

/** What taking the lease waited for: the listeners that had work to stop (the inference host), and how long. */
export interface LeaseDrain {
  /** Listeners that answered with work to wait for (0: nothing on this machine runs inference). */
  waited: number;
  drain_ms: number;
  /** Some listener had not finished draining when the wait gave up. */
  timed_out: boolean;
}

/** A listener's answer: nothing, or a promise that settles once its work on the GPU has stopped (drained). */
export type LeaseListener = (holder: LeaseHolder | null) => void | Promise<unknown>;

/**
 * A benchmark measured while agents' inference shares the GPU measures the noise, not the config. Whoever runs
 * inference (the agents' inference host) listens here and pauses for the lease's length; `acquire` waits until it
 * has drained, so a measurement never starts while a generation still runs.
 */
export class GpuLease {
  private current: LeaseHolder | null = null;
  private readonly listeners = new Set<LeaseListener>();

  get holder(): LeaseHolder | null {
    return this.current;
  }

  /** Listeners hear every change: a holder when the lease is taken, null when it is given back. */
  onChange(listener: LeaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes the lease for a job and resolves once every listener has stopped its work (or `drainTimeoutMs` passed). The
   * queue runs one job at a time, so a second holder is a bug, not a wait.
   */
  async acquire(job: string, now: number, drainTimeoutMs = 120_000): Promise<LeaseDrain> {
    if (this.current) throw new Error(`the GPU lease is held by ${this.current.job}; ${job} cannot take it`);
    this.current = { job, since: now };
    const started = Date.now();
    const waits = this.emit();
    if (waits.length === 0) return { waited: 0, drain_ms: 0, timed_out: false };
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), drainTimeoutMs);
    });
    const outcome = await Promise.race([Promise.allSettled(waits).then(() => 'drained' as const), gaveUp]);
    clearTimeout(timer);
    return { waited: waits.length, drain_ms: Date.now() - started, timed_out: outcome === 'timeout' };
  }

  release(job: string): void {
    if (this.current?.job !== job) return;
    this.current = null;
    void this.emit(); // a release waits for no listener: the next job may start while they catch up
  }

  private emit(): Array<Promise<unknown>> {
    const waits: Array<Promise<unknown>> = [];
    for (const l of this.listeners) {
      try {
        const answer = l(this.current);
        if (answer instanceof Promise) waits.push(answer.catch(() => undefined));
      } catch {
        // a listener's failure must never keep the lease from moving on
      }
    }
    return waits;
  }
}
