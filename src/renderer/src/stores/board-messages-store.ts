// The board's message list: the current view (channel, search, @me) paged back in time, live arrivals, reply counts, unread posts.
import { create } from 'zustand';
import type { RecordItem } from '@shared/api';
import { errorText } from '../connection/hub-api';
import { liveEvents } from '../connection/live-events';
import {
  ALL,
  channelIdOf,
  GENERAL,
  matchesView,
  mergeByName,
  threadOf,
  visibleRows,
  type BoardView,
  type ChannelId,
} from '../model/board-view';
import { boardService } from '../services/board';

/** The hub's cap on an expanded page. */
const PAGE = 200;
/** A page of replies or of another channel's posts can show nothing here: keep reading until this many rows appear. */
const MIN_NEW_ROWS = 30;
const MAX_PAGES_PER_LOAD = 8;
/** Reply counts read at once: scrolling a long search result asks for many, and the list matters more than its counts. */
const COUNT_WORKERS = 3;

interface BoardMessagesState {
  view: BoardView;
  /** Whose inbox "@me" reads: the signed-in handle, else the hub's organizer (the person at this desk). */
  me: string;
  /** The view's loaded messages, oldest first (replies included; a plain channel folds them into threads). */
  messages: RecordItem[];
  /** The cursor for the next older page; null when the view reaches back to its first message. */
  older: string | null;
  status: 'idle' | 'loading' | 'ready' | 'failed';
  error: string | null;
  loadingOlder: boolean;
  olderError: string | null;
  /** How many messages the view has in all (the search's match count); null when the hub cannot say. */
  total: number | null;
  /** Reply counts fetched for roots shown in a search or @me view, where the loaded pages have gaps. */
  replyCounts: Record<string, number>;
  /** Posts that arrived in other channels since the person last looked at them. */
  unread: Record<ChannelId, number>;

  /** Starts the live subscription (once) and reads the view, unless it is already read. */
  start(me: string): void;
  setMe(me: string): void;
  setView(change: Partial<BoardView>): void;
  reload(): Promise<void>;
  loadOlder(): Promise<void>;
  /** A message the hub wrote: into the list and the counts it concerns. */
  receive(record: RecordItem): void;
  requestReplyCount(root: string): void;
  /** A thread read whole: its count is exact now, and its replies are not counted again when they arrive live. */
  countThread(root: string, matched: number, replies: RecordItem[]): void;
}

interface Page {
  items: RecordItem[];
  next: string | null;
  matched: number;
}

const isRecord = (item: RecordItem | string): item is RecordItem => typeof item !== 'string';

async function fetchPage(view: BoardView, me: string, before: string | undefined): Promise<Page> {
  const res = await boardService.listMessages(
    {
      expand: true,
      limit: PAGE,
      order: 'desc',
      before,
      q: view.q || undefined,
      // "none" is the general board, "*" every message (the board and every channel).
      channel: view.channel === ALL ? '*' : view.channel === GENERAL ? 'none' : view.channel,
    },
    view.mine ? me : undefined,
  );
  return { items: res.items.filter(isRecord).reverse(), next: res.next, matched: res.matched };
}

/** Reads pages back from `before` until enough rows would show (or the start is reached). */
async function fetchRows(view: BoardView, me: string, before: string | undefined): Promise<Page> {
  let items: RecordItem[] = [];
  let next: string | null = before ?? null;
  let matched = 0;
  for (let pages = 0; pages < MAX_PAGES_PER_LOAD; pages++) {
    const page = await fetchPage(view, me, next ?? undefined);
    if (pages === 0) matched = page.matched;
    items = [...page.items, ...items];
    next = page.next;
    if (next === null || visibleRows(items, view).length >= MIN_NEW_ROWS) break;
  }
  return { items, next, matched };
}

export const useBoardMessages = create<BoardMessagesState>((set, get) => {
  let subscribed = false;
  /** Bumped whenever the view changes, so a page that answers late for an old view is dropped. */
  let generation = 0;
  const pendingCounts = new Set<string>();
  const countQueue: string[] = [];
  let countWorkers = 0;
  /** Replies already counted into `replyCounts`: the poster reads its own post back and the stream brings it too. */
  const countedReplies = new Set<string>();

  return {
    view: { channel: ALL, q: '', mine: false },
    me: 'human',
    messages: [],
    older: null,
    status: 'idle',
    error: null,
    loadingOlder: false,
    olderError: null,
    total: null,
    replyCounts: {},
    unread: {},

    start(me) {
      set({ me });
      // Subscribed once for the app's life: the board stays current (and counts unread posts) while other panels show.
      if (!subscribed) {
        subscribed = true;
        liveEvents.on<{ record?: RecordItem }>('message.created', (e) => {
          if (e.data.record) get().receive(e.data.record);
        });
        // Too much was missed while away: read the view again.
        liveEvents.onReset(() => void get().reload());
      }
      if (get().status === 'idle' || get().status === 'failed') void get().reload();
    },

    setMe(me) {
      if (me === get().me) return;
      set({ me });
      if (get().view.mine) void get().reload();
    },

    setView(change) {
      const view = { ...get().view, ...change };
      const unread = { ...get().unread };
      delete unread[view.channel];
      if (view.channel === ALL) for (const key of Object.keys(unread)) delete unread[key];
      set({ view, unread });
      void get().reload();
    },

    async reload() {
      const gen = ++generation;
      const { view, me } = get();
      set({
        status: 'loading',
        error: null,
        messages: [],
        older: null,
        total: null,
        olderError: null,
        loadingOlder: false,
        replyCounts: {},
      });
      try {
        const page = await fetchRows(view, me, undefined);
        if (gen !== generation) return;
        // Live arrivals that came while the page was read stay (the merge drops the duplicates).
        set({
          status: 'ready',
          messages: mergeByName(page.items, get().messages),
          older: page.next,
          total: page.matched,
        });
      } catch (err) {
        if (gen === generation) set({ status: 'failed', error: errorText(err) });
      }
    },

    async loadOlder() {
      const { older, loadingOlder, status, view, me } = get();
      if (older === null || loadingOlder || status !== 'ready') return;
      const gen = generation;
      set({ loadingOlder: true, olderError: null });
      try {
        const page = await fetchRows(view, me, older);
        if (gen !== generation) return;
        set({ messages: mergeByName(get().messages, page.items), older: page.next, loadingOlder: false });
      } catch (err) {
        if (gen === generation) set({ loadingOlder: false, olderError: errorText(err) });
      }
    },

    receive(record) {
      const { view, me, messages, replyCounts } = get();
      const root = threadOf(record);
      const patch: Partial<BoardMessagesState> = {};
      if (root !== null && replyCounts[root] !== undefined && !countedReplies.has(record.filename)) {
        countedReplies.add(record.filename);
        patch.replyCounts = { ...replyCounts, [root]: replyCounts[root] + 1 };
      }
      if (get().status !== 'failed' && matchesView(record, view, me)) {
        if (!messages.some((m) => m.filename === record.filename)) {
          patch.messages = mergeByName(messages, [record]);
          const total = get().total;
          if (total !== null) patch.total = total + 1;
        }
      } else if (root === null && view.channel !== ALL) {
        const channel = channelIdOf(record);
        if (channel !== view.channel) patch.unread = { ...get().unread, [channel]: (get().unread[channel] ?? 0) + 1 };
      }
      if (Object.keys(patch).length > 0) set(patch);
    },

    requestReplyCount(root) {
      if (get().replyCounts[root] !== undefined || pendingCounts.has(root)) return;
      pendingCounts.add(root);
      countQueue.push(root);
      const work = async () => {
        countWorkers++;
        while (countQueue.length > 0) {
          const next = countQueue.shift()!;
          try {
            const res = await boardService.listMessages({ thread: next, limit: 1 });
            set((s) => ({ replyCounts: { ...s.replyCounts, [next]: res.matched } }));
          } catch {
            // Unknown stays unknown; the row simply shows no count.
          } finally {
            pendingCounts.delete(next);
          }
        }
        countWorkers--;
      };
      if (countWorkers < COUNT_WORKERS) void work();
    },

    countThread(root, matched, replies) {
      for (const r of replies) countedReplies.add(r.filename);
      set((s) => ({ replyCounts: { ...s.replyCounts, [root]: Math.max(matched, replies.length) } }));
    },
  };
});
