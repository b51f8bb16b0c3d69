// The machine's one GPU lease: a benchmark holds it exclusively; local inference pauses while it is held.

export interface LeaseHolder {
  job: string;
  since: number;
}

/**
 * A benchmark measured while agents' inference shares the GPU measures the noise, not the config. Whoever runs
 * inference (the agents' inference host) listens here and pauses for the lease's length.
 */
export class GpuLease {
  private current: LeaseHolder | null = null;
  private readonly listeners = new Set<(holder: LeaseHolder | null) => void>();

  get holder(): LeaseHolder | null {
    return this.current;
  }

  /** Listeners hear every change: a holder when the lease is taken, null when it is given back. */
  onChange(listener: (holder: LeaseHolder | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes the lease for a job; the queue runs one job at a time, so a second holder is a bug, not a wait. */
  acquire(job: string, now: number): void {
    if (this.current) throw new Error(`the GPU lease is held by ${this.current.job}; ${job} cannot take it`);
    this.current = { job, since: now };
    this.emit();
  }

  release(job: string): void {
    if (this.current?.job !== job) return;
    this.current = null;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l(this.current);
      } catch {
        // a listener's failure must never keep the lease from moving on
      }
    }
  }
}
