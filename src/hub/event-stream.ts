// Live events: every write is announced once to every subscriber that may read it; ids are audit ids, so clients resume.
import type { ServerResponse } from 'node:http';

/** Who reads the stream: the organizer (its token) reads everything; everyone else what a tokenless GET shows. */
export type Reader = 'organizer' | 'public';

const READERS: readonly Reader[] = ['organizer', 'public'];

export interface HubEvent {
  /** The audit id, so clients resume after it; null for passing news (job progress) that is never replayed. */
  id: number | null;
  type: string;
  /** What the organizer (and the hub's in-process listeners) receive. */
  data: unknown;
  /** Only the organizer may read it: an audit row no tokenless GET shows. Absent: every reader. */
  organizerOnly?: boolean;
  /**
   * What other readers receive in place of `data`, when `data` holds what only the organizer may read (an external
   * agent's command line and output). Absent: the same `data`.
   */
  publicData?: unknown;
}

/** A subscriber that falls this far behind (bytes buffered) is dropped rather than slowing the hub. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** The event as `reader` may see it, in the wire format; null when that reader may not see it at all. */
export function formatSse(event: HubEvent, reader: Reader): string | null {
  if (reader !== 'organizer' && event.organizerOnly === true) return null;
  const data = reader !== 'organizer' && event.publicData !== undefined ? event.publicData : event.data;
  return `${event.id === null ? '' : `id: ${event.id}\n`}event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class EventStream {
  // One set per reader, so each event is formatted once per audience, not once per subscriber.
  private readonly clients: Record<Reader, Set<ServerResponse>> = { organizer: new Set(), public: new Set() };
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly heartbeatMs = 15_000) {}

  get size(): number {
    return this.clients.organizer.size + this.clients.public.size;
  }

  /** In-process listeners (the digest cache, later the agent supervisor). */
  onEvent(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  attach(res: ServerResponse, reader: Reader): void {
    const set = this.clients[reader];
    set.add(res);
    res.on('close', () => set.delete(res));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const reader of READERS) this.broadcastRaw(this.clients[reader], ': keep-alive\n\n');
      }, this.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  publish(event: HubEvent): void {
    for (const l of this.listeners) l(event);
    for (const reader of READERS) {
      const set = this.clients[reader];
      if (set.size === 0) continue;
      const chunk = formatSse(event, reader);
      if (chunk !== null) this.broadcastRaw(set, chunk);
    }
  }

  private broadcastRaw(set: Set<ServerResponse>, chunk: string): void {
    for (const res of set) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        set.delete(res);
        continue;
      }
      res.write(chunk);
    }
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const reader of READERS) {
      for (const res of this.clients[reader]) res.end();
      this.clients[reader].clear();
    }
  }
}
