// The machine's one GPU lease: a benchmark (or a pack's calibration) holds it exclusively; local inference pauses, and
// drains, before it measures.

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
  /** Who waits for the lease, first come first served: a job queued behind a pack's calibration, or the reverse. */
  private readonly waiting: Array<{ job: string; take: () => void }> = [];

  get holder(): LeaseHolder | null {
    return this.current;
  }

  /** Listeners hear every change: a holder when the lease is taken, null when it is given back. */
  onChange(listener: LeaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes the lease for a job and resolves once every listener has stopped its work (or `drainTimeoutMs` passed).
   * While another holds it, waits for its turn: the job queue and a pack install's calibration both measure on this
   * machine, one at a time. `signal` stops the wait (a cancelled job, a cancelled install, the hub closing).
   */
  async acquire(job: string, now: number, drainTimeoutMs = 120_000, signal?: AbortSignal): Promise<LeaseDrain> {
    if (this.current?.job === job || this.waiting.some((w) => w.job === job))
      throw new Error(`${job} already holds or awaits the GPU lease`);
    const asked = Date.now();
    if (this.current) {
      await this.turn(job, signal);
      // The caller's clock, moved on by the wait.
      this.current = { job, since: now + (Date.now() - asked) };
    } else {
      this.current = { job, since: now };
    }
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
    const next = this.waiting.shift();
    if (next) {
      // Handed straight over: no one slips in between, and inference stays paused (it hears the new holder).
      this.current = { job: next.job, since: Date.now() };
      next.take();
      return;
    }
    this.current = null;
    void this.emit(); // a release waits for no listener: the next job may start while they catch up
  }

  /**
   * Runs `work` holding the lease (taken as `acquire` takes it), and gives it back however `work` ends; `work` does not
   * start when `signal` aborted while the lease was awaited or drained.
   */
  async holdDuring<T>(job: string, now: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(job, now, undefined, signal);
    try {
      if (signal?.aborted) throw new Error(`${job} was cancelled while it took the GPU lease`);
      return await work();
    } finally {
      this.release(job);
    }
  }

  /** Resolves when `release` hands the lease to `job`; rejects when `signal` aborts first. */
  private turn(job: string, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const stop = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new Error(`${job} stopped waiting for the GPU lease (held by ${this.current?.job ?? 'no one'})`));
      };
      const waiter = {
        job,
        take: () => {
          signal?.removeEventListener('abort', stop);
          resolve();
        },
      };
      if (signal?.aborted) return stop();
      signal?.addEventListener('abort', stop, { once: true });
      this.waiting.push(waiter);
    });
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
