// The hub's event stream (GET /v1/events) shared by every store: one stream, listeners by event type or prefix.
import { authHeaders, onTokenChange } from './hub-api';

/** One event as the hub sends it: written records carry `record`; passing news (job progress, agent status) does not. */
export interface LiveEvent<T = Record<string, unknown>> {
  id: number | null;
  type: string;
  data: T;
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

// Listeners are stored type-erased; `on<T>` gives each its own event type.
type Listener = (event: LiveEvent<never>) => void;

/**
 * Read with fetch, not EventSource: EventSource cannot send the Authorization header, and the hub tells a reader only
 * what its token may read (the organizer token never goes in a URL). Parsed as the EventSource spec says (id:, event:,
 * data:, retry:, blank-line terminated) and resumed with Last-Event-ID after a drop.
 */
class LiveEvents {
  private controller: AbortController | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private unfollowToken: (() => void) | null = null;
  private lastEventId: string | null = null;
  private retryMs = 2000;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly resetListeners = new Set<() => void>();
  private readonly resyncListeners = new Set<() => void>();
  private wasLive = false;
  state: ConnectionState = 'connecting';

  /** Opens the stream once; it reconnects by itself, and again as its new reader when the page signs in or out. */
  start(): void {
    if (this.unfollowToken) return;
    this.unfollowToken = onTokenChange(() => this.connect());
    this.connect();
  }

  stop(): void {
    this.unfollowToken?.();
    this.unfollowToken = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const controller = this.controller;
    this.controller = null;
    controller?.abort();
  }

  /** Listens to one type ("job.progress") or a family ("job."); returns the unsubscribe. */
  on<T = Record<string, unknown>>(typeOrPrefix: string, listener: (event: LiveEvent<T>) => void): () => void {
    let set = this.listeners.get(typeOrPrefix);
    if (!set) this.listeners.set(typeOrPrefix, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Too many events were missed: the lists must be read again. */
  onReset(listener: () => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  /** The stream came back (or was reset): state carried only by passing news must be read again. */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /** (Re)opens the stream, replacing any open one, and resumes after the last event it saw. */
  private connect(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const previous = this.controller;
    const controller = new AbortController();
    this.controller = controller;
    previous?.abort();
    void this.run(controller);
  }

  private async run(controller: AbortController): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
    if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
    try {
      // Typed as RequestInit for both checkers: Node's fetch types (the stores' unit tests) lack `cache`, which browsers honour.
      const init: RequestInit = { headers, signal: controller.signal, ...{ cache: 'no-store' as const } };
      const res = await fetch('/v1/events', init);
      if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}`);
      // Back after a drop, or as another reader: written records are replayed (Last-Event-ID), but passing news
      // (agent status, job progress, inference) is not, so views that show it read it again.
      if (this.wasLive) this.resyncListeners.forEach((fn) => fn());
      this.wasLive = true;
      this.setState('live');
      await this.read(res.body, controller);
    } catch {
      // Dropped, refused or replaced: decided below.
    }
    // Replaced by a newer connection, or stopped: that one owns the state now.
    if (this.controller !== controller) return;
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
  }

  private async read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let type = '';
    let id: string | null = null;
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.controller !== controller) return;
      buffer += decoder.decode(value, { stream: true });
      // A CR at the end may be the first half of a CRLF: keep it with the unfinished line.
      const complete = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, complete).split(/\r\n|\r|\n/);
      buffer = (lines.pop() ?? '') + buffer.slice(complete);
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) {
            if (id !== null) this.lastEventId = id;
            this.dispatch(type || 'message', data.join('\n'), id);
          }
          type = '';
          id = null;
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') type = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.stateListeners.forEach((fn) => fn(state));
  }

  private dispatch(type: string, text: string, id: string | null): void {
    // Too much was missed while away: every view re-reads its lists.
    if (type === 'reset') {
      this.resetListeners.forEach((fn) => fn());
      this.resyncListeners.forEach((fn) => fn());
      return;
    }
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const event: LiveEvent = { id: id === null ? null : Number(id), type, data };
    const prefix = type.slice(0, type.indexOf('.') + 1);
    for (const key of [type, prefix])
      this.listeners.get(key)?.forEach((fn) => {
        try {
          fn(event as LiveEvent<never>);
        } catch (err) {
          console.error(`listener for ${type} failed`, err);
        }
      });
  }
}

export const liveEvents = new LiveEvents();

/**
 * A store's live subscriptions, shared by every view that shows it: made when the first view connects, dropped when
 * the last one leaves. `subscribe` returns what undoes it; connecting returns the release.
 */
export function sharedSubscription(subscribe: () => Array<() => void>): () => () => void {
  let users = 0;
  let stops: Array<() => void> = [];
  return () => {
    if (users++ === 0) stops = subscribe();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--users === 0) {
        stops.forEach((stop) => stop());
        stops = [];
      }
    };
  };
}
