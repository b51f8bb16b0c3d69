// The open thread on the board: its root and replies in order (the newest pages of a long one), kept live.
import { create } from 'zustand';
import type { ListResponse, RecordItem } from '@shared/api';
import { errorText, isNotFound } from '../connection/hub-api';
import { liveEvents } from '../connection/live-events';
import { mergeByName, threadOf } from '../model/board-view';
import { boardService, type RefKind } from '../services/board';
import { threadDraftKey, useBoardComposer } from './board-composer-store';
import { useBoardMessages } from './board-messages-store';
import { useBoardRefs } from './board-refs-store';

/** The hub's cap on an expanded page. */
const PAGE = 200;
/** Threads longer than this show their newest replies (the pane says how many more there are). */
const MAX_THREAD_PAGES = 10;

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

interface BoardThreadState {
  thread: ThreadState | null;
  /** Starts the live subscription (once): replies that arrive go into the open thread. */
  start(): void;
  /** Opens the thread a message belongs to; says what the name turned out to be (a result goes to the leaderboard). */
  openThread(filename: string): Promise<RefKind>;
  closeThread(): void;
  /** A message the hub wrote: into the open thread if it is one of its replies. */
  receive(record: RecordItem): void;
}

const isRecord = (item: RecordItem | string): item is RecordItem => typeof item !== 'string';

/** A thread's replies oldest first; newest pages first, then turned, so a long thread shows its latest replies. */
async function readReplies(root: string): Promise<{ replies: RecordItem[]; matched: number }> {
  let replies: RecordItem[] = [];
  let before: string | undefined;
  let matched = 0;
  for (let pages = 0; pages < MAX_THREAD_PAGES; pages++) {
    const res: ListResponse<RecordItem> = await boardService.listMessages({
      thread: root,
      expand: true,
      limit: PAGE,
      order: 'desc',
      before,
    });
    matched = res.matched;
    replies = [...res.items.filter(isRecord).reverse(), ...replies];
    if (res.next === null) break;
    before = res.next;
  }
  return { replies, matched };
}

export const useBoardThread = create<BoardThreadState>((set, get) => {
  let subscribed = false;
  return {
    thread: null,

    start() {
      if (subscribed) return;
      subscribed = true;
      liveEvents.on<{ record?: RecordItem }>('message.created', (e) => {
        if (e.data.record) get().receive(e.data.record);
      });
    },

    async openThread(filename) {
      const current = get().thread;
      if (current && (current.focus === filename || current.root === filename) && current.status !== 'failed') {
        if (current.focus !== filename) set({ thread: { ...current, focus: filename } });
        return 'message';
      }
      const known =
        useBoardMessages.getState().messages.find((m) => m.filename === filename) ??
        current?.replies.find((m) => m.filename === filename);
      const guessRoot = known ? (threadOf(known) ?? known.filename) : filename;
      set({
        thread: {
          root: guessRoot,
          rootItem: null,
          replies: [],
          focus: filename,
          more: 0,
          status: 'loading',
          error: null,
        },
      });
      const stillAsked = () => get().thread?.focus === filename;
      try {
        let item = known;
        if (!item) {
          try {
            item = await boardService.readMessage(filename);
          } catch (err) {
            if (!isNotFound(err)) throw err;
            // A failure here (not a 404) fails the thread with the hub's words, rather than calling the name missing.
            const found = await boardService.kindOfMissing(filename);
            useBoardRefs.getState().noteKind(filename, found.kind, found.kind === 'public' ? found.record : undefined);
            if (stillAsked()) set({ thread: null });
            return found.kind;
          }
        }
        const root = threadOf(item) ?? item.filename;
        const rootItem = root === item.filename ? item : await boardService.readMessage(root);
        const read = await readReplies(root);
        if (!stillAsked()) return 'message';
        // Replies that arrived live while the pages were read are merged in.
        const replies = mergeByName(read.replies, get().thread?.replies ?? []);
        useBoardComposer.getState().moveDraft(threadDraftKey(guessRoot), threadDraftKey(root));
        set({
          thread: {
            root,
            rootItem,
            replies,
            focus: filename,
            more: Math.max(0, read.matched - replies.length),
            status: 'ready',
            error: null,
          },
        });
        useBoardMessages.getState().countThread(root, read.matched, replies);
        useBoardRefs.getState().noteKind(filename, 'message');
        return 'message';
      } catch (err) {
        if (stillAsked())
          set((s) => ({ thread: s.thread && { ...s.thread, status: 'failed', error: errorText(err) } }));
        return 'message';
      }
    },

    closeThread() {
      set({ thread: null });
    },

    receive(record) {
      const { thread } = get();
      if (thread && threadOf(record) === thread.root && !thread.replies.some((r) => r.filename === record.filename)) {
        set({ thread: { ...thread, replies: mergeByName(thread.replies, [record]) } });
      }
    },
  };
});
