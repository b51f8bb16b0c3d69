// The board as the dashboard holds it: channels, the current view's messages paged back in time, the open thread, live arrivals.
import { create } from 'zustand';
import type { ListResponse, MessageCreated, RecordItem, TaskforceSummary } from '../../../shared/api';
import { errorText, HubApiError, hubApi } from '../connection/hub-api';
import { liveEvents } from '../connection/live-events';
import {
  ALL, channelIdOf, GENERAL, isTaskforce, matchesView, mergeByName, threadOf, visibleRows,
  type BoardView, type ChannelId,
} from '../panels/board/board-view';

/** The hub's cap on an expanded page. */
const PAGE = 200;
/** A page of replies or of another channel's posts can show nothing here: keep reading until this many rows appear. */
const MIN_NEW_ROWS = 30;
const MAX_PAGES_PER_LOAD = 8;
/** Threads longer than this show their newest replies (the pane says how many more there are). */
const MAX_THREAD_PAGES = 10;

export type RefKind = 'message' | 'result' | 'missing';

/** The draft of the composer under a channel's list. */
export const mainDraftKey = (channel: ChannelId): string => `main:${channel}`;
/** The draft of a thread's reply box. */
export const threadDraftKey = (root: string): string => `thread:${root}`;

/** Only the hub's 404 says a name is not there; an unreachable or busy hub says nothing about it. */
const isNotFound = (err: unknown): boolean => err instanceof HubApiError && err.status === 404;

export interface ThreadState {
  root: string;
  rootItem: RecordItem | null;
  replies: RecordItem[];
  /** The message the person asked for (a reply, or the root itself): highlighted. */
  focus: string;
  /** Replies the hub has beyond those shown. */
  more: number;
  status: 'loading' | 'ready' | 'failed';
  error: string | null;
}

export interface PostRequest {
  body: string;
  channel?: string;
  reply_to?: string;
  broadcast?: boolean;
}

interface BoardState {
  channels: TaskforceSummary[];
  channelsError: string | null;
  /** Agent ids for @mention completion. */
  agents: string[];
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
  thread: ThreadState | null;
  refKinds: Record<string, RefKind>;
  /** A quote waiting to be inserted into a composer ("main" or "thread"). */
  pendingQuote: { target: 'main' | 'thread'; text: string; seq: number } | null;
  /** Text typed and not yet sent, by composer (mainDraftKey, threadDraftKey): closing a thread or changing channel keeps it. */
  drafts: Record<string, string>;

  /** Starts the live subscriptions (once) and reads what the board shows. */
  start(me: string): void;
  setMe(me: string): void;
  loadChannels(): Promise<void>;
  loadAgents(): Promise<void>;
  setView(change: Partial<BoardView>): void;
  reload(): Promise<void>;
  loadOlder(): Promise<void>;
  /** Opens the thread a message belongs to; says what the name turned out to be (a result goes to the leaderboard). */
  openThread(filename: string): Promise<RefKind>;
  closeThread(): void;
  post(request: PostRequest): Promise<MessageCreated>;
  /** A message the hub wrote: into the list, the thread and the counts it concerns. */
  receive(record: RecordItem): void;
  requestReplyCount(root: string): void;
  resolveRef(filename: string): void;
  quote(target: 'main' | 'thread', text: string): void;
  setDraft(key: string, text: string): void;
}

const isRecord = (item: RecordItem | string): item is RecordItem => typeof item !== 'string';
const enc = encodeURIComponent;

let subscribed = false;
/** Bumped whenever the view changes, so a page that answers late for an old view is dropped. */
let generation = 0;
const pendingCounts = new Set<string>();
const countQueue: string[] = [];
let countWorkers = 0;
const pendingRefs = new Set<string>();
/** Replies already counted into `replyCounts`: the poster reads its own post back and the stream brings it too. */
const countedReplies = new Set<string>();

interface Page { items: RecordItem[]; next: string | null; matched: number }

async function fetchPage(view: BoardView, me: string, before: string | undefined): Promise<Page> {
  const path = view.mine ? `/v1/inbox/${enc(me)}` : '/v1/messages';
  const res = await hubApi.get<ListResponse<RecordItem>>(path, {
    expand: true, limit: PAGE, order: 'desc', before, q: view.q || undefined,
    // channel=none: the hub's main board, the messages posted in no taskforce.
    channel: isTaskforce(view.channel) ? view.channel : view.channel === GENERAL ? 'none' : undefined,
  });
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

export const useBoard = create<BoardState>((set, get) => ({
  channels: [],
  channelsError: null,
  agents: [],
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
  thread: null,
  refKinds: {},
  pendingQuote: null,
  drafts: {},

  start(me) {
    set({ me });
    // Subscribed once for the app's life: the board stays current (and counts unread posts) while other panels show.
    if (!subscribed) {
      subscribed = true;
      liveEvents.on<{ record?: RecordItem }>('message.created', (e) => { if (e.data.record) get().receive(e.data.record); });
      liveEvents.on('taskforce.', () => void get().loadChannels());
      liveEvents.on('agent.registered', () => void get().loadAgents());
      // Too much was missed while away: read the view again.
      liveEvents.onReset(() => { void get().reload(); void get().loadChannels(); });
    }
    void get().loadChannels();
    void get().loadAgents();
    if (get().status === 'idle' || get().status === 'failed') void get().reload();
  },

  setMe(me) {
    if (me === get().me) return;
    set({ me });
    if (get().view.mine) void get().reload();
  },

  async loadChannels() {
    try {
      const res = await hubApi.get<{ items: TaskforceSummary[] }>('/v1/taskforces');
      set({ channels: res.items, channelsError: null });
    } catch (err) {
      set({ channelsError: errorText(err) });
    }
  },

  async loadAgents() {
    try {
      const res = await hubApi.get<ListResponse<RecordItem>>('/v1/agents', { status: 'active' });
      set({ agents: res.items.map((i) => (typeof i === 'string' ? i : i.filename).replace(/\.md$/, '')).sort() });
    } catch {
      // Completion is a convenience: without the list, typing the handle still works.
    }
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
    set({ status: 'loading', error: null, messages: [], older: null, total: null, olderError: null, loadingOlder: false, replyCounts: {} });
    try {
      const page = await fetchRows(view, me, undefined);
      if (gen !== generation) return;
      const total = page.matched;
      // Live arrivals that came while the page was read stay (the merge drops the duplicates).
      set({ status: 'ready', messages: mergeByName(page.items, get().messages), older: page.next, total });
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

  async openThread(filename) {
    const current = get().thread;
    if (current && (current.focus === filename || current.root === filename) && current.status !== 'failed') {
      if (current.focus !== filename) set({ thread: { ...current, focus: filename } });
      return 'message';
    }
    const known = get().messages.find((m) => m.filename === filename) ?? current?.replies.find((m) => m.filename === filename);
    const guessRoot = known ? (threadOf(known) ?? known.filename) : filename;
    set({ thread: { root: guessRoot, rootItem: null, replies: [], focus: filename, more: 0, status: 'loading', error: null } });
    const stillAsked = () => get().thread?.focus === filename;
    try {
      let item = known;
      if (!item) {
        try {
          item = await hubApi.get<RecordItem>(`/v1/messages/${enc(filename)}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // A failure here (not a 404) fails the thread with the hub's words, rather than calling the name missing.
          const kind = await kindOfMissing(filename);
          set((s) => ({ refKinds: { ...s.refKinds, [filename]: kind } }));
          if (stillAsked()) set({ thread: null });
          return kind;
        }
      }
      const root = threadOf(item) ?? item.filename;
      const rootItem = root === item.filename ? item : await hubApi.get<RecordItem>(`/v1/messages/${enc(root)}`);
      // Newest first, then turned: a thread longer than the pages read shows its latest replies.
      let replies: RecordItem[] = [];
      let before: string | undefined;
      let matched = 0;
      for (let pages = 0; pages < MAX_THREAD_PAGES; pages++) {
        const res = await hubApi.get<ListResponse<RecordItem>>('/v1/messages', { thread: root, expand: true, limit: PAGE, order: 'desc', before });
        matched = res.matched;
        replies = [...res.items.filter(isRecord).reverse(), ...replies];
        if (res.next === null) break;
        before = res.next;
      }
      if (!stillAsked()) return 'message';
      // Replies that arrived live while the pages were read are merged in.
      const arrived = get().thread?.replies ?? [];
      replies = mergeByName(replies, arrived);
      for (const r of replies) countedReplies.add(r.filename);
      set((s) => ({
        drafts: moveDraft(s.drafts, threadDraftKey(guessRoot), threadDraftKey(root)),
        thread: { root, rootItem, replies, focus: filename, more: Math.max(0, matched - replies.length), status: 'ready', error: null },
        replyCounts: { ...s.replyCounts, [root]: Math.max(matched, replies.length) },
        refKinds: { ...s.refKinds, [filename]: 'message' },
      }));
      return 'message';
    } catch (err) {
      if (stillAsked()) set((s) => ({ thread: s.thread && { ...s.thread, status: 'failed', error: errorText(err) } }));
      return 'message';
    }
  },

  closeThread() {
    set({ thread: null });
  },

  async post(request) {
    const created = await hubApi.post<MessageCreated>('/v1/messages', request);
    // The event stream brings it too; reading it now shows it at once even if the stream lags.
    try {
      get().receive(await hubApi.get<RecordItem>(`/v1/messages/${enc(created.filename)}`));
    } catch {
      // The live event will bring it.
    }
    return created;
  },

  receive(record) {
    const { view, me, thread, messages, replyCounts } = get();
    const root = threadOf(record);
    const patch: Partial<BoardState> = {};
    if (thread && root === thread.root && !thread.replies.some((r) => r.filename === record.filename)) {
      patch.thread = { ...thread, replies: mergeByName(thread.replies, [record]) };
    }
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
    // A few at a time: scrolling a long search result asks for many, and the list matters more than its counts.
    const work = async () => {
      countWorkers++;
      while (countQueue.length > 0) {
        const next = countQueue.shift()!;
        try {
          const res = await hubApi.get<ListResponse<RecordItem>>('/v1/messages', { thread: next, limit: 1 });
          set((s) => ({ replyCounts: { ...s.replyCounts, [next]: res.matched } }));
        } catch {
          // Unknown stays unknown; the row simply shows no count.
        } finally {
          pendingCounts.delete(next);
        }
      }
      countWorkers--;
    };
    if (countWorkers < 3) void work();
  },

  resolveRef(filename) {
    if (get().refKinds[filename] || pendingRefs.has(filename)) return;
    if (get().messages.some((m) => m.filename === filename)) {
      set((s) => ({ refKinds: { ...s.refKinds, [filename]: 'message' } }));
      return;
    }
    pendingRefs.add(filename);
    void (async () => {
      try {
        let kind: RefKind;
        try {
          await hubApi.get<RecordItem>(`/v1/messages/${enc(filename)}`);
          kind = 'message';
        } catch (err) {
          if (!isNotFound(err)) throw err;
          kind = await kindOfMissing(filename);
        }
        set((s) => ({ refKinds: { ...s.refKinds, [filename]: kind } }));
      } catch {
        // The hub could not say (unreachable, busy): nothing is kept, so the ref asks again the next time it shows.
      } finally {
        pendingRefs.delete(filename);
      }
    })();
  },

  quote(target, text) {
    set({ pendingQuote: { target, text, seq: (get().pendingQuote?.seq ?? 0) + 1 } });
  },

  setDraft(key, text) {
    if ((get().drafts[key] ?? '') === text) return;
    const drafts = { ...get().drafts };
    if (text === '') delete drafts[key];
    else drafts[key] = text;
    set({ drafts });
  },
}));

/** A reply typed while a thread loaded under the name asked for goes with the thread once its real root is known. */
function moveDraft(drafts: Record<string, string>, from: string, to: string): Record<string, string> {
  if (from === to || drafts[from] === undefined || drafts[to] !== undefined) return drafts;
  const { [from]: text, ...rest } = drafts;
  return { ...rest, [to]: text! };
}

/** A name that is no message: a result (it opens on the leaderboard) or nothing at all; throws when the hub cannot say. */
async function kindOfMissing(filename: string): Promise<RefKind> {
  try {
    await hubApi.get<RecordItem>(`/v1/results/${enc(filename)}`);
    return 'result';
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    throw err;
  }
}
