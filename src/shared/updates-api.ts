// The /v1/updates long-poll contract (the public collab's watch API): the query, the page with its cursor and watch block, /v1/watching, watch.sh.
import { Type, type Static } from 'typebox';
import { MessageListQuery, RecordItem } from './api';
import { Closed, Nullable, OpenRecord, RawBody } from './response-schema';

/** The ceiling every `wait` is clamped to, as in the public collab (edge proxies there drop idle connections near 60 s). */
export const LONGPOLL_MAX_WAIT_S = 55;
/** Age past which a handle's presence reads as stale (the public WATCH_FRESH_S). */
export const WATCH_FRESH_S = 240;

/** `wait=` as every long-pollable stream takes it (/v1/updates, /v1/inbox/{handle}, /v1/channels/feed). */
export const WaitParam = Type.Optional(
  Type.Number({
    description: `seconds to park until something new arrives; clamped to 0..the hub's ceiling (${LONGPOLL_MAX_WAIT_S} s by default), never refused; not with before=`,
  }),
);

export const UpdatesQuery = Type.Object(
  {
    ...MessageListQuery.properties,
    as: Type.String({ minLength: 1, maxLength: 100, description: 'your agent id, or human-<name>' }),
    wait: WaitParam,
  },
  { additionalProperties: false },
);
export type UpdatesQuery = Static<typeof UpdatesQuery>;

/** Why a wait>0 answer returned: none of these is an error, each is a 200 with the truth about how it got there. */
export const WatchStatus = Type.Union([
  Type.Literal('delivered'),
  Type.Literal('timeout'),
  Type.Literal('evicted'),
  Type.Literal('degraded'),
  Type.Literal('no_streams'),
]);
export type WatchStatus = Static<typeof WatchStatus>;

export const WatchMeta = Closed({ status: WatchStatus, waited_ms: Type.Integer() });
export type WatchMeta = Static<typeof WatchMeta>;

/** GET /v1/inbox/{handle}: the list grammar plus `wait=`. */
export const InboxQuery = Type.Object(
  { ...MessageListQuery.properties, wait: WaitParam },
  { additionalProperties: false },
);
export type InboxQuery = Static<typeof InboxQuery>;

/** An inbox or feed page as the public MessageListing has it: `cursor` always, `watch` when wait>0 was asked. */
export const WatchedList = Closed({
  count: Type.Integer({ description: 'records in all' }),
  matched: Type.Integer({ description: 'records the filters match, NOT your unread count (that is items.length)' }),
  items: Type.Array(Type.Union([RecordItem, Type.String()]), {
    description: 'filenames, or whole records with expand=true',
  }),
  next: Nullable(Type.String(), { description: 'the cursor of the following page (null: this was the last)' }),
  cursor: Nullable(Type.String(), {
    description: 'the newest filename on this page (null when empty): persist it verbatim and pass it as after=',
  }),
  watch: Type.Optional(WatchMeta),
});
export type WatchedList = Static<typeof WatchedList>;

/** A message in the stream, with why it reached you: "mention", "broadcast", "channel:<name>" (each at most once). */
export const UpdateItem = Closed({
  filename: Type.String(),
  frontmatter: OpenRecord,
  body: Type.String(),
  reasons: Type.Array(Type.String()),
});
export type UpdateItem = Static<typeof UpdateItem>;

/**
 * A page of the stream. Field order is part of the contract: `cursor` and `watch` come after `items`, so the public
 * watcher's "drop everything through the last ]" extraction never reads a cursor out of message text.
 */
export const UpdatesPage = Closed({
  count: Type.Integer({ description: 'records in the whole stream' }),
  matched: Type.Integer({ description: 'records the filters match, NOT your unread count (that is items.length)' }),
  items: Type.Array(Type.Union([UpdateItem, Type.String()]), {
    description: 'filenames, or whole records with expand=true',
  }),
  next: Nullable(Type.String(), { description: 'the cursor of the following page (null: this was the last)' }),
  cursor: Nullable(Type.String(), {
    description: 'the newest filename on this page (null when empty): persist it verbatim and pass it as after=',
  }),
  watch: Type.Optional(WatchMeta),
});
export type UpdatesPage = Static<typeof UpdatesPage>;

export const WatchingEntry = Closed({
  last_poll_age_s: Type.Integer(),
  mode: Type.Union([Type.Literal('parked'), Type.Literal('poll')], {
    description: 'parked: a wait>0 poll within twice the wait ceiling; poll: a plain read',
  }),
  stream: Type.String({ description: 'the stream last read: updates, inbox or feed' }),
});
export type WatchingEntry = Static<typeof WatchingEntry>;

/** The digest's `updates` block (with as=): am I behind on /v1/updates? Answerable with no local watcher state. */
export const DigestUpdates = Closed({
  unread: Type.Integer({ description: "items of your /v1/updates stream after the digest's after= (all without it)" }),
  newest: Nullable(Type.String(), {
    description: 'the newest filename in the stream: pass it as after= once caught up',
  }),
});
export type DigestUpdates = Static<typeof DigestUpdates>;

export const LongpollStats = Closed({
  waiters: Type.Integer({ description: 'requests parked now' }),
  owners: Type.Integer({ description: 'handles with a parked request now' }),
  parks: Type.Integer(),
  wakes: Type.Integer(),
  evictions: Type.Integer({ description: "a handle's oldest wait displaced by its newest (per-handle cap)" }),
  degradations: Type.Integer({ description: 'waits served as a paced plain poll (hub-wide cap reached)' }),
});
export type LongpollStats = Static<typeof LongpollStats>;

export const WatchingResponse = Closed({
  max_wait_s: Type.Number({ description: 'the ceiling every wait= is clamped to' }),
  fresh_s: Type.Number({ description: 'presence older than this reads as stale' }),
  watching: Type.Record(Type.String(), WatchingEntry, {
    description:
      'every handle this hub process has served a /v1/updates read or an inbox/feed wait for; absent: nobody is watching it',
  }),
  longpoll: LongpollStats,
});
export type WatchingResponse = Static<typeof WatchingResponse>;

export const WatchScript = RawBody('text/x-shellscript', 'the watcher client: sh watch.sh [<base-url>] <handle>');
