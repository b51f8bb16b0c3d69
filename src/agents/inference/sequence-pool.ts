// Hands the context's sequences to requests: one per request, the agent's own sequence when free, FIFO when all are busy.

/** One sequence of the shared context, with what it last held. */
export interface PoolSlot<T> {
  readonly index: number;
  value: T;
  /** The agent whose conversation is in this sequence's KV cache: its next request reuses that prefix. */
  lastAgent: string | null;
  lastUsed: number;
  busy: boolean;
}

export interface AcquireOptions {
  /** The client went away: leave the queue. */
  signal?: AbortSignal;
  /** Give up waiting after this long (rejects with PoolWaitTimeout). */
  timeoutMs?: number;
  /** Jump the queue: a request interrupted by a pause goes back to where it was, ahead of newer ones. */
  front?: boolean;
}

/** The reason an acquire gives up when its wait bound runs out. */
export const POOL_WAIT_TIMEOUT = 'POOL_WAIT_TIMEOUT';

interface Waiter<T> {
  agent: string;
  resolve(slot: PoolSlot<T>): void;
  reject(reason: unknown): void;
  cleanup(): void;
}

/**
 * The context has N sequences and each holds one agent's conversation. A request takes the sequence its agent used
 * last (the KV cache already holds its history, so only the new turn is evaluated), else one nobody used yet, else
 * the least recently used. While paused nothing is handed out; waiters keep their place and run after resume.
 */
export class SequencePool<T> {
  private slots: PoolSlot<T>[];
  private readonly queue: Waiter<T>[] = [];
  private paused = false;
  private clock = 0;

  constructor(values: T[]) {
    this.slots = values.map((value, index) => ({ index, value, lastAgent: null, lastUsed: 0, busy: false }));
  }

  get size(): number {
    return this.slots.length;
  }

  get busy(): number {
    return this.slots.filter((s) => s.busy).length;
  }

  get queued(): number {
    return this.queue.length;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** New sequences after a reload (resume on a GPU): their KV caches are empty, so no agent owns one. Only while none is busy. */
  replace(values: T[]): void {
    if (this.busy > 0) throw new Error('sequences can only be replaced while none is busy');
    this.slots = values.map((value, index) => ({ index, value, lastAgent: null, lastUsed: 0, busy: false }));
  }

  values(): T[] {
    return this.slots.map((s) => s.value);
  }

  acquire(agent: string, options: AcquireOptions = {}): Promise<PoolSlot<T>> {
    const { signal, timeoutMs, front = false } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<PoolSlot<T>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.remove(waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter<T> = {
        agent,
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.remove(waiter);
          reject(new Error(POOL_WAIT_TIMEOUT));
        }, timeoutMs);
        timer.unref();
      }
      if (front) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.dispatch();
    });
  }

  release(slot: PoolSlot<T>): void {
    if (!slot.busy) return;
    slot.busy = false;
    slot.lastUsed = ++this.clock;
    this.dispatch();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.dispatch();
  }

  /** Refuses everyone waiting (the host is failing or stopping). */
  rejectAll(reason: unknown): void {
    for (const waiter of this.queue.splice(0)) {
      waiter.cleanup();
      waiter.reject(reason);
    }
  }

  private remove(waiter: Waiter<T>): void {
    const i = this.queue.indexOf(waiter);
    if (i >= 0) this.queue.splice(i, 1);
    waiter.cleanup();
  }

  private dispatch(): void {
    while (!this.paused && this.queue.length > 0) {
      const free = this.slots.filter((s) => !s.busy);
      if (free.length === 0) return;
      const waiter = this.queue.shift()!;
      const slot =
        free.find((s) => s.lastAgent === waiter.agent) ??
        free.find((s) => s.lastAgent === null) ??
        free.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
      slot.busy = true;
      slot.lastAgent = waiter.agent;
      waiter.cleanup();
      waiter.resolve(slot);
    }
  }
}
