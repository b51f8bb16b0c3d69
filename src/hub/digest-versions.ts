// Per-handle versions of what a personal digest reads (inbox, unread count, subscriptions), moved by the writes that touch them.
import type { HubContext } from './hub-context';
import type { HubEvent } from './event-stream';

/**
 * A post touches the inboxes it was copied to and its channel's members, not every agent's: with 50 agents polling
 * their digests, rebuilding all 50 personal parts after each post kept the hub busy enough to hold writes back for
 * hundreds of milliseconds. A handle's version moves when a post reaches it; every other write (a broadcast, a
 * subscription, a result, anything unrecognised) moves them all, so a personal part is never served stale.
 */
export class DigestVersions {
  /** One counter for all moves, so a handle's version (the larger of its own and the last global move) only grows. */
  private counter = 0;
  private everyone = 0;
  private readonly byHandle = new Map<string, number>();
  readonly stop: () => void;

  constructor(private readonly hub: Pick<HubContext, 'messages' | 'channels' | 'events'>) {
    this.stop = hub.events.onEvent((event) => this.onEvent(event));
  }

  /** The version of `handle`'s personal digest: it changes whenever a committed write could change that part. */
  of(handle: string): number {
    return Math.max(this.everyone, this.byHandle.get(handle) ?? 0);
  }

  private onEvent(event: HubEvent): void {
    const filename = event.type.startsWith('message.')
      ? (event.data as { target?: unknown } | null)?.target
      : undefined;
    const row = typeof filename === 'string' ? this.hub.messages.get(filename) : undefined;
    if (!row || row.broadcast === 1) {
      this.everyone = ++this.counter;
      // Every handle's version is now at least `everyone`: the per-handle entries would only grow the map.
      this.byHandle.clear();
      return;
    }
    const version = ++this.counter;
    for (const handle of this.hub.messages.recipientsOf(row.filename)) this.byHandle.set(handle, version);
    // Members see the channel's count and newest messages; the author may have joined with this very post.
    if (row.channel !== null)
      for (const member of this.hub.channels.members(row.channel)) this.byHandle.set(member.handle, version);
  }
}
