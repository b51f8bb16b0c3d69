// A small real server-sent events client over fetch: streams the body, parses events as the EventSource spec
// does (id:, event:, data:, blank-line terminated, ":" comments ignored), and waits for events with a guard.

export interface SseEvent {
  /** The event's own `id:` field, or null when it had none. */
  id: string | null;
  /** The `event:` field; "message" when absent, as in EventSource. */
  type: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export interface SseConnectOptions {
  /** Sent as the Last-Event-ID header to resume after that event. */
  lastEventId?: string | number;
  headers?: Record<string, string>;
  /** How long to wait for the response headers before failing. */
  connectTimeoutMs?: number;
}

/** What the hub sends in `data:` for each write: the audit facts, plus the record as the API shows it. */
export interface HubEventData {
  actor: string;
  target: string;
  at: string;
  detail: Record<string, unknown>;
  record?: {
    filename?: string;
    body?: string;
    frontmatter?: Record<string, unknown>;
    verification?: string;
    agent_id?: string;
    status?: string;
    [field: string]: unknown;
  };
}

/** Parses the JSON `data:` of an event (the hub always sends JSON). */
export function eventData<T = HubEventData>(event: SseEvent): T {
  return JSON.parse(event.data) as T;
}

const DEFAULT_WAIT_MS = 10_000;

export class SseClient {
  /** Every event received so far, in arrival order. */
  readonly received: SseEvent[] = [];
  /** Index in `received` of the next event `next` / `waitFor` will look at. */
  cursor = 0;
  /** Set when the server ended the stream (or the connection broke); null while it is open. */
  endedWith: string | null = null;
  /** The last `retry:` value the server sent, if any. */
  retryMs: number | null = null;

  private readonly waiters = new Set<() => void>();
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private pendingCr = false;
  private eventId: string | null = null;
  private eventType = '';
  private dataLines: string[] = [];
  private readonly done: Promise<void>;

  private constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array> | null,
  ) {
    this.done = body ? this.pump(body) : Promise.resolve(this.finish('no body'));
  }

  /** Opens the stream; resolves once the response headers are in (the hub has attached the subscriber by then). */
  static async connect(url: string, options: SseConnectOptions = {}): Promise<SseClient> {
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
    const guard = setTimeout(
      () =>
        controller.abort(
          new Error(`SSE: no response from ${url} within ${options.connectTimeoutMs ?? DEFAULT_WAIT_MS} ms`),
        ),
      options.connectTimeoutMs ?? DEFAULT_WAIT_MS,
    );
    try {
      const res = await fetch(url, { headers, signal: controller.signal });
      return new SseClient(url, res.status, res.headers, controller, res.body);
    } finally {
      clearTimeout(guard);
    }
  }

  /** Events received after the cursor (not yet consumed by next / waitFor). */
  get unread(): SseEvent[] {
    return this.received.slice(this.cursor);
  }

  /**
   * Waits for the first event at or after the cursor that matches, moves the cursor past it and returns it.
   * Events before it are skipped (they stay in `received`). Fails with a clear message after `timeoutMs`.
   */
  async waitFor(
    predicate: (e: SseEvent) => boolean,
    what = 'a matching event',
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SseEvent> {
    let found: SseEvent | undefined;
    await this.until(
      () => {
        for (let i = this.cursor; i < this.received.length; i++) {
          if (predicate(this.received[i]!)) {
            found = this.received[i]!;
            this.cursor = i + 1;
            return true;
          }
        }
        return false;
      },
      what,
      timeoutMs,
    );
    return found!;
  }

  /** The next event after the cursor, whatever it is. */
  next(timeoutMs = DEFAULT_WAIT_MS): Promise<SseEvent> {
    return this.waitFor(() => true, 'the next event', timeoutMs);
  }

  /** Waits until `count` events follow the cursor; returns them and moves the cursor past them. */
  async take(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<SseEvent[]> {
    await this.until(() => this.received.length - this.cursor >= count, `${count} events`, timeoutMs);
    const events = this.received.slice(this.cursor, this.cursor + count);
    this.cursor += count;
    return events;
  }

  /** Waits until the server ends the stream. */
  async ended(timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    await this.until(() => this.endedWith !== null, 'the end of the stream', timeoutMs, true);
    return this.endedWith!;
  }

  /** Aborts the request; safe to call more than once. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private until(ready: () => boolean, what: string, timeoutMs: number, endIsFine = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (ready()) {
          cleanup();
          resolve();
        } else if (this.endedWith !== null && !endIsFine) {
          cleanup();
          reject(
            new Error(
              `SSE ${this.url}: the stream ended (${this.endedWith}) before ${what} arrived; ${this.describe()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`SSE ${this.url}: ${what} did not arrive within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private describe(): string {
    const tail = this.received.slice(this.cursor).map((e) => `${e.id ?? '-'}:${e.type}`);
    return `${this.received.length} events received, unread after the cursor: [${tail.join(', ')}]`;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private finish(reason: string): void {
    if (this.endedWith === null) this.endedWith = reason;
    this.notify();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.feed(this.decoder.decode(value, { stream: true }));
      }
      this.feed(this.decoder.decode());
      this.finish('closed by the server');
    } catch (err) {
      this.finish(this.controller.signal.aborted ? 'closed by the client' : `error: ${(err as Error).message}`);
    }
  }

  /** Splits on CRLF, LF or CR (a CR at a chunk's end may be the first half of a CRLF). */
  private feed(text: string): void {
    let added = false;
    for (const ch of text) {
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') continue;
      }
      if (ch === '\r' || ch === '\n') {
        if (ch === '\r') this.pendingCr = true;
        added = this.line(this.buffer) || added;
        this.buffer = '';
      } else {
        this.buffer += ch;
      }
    }
    if (added) this.notify();
  }

  /** Handles one line; returns true when it dispatched an event. */
  private line(line: string): boolean {
    if (line === '') {
      if (this.dataLines.length === 0) {
        this.eventType = '';
        this.eventId = null;
        return false;
      }
      this.received.push({ id: this.eventId, type: this.eventType || 'message', data: this.dataLines.join('\n') });
      this.eventType = '';
      this.eventId = null;
      this.dataLines = [];
      return true;
    }
    if (line.startsWith(':')) return false;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.eventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return false;
  }
}
