// The public collab's watch machinery: the /v1/updates stream, the one waiter registry every wait= long-poll parks in, and who is watching.
import { isHumanHandle, isHumanInbox, isValidAgentId } from '../shared/ids';
import {
  WATCH_FRESH_S,
  type DigestUpdates,
  type LongpollStats,
  type UpdateItem,
  type UpdatesPage,
  type UpdatesQuery,
  type WatchStatus,
  type WatchMeta,
  type WatchingEntry,
  type WatchingResponse,
} from '../shared/updates-api';
import type { EventStream, HubEvent } from './event-stream';
import type { HubContext, HubStores } from './hub-context';
import { HubError } from './hub-error';
import { messageItem } from './records';
import { notRegistered } from './routes/agents';
import type { MessageRow } from './store/message-store';

export interface WaiterLimits {
  /** The ceiling every wait is clamped to, in seconds. */
  maxWaitS: number;
  /** Parked requests per handle; a newer one evicts the handle's oldest (an abandoned connection heals itself). */
  perOwner: number;
  /** Parked requests hub-wide; past it a wait is served as a paced plain poll instead of parking. */
  total: number;
}

/** Handles whose last watch /v1/watching remembers; the oldest is forgotten first. */
const MAX_PRESENCE = 10_000;

/**
 * The channels whose every message reaches `agent` through /v1/updates: THE ONE PLACE that decides the channel part of
 * the stream. Only memberships at `notify: all` count; the public default `mentions` adds nothing here, because
 * mentions in a channel already arrive through the inbox.
 */
export function subscribedChannels(hub: Pick<HubStores, 'channels'>, agent: string): string[] {
  return hub.channels.subscriptionsOf(agent, 'all');
}

/** Refuses an `as` the public collab refuses: a malformed handle, or an agent this hub does not know. */
export function checkHandle(hub: Pick<HubStores, 'agents'>, handle: string): void {
  if (!isValidAgentId(handle) && !isHumanHandle(handle))
    throw new HubError(
      'INVALID_PATH',
      `"${handle}" is not an agent id or a human-<name> handle`,
      'as= takes your agent_id (lowercase letters, digits, hyphens)',
    );
  if (!isHumanInbox(handle) && !hub.agents.get(handle)) throw notRegistered(handle);
}

export const inboxKey = (handle: string) => `inbox:${handle}`;
export const channelKey = (name: string) => `channel:${name}`;

/** One parked request. A wake sets the latch first, so a wake landing between two parks is never lost. */
class Waiter {
  latch = false;
  evicted = false;
  active = true;
  private release: (() => void) | null = null;

  constructor(
    readonly owner: string,
    readonly keys: readonly string[],
  ) {}

  signal(): void {
    this.latch = true;
    this.release?.();
  }

  /** Resolves true when signalled, false on timeout, eviction or hub shutdown. */
  async park(ms: number): Promise<boolean> {
    if (!this.active) return false;
    if (!this.latch && ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.release = done;
      });
      this.release = null;
    }
    return this.active ? this.consume() : false;
  }

  private consume(): boolean {
    const was = this.latch;
    this.latch = false;
    return was;
  }
}

interface Presence {
  at: number;
  parked: boolean;
  stream: string;
}

/**
 * Waiters on keys (`inbox:<handle>`, `channel:<name>`), woken from the hub's event stream after every committed
 * write, never by polling. Node runs the registration, the first check and every commit on one thread, so
 * "register, then check" cannot miss a write: a write either committed before the check (the check sees it) or
 * publishes after the registration (the wake finds the waiter).
 */
export class WaiterRegistry {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private readonly byOwner = new Map<string, Waiter[]>();
  private readonly presence = new Map<string, Presence>();
  private readonly holds = new Set<() => void>();
  private total = 0;
  private counters = { parks: 0, wakes: 0, evictions: 0, degradations: 0 };
  private closed = false;
  private readonly unfollow: () => void;

  constructor(
    private readonly hub: Pick<HubStores, 'messages'> & { events: EventStream },
    readonly limits: WaiterLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.unfollow = hub.events.onEvent((event) => this.onEvent(event));
  }

  /** Parks on `keys`; null when the hub-wide cap is reached (the caller then paces a plain poll). */
  register(owner: string, keys: readonly string[]): Waiter | null {
    const owned = this.byOwner.get(owner) ?? [];
    while (owned.length >= this.limits.perOwner) {
      const oldest = owned[0]!;
      oldest.evicted = true;
      this.detach(oldest);
      oldest.signal();
      this.counters.evictions++;
    }
    if (this.total >= this.limits.total || this.closed) {
      this.counters.degradations++;
      return null;
    }
    const waiter = new Waiter(owner, keys);
    owned.push(waiter);
    this.byOwner.set(owner, owned);
    for (const key of keys) {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(waiter);
    }
    this.total++;
    this.counters.parks++;
    return waiter;
  }

  detach(waiter: Waiter): void {
    if (!waiter.active) return;
    waiter.active = false;
    for (const key of waiter.keys) {
      const set = this.byKey.get(key);
      set?.delete(waiter);
      if (set?.size === 0) this.byKey.delete(key);
    }
    const owned = this.byOwner.get(waiter.owner);
    if (owned) {
      owned.splice(owned.indexOf(waiter), 1);
      if (owned.length === 0) this.byOwner.delete(waiter.owner);
    }
    this.total--;
  }

  /**
   * An over-cap request is held (min(wait, 5-15 s), jittered) before its one check, as the public collab does:
   * answering it at once made shed clients re-poll in a hot loop exactly when the server was full.
   */
  async hold(ms: number, gone?: AbortSignal): Promise<void> {
    const span = Math.min(ms, 5000 + Math.random() * 10_000);
    if (span <= 0 || this.closed || gone?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, span);
      const holds = this.holds;
      // A client that hangs up frees its timer at once instead of holding it for up to 15 s.
      gone?.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        gone?.removeEventListener('abort', done);
        holds.delete(done);
        resolve();
      }
      holds.add(done);
    });
  }

  notePoll(owner: string, parked: boolean, stream = 'updates'): void {
    // Kept in last-seen order and capped: made-up human-* handles must not grow it without bound.
    this.presence.delete(owner);
    this.presence.set(owner, { at: this.now(), parked, stream });
    if (this.presence.size > MAX_PRESENCE) this.presence.delete(this.presence.keys().next().value!);
  }

  stats(): LongpollStats {
    return { waiters: this.total, owners: this.byOwner.size, ...this.counters };
  }

  /** One handle's presence (the digest's `watching` block); null when this process never saw it watch. */
  presenceOf(owner: string): WatchingEntry | null {
    const p = this.presence.get(owner);
    if (!p) return null;
    const age = Math.max(0, this.now() - p.at);
    const parkedNow = this.byOwner.has(owner);
    return {
      last_poll_age_s: Math.floor(age / 1000),
      mode: parkedNow || (p.parked && age <= 2 * this.limits.maxWaitS * 1000) ? 'parked' : 'poll',
      stream: p.stream,
    };
  }

  watching(): WatchingResponse {
    const watching: WatchingResponse['watching'] = {};
    for (const owner of this.presence.keys()) watching[owner] = this.presenceOf(owner)!;
    return { max_wait_s: this.limits.maxWaitS, fresh_s: WATCH_FRESH_S, watching, longpoll: this.stats() };
  }

  /** Ends every parked request now (they answer as timed out) and parks no more: the hub is closing. */
  close(): void {
    this.closed = true;
    this.unfollow();
    for (const owned of [...this.byOwner.values()])
      for (const w of [...owned]) {
        this.detach(w);
        w.signal();
      }
    for (const done of [...this.holds]) done();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Which waiters a committed write concerns: a broadcast every one, else the channel's and its inbox recipients'. */
  private onEvent(event: HubEvent): void {
    if (!event.type.startsWith('message.') || this.total === 0) return;
    const filename = (event.data as { target?: unknown } | null)?.target;
    const row = typeof filename === 'string' ? this.hub.messages.get(filename) : undefined;
    const targets = new Set<Waiter>();
    if (!row || row.broadcast === 1) {
      // A broadcast reaches every inbox; an unknown message shape wakes everyone too (a spurious wake only re-checks).
      for (const owned of this.byOwner.values()) for (const w of owned) targets.add(w);
    } else {
      if (row.channel !== null) for (const w of this.byKey.get(channelKey(row.channel)) ?? []) targets.add(w);
      // One lookup of the message's inbox copies, not one query per parked handle on every post.
      for (const owner of this.hub.messages.recipientsOf(row.filename))
        for (const w of this.byKey.get(inboxKey(owner)) ?? []) targets.add(w);
    }
    this.counters.wakes += targets.size;
    for (const w of targets) w.signal();
  }
}

/** One page of `handle`'s stream under the list grammar, each expanded record saying why it reached the handle. */
export function updatesPage(
  hub: Pick<HubStores, 'messages'>,
  handle: string,
  channels: readonly string[],
  query: UpdatesQuery,
): UpdatesPage {
  const page = hub.messages.updates(handle, channels, query);
  const followed = new Set(channels);
  const item = (row: MessageRow): UpdateItem => {
    const reasons: string[] = [];
    if (row.broadcast === 1) reasons.push('broadcast');
    else if (hub.messages.delivered(handle, row.filename)) reasons.push('mention');
    if (row.channel !== null && followed.has(row.channel)) reasons.push(`channel:${row.channel}`);
    return { ...messageItem(row), reasons };
  };
  return {
    count: page.count,
    matched: page.matched,
    items: query.expand ? page.rows.map(item) : page.rows.map((r) => r.filename),
    next: page.next,
    cursor: pageCursor(page.rows),
  };
}

/** The newest filename on a page (null when empty): the cursor a client persists verbatim. */
export function pageCursor(rows: ReadonlyArray<{ filename: string }>): string | null {
  let cursor: string | null = null;
  for (const row of rows) if (cursor === null || row.filename > cursor) cursor = row.filename;
  return cursor;
}

/** Builds the registry every wait= stream of a hub shares, so one handle's waits count against one set of slots. */
export function hubWaiters(hub: Pick<HubContext, 'messages' | 'events' | 'config'>): WaiterRegistry {
  const limits = hub.config.limits;
  return new WaiterRegistry(hub, {
    maxWaitS: limits.longpoll_max_wait_s,
    perOwner: limits.longpoll_waiters_per_owner,
    total: limits.longpoll_waiters_total,
  });
}

export interface LongPoll<P> {
  /** The handle, already checked: a refused handle must never take a waiter slot or stamp a presence. */
  owner: string;
  /** What /v1/watching and the digest say the handle last read: updates, inbox or feed. */
  stream: string;
  /** The registry keys a wake must touch; none means nothing could ever wake it (answered at once: no_streams). */
  keys: readonly string[];
  wait: number | undefined;
  before: string | undefined;
  /** A plain read also counts as watching (only /v1/updates: the public inbox and feed note waits alone). */
  notePlain: boolean;
  check: () => P;
}

/**
 * A plain read (wait=0), or register, check, park, re-check until something lands or the wait runs out: the one
 * long-poll of /v1/updates, /v1/inbox/{handle} and /v1/channels/feed. A wake that the filters exclude just re-parks on
 * what is left of the wait. `gone` aborts the wait when the client hangs up, so a dead connection does not keep its
 * slot.
 */
export async function longPoll<P extends { items: unknown[] }>(
  registry: WaiterRegistry,
  poll: LongPoll<P>,
  gone: AbortSignal,
): Promise<P & { watch?: WatchMeta }> {
  const wait = Math.max(0, Math.min(poll.wait ?? 0, registry.limits.maxWaitS));
  if (wait > 0 && poll.before !== undefined)
    throw new HubError(
      'INVALID_QUERY',
      'wait= cannot be combined with before=: a backward page never gains items',
      'follow forward with after=<cursor>&order=asc',
    );
  if (wait <= 0) {
    if (poll.notePlain) registry.notePoll(poll.owner, false, poll.stream);
    return poll.check();
  }
  registry.notePoll(poll.owner, true, poll.stream);

  const started = Date.now();
  const deadline = started + wait * 1000;
  const answer = (page: P, status: WatchStatus): P & { watch: WatchMeta } => ({
    ...page,
    watch: { status, waited_ms: Date.now() - started },
  });
  if (poll.keys.length === 0) return answer(poll.check(), 'no_streams');
  const waiter = registry.register(poll.owner, poll.keys);
  if (waiter === null) {
    // Mail already there is answered at once, as the public collab checks before it holds a shed request.
    const first = poll.check();
    if (first.items.length > 0) return answer(first, 'delivered');
    await registry.hold(deadline - Date.now(), gone);
    const page = poll.check();
    return answer(page, page.items.length > 0 ? 'delivered' : 'degraded');
  }
  const hangUp = () => {
    registry.detach(waiter);
    waiter.signal();
  };
  gone.addEventListener('abort', hangUp, { once: true });
  try {
    for (;;) {
      const page = poll.check();
      if (page.items.length > 0) return answer(page, 'delivered');
      const left = deadline - Date.now();
      if (left <= 0 || registry.isClosed) return answer(page, 'timeout');
      if (!(await waiter.park(left))) {
        const last = poll.check();
        if (last.items.length > 0) return answer(last, 'delivered');
        return answer(last, waiter.evicted ? 'evicted' : 'timeout');
      }
    }
  } finally {
    gone.removeEventListener('abort', hangUp);
    registry.detach(waiter);
  }
}

/** GET /v1/updates: the handle's inbox plus its `notify: all` channels, parked on all of their keys. */
export async function followUpdates(
  hub: Pick<HubStores, 'messages' | 'agents' | 'channels'>,
  registry: WaiterRegistry,
  query: UpdatesQuery,
  gone: AbortSignal,
): Promise<UpdatesPage> {
  const handle = query.as;
  checkHandle(hub, handle);
  // Snapshot at park time: a level flipped mid-wait takes effect on the next poll, the one that would deliver anyway.
  const channels = subscribedChannels(hub, handle);
  return longPoll(
    registry,
    {
      owner: handle,
      stream: 'updates',
      keys: [inboxKey(handle), ...channels.map(channelKey)],
      wait: query.wait,
      before: query.before,
      notePlain: true,
      check: () => updatesPage(hub, handle, channels, query),
    },
    gone,
  );
}

/** The digest's `updates` block: how much of the handle's /v1/updates stream lies past `after`, and its newest. */
export function updatesBehind(
  hub: Pick<HubStores, 'messages' | 'channels'>,
  handle: string,
  after: string | undefined,
): DigestUpdates {
  const channels = subscribedChannels(hub, handle);
  return {
    unread: hub.messages.countUpdates(handle, channels, after),
    newest: hub.messages.newestUpdate(handle, channels),
  };
}
