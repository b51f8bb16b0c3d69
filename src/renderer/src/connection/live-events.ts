// The hub's event stream (GET /v1/events) shared by every store: one EventSource, listeners by event type or prefix.

/** One event as the hub sends it: written records carry `record`; passing news (job progress, agent status) does not. */
export interface LiveEvent<T = Record<string, unknown>> {
  id: number | null;
  type: string;
  data: T;
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

// Listeners are stored type-erased; `on<T>` gives each its own event type.
type Listener = (event: LiveEvent<never>) => void;

/** Every event type the hub sends; a listener names one exactly or a prefix ending in '.' ("message."). */
const KNOWN_TYPES = [
  'message.created', 'result.created', 'result.verdict',
  'agent.registered', 'agent.token_reissued', 'agent.suspended', 'agent.reinstated', 'agent.status',
  'taskforce.created', 'taskforce.updated', 'taskforce.file',
  'scratch.written', 'scratch.deleted', 'artifact.synced', 'shared_resource.synced',
  'job.queued', 'job.started', 'job.progress', 'job.succeeded', 'job.failed', 'job.cancelled',
  'swarm.inference', 'model.progress', 'model.installed', 'model.failed', 'model.cancelled', 'model.deleted',
];

class LiveEvents {
  private source: EventSource | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly resetListeners = new Set<() => void>();
  private readonly resyncListeners = new Set<() => void>();
  private wasLive = false;
  state: ConnectionState = 'connecting';

  /** Opens the stream once; the browser's EventSource reconnects by itself and resumes with Last-Event-ID. */
  start(): void {
    if (this.source) return;
    const source = new EventSource('/v1/events');
    this.source = source;
    source.onopen = () => {
      // Back after a drop: written records are replayed (Last-Event-ID), but passing news (agent status, job
      // progress, inference) is not, so views that show it read it again.
      if (this.wasLive) this.resyncListeners.forEach((fn) => fn());
      this.wasLive = true;
      this.setState('live');
    };
    source.onerror = () => this.setState('reconnecting');
    for (const type of KNOWN_TYPES) source.addEventListener(type, (e) => this.dispatch(type, e as MessageEvent<string>));
    // Too much was missed while away: every view re-reads its lists.
    source.addEventListener('reset', () => {
      this.resetListeners.forEach((fn) => fn());
      this.resyncListeners.forEach((fn) => fn());
    });
  }

  stop(): void {
    this.source?.close();
    this.source = null;
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

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.stateListeners.forEach((fn) => fn(state));
  }

  private dispatch(type: string, message: MessageEvent<string>): void {
    let data: Record<string, unknown>;
    try { data = JSON.parse(message.data) as Record<string, unknown>; } catch { return; }
    const event: LiveEvent = { id: message.lastEventId ? Number(message.lastEventId) : null, type, data };
    const prefix = type.slice(0, type.indexOf('.') + 1);
    for (const key of [type, prefix]) this.listeners.get(key)?.forEach((fn) => {
      try { fn(event as LiveEvent<never>); } catch (err) { console.error(`listener for ${type} failed`, err); }
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
