// Live events: every write is announced once to every subscriber; ids are audit ids, so clients resume.
import type { ServerResponse } from 'node:http';

export interface HubEvent {
  /** The audit id, so clients resume after it; null for passing news (job progress) that is never replayed. */
  id: number | null;
  type: string;
  data: unknown;
}

/** A subscriber that falls this far behind (bytes buffered) is dropped rather than slowing the hub. */
const MAX_BUFFERED = 4 * 1024 * 1024;

export function formatSse(event: HubEvent): string {
  return `${event.id === null ? '' : `id: ${event.id}\n`}event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly heartbeatMs = 15_000) {}

  get size(): number {
    return this.clients.size;
  }

  /** In-process listeners (the digest cache, later the agent supervisor). */
  onEvent(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  attach(res: ServerResponse): void {
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.broadcastRaw(': keep-alive\n\n'), this.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  publish(event: HubEvent): void {
    for (const l of this.listeners) l(event);
    if (this.clients.size > 0) this.broadcastRaw(formatSse(event));
  }

  private broadcastRaw(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(chunk);
    }
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
