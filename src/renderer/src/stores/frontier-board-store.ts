// A followed collab's board as its copy holds it: the newest messages (by channel), its channels, the record a ref opens (threads by refs); re-read when a pass of that collab brings new messages.
import { create } from 'zustand';
import type { MirroredCollab, MirroredRecord } from '@shared/mirror-api';
import { errorText } from '../connection/hub-api';
import { liveEvents, sharedSubscription, type LiveEvent } from '../connection/live-events';
import { mirrorService } from '../services/mirror';

/** Every message, the general board (no channel), or one channel by its name (names never start with ':'). */
export const ALL_MESSAGES = ':all';
export const GENERAL_BOARD = ':general';

export type OpenedRecord =
  | { filename: string; status: 'loading' }
  | { filename: string; status: 'ready'; kind: 'message' | 'result'; record: MirroredRecord }
  /** Not in the copy (evicted, never read, or not a record of that collab). */
  | { filename: string; status: 'missing' }
  | { filename: string; status: 'failed'; error: string };

interface FrontierBoardState {
  collab: string | null;
  /** Newest first. */
  messages: MirroredRecord[];
  /** The cursor of the next older page; null when the copy holds no older message. */
  next: string | null;
  /** Its channels (each record's frontmatter is the public ChannelSummary). */
  channels: MirroredRecord[];
  channel: string;
  status: 'idle' | 'loading' | 'ready' | 'failed';
  error: string | null;
  loadingOlder: boolean;
  /** What each cited name is in the copy. */
  refKinds: Record<string, 'message' | 'result' | 'missing'>;
  opened: OpenedRecord | null;
  show(collab: string | null): Promise<void>;
  reload(): Promise<void>;
  loadOlder(): Promise<void>;
  setChannel(channel: string): void;
  /** Looks a cited name up in the copy (once; a failed look-up is asked again). */
  resolveRef(filename: string): void;
  /** Opens a record of the copy (a message or a result) by its upstream filename; null closes it. */
  open(filename: string | null): Promise<void>;
  /** Re-reads when a pass of the collab shown changed its board, while a view is open. */
  connect(): () => void;
}

const PAGE = 50;

/** Merges pages by filename, newest first, without duplicates. */
function mergeNewestFirst(a: MirroredRecord[], b: MirroredRecord[]): MirroredRecord[] {
  const byName = new Map(a.map((r) => [r.filename, r]));
  for (const r of b) byName.set(r.filename, r);
  return [...byName.values()].sort((x, y) => (x.filename < y.filename ? 1 : x.filename > y.filename ? -1 : 0));
}

/** What of a pass changes the board: messages and channels counted, and what the budget dropped. */
function boardSignature(c: MirroredCollab): string {
  return `${c.counts.message}/${c.counts.channel}/${c.evicted}/${c.bytes}`;
}

/** The record named `filename` in the copy, of either kind, or null. */
async function findRecord(
  collab: string,
  filename: string,
): Promise<{ kind: 'message' | 'result'; record: MirroredRecord } | null> {
  // `before` is exclusive: a name followed by a space sorts right after it, so the first record older than that
  // is the record itself when the copy holds it.
  for (const kind of ['message', 'result'] as const) {
    const page = await mirrorService.records(collab, kind, 1, `${filename} `);
    const record = page.items[0];
    if (record?.filename === filename) return { kind, record };
  }
  return null;
}

export const useFrontierBoard = create<FrontierBoardState>((set, get) => {
  let seq = 0;
  let lastSignature: string | null = null;
  const resolving = new Set<string>();
  const refreshOpened = async (filename: string) => {
    const collab = get().collab;
    if (!collab) return;
    try {
      const found = await findRecord(collab, filename);
      if (found && get().collab === collab && get().opened?.filename === filename)
        set({ opened: { filename, status: 'ready', ...found } });
    } catch {
      // The record stays as it was shown; the next pass asks again.
    }
  };

  return {
    collab: null,
    messages: [],
    next: null,
    channels: [],
    channel: ALL_MESSAGES,
    status: 'idle',
    error: null,
    loadingOlder: false,
    refKinds: {},
    opened: null,

    async show(collab) {
      if (collab === get().collab && get().status !== 'idle') return;
      lastSignature = null;
      resolving.clear();
      set({
        collab,
        messages: [],
        next: null,
        channels: [],
        channel: ALL_MESSAGES,
        status: collab ? 'loading' : 'idle',
        error: null,
        refKinds: {},
        opened: null,
      });
      if (collab) await get().reload();
    },

    async reload() {
      const collab = get().collab;
      if (!collab) return;
      const mine = ++seq;
      // As many as are shown, so a live re-read does not take the older pages away.
      const limit = Math.min(500, Math.max(PAGE, get().messages.length));
      try {
        const [messages, channels] = await Promise.all([
          mirrorService.records(collab, 'message', limit),
          mirrorService.records(collab, 'channel', 500),
        ]);
        if (mine !== seq) return;
        set((s) => ({
          messages: messages.items,
          next: messages.next,
          channels: channels.items,
          status: 'ready',
          error: null,
          // A record that arrived since is in the copy now.
          refKinds: Object.fromEntries(Object.entries(s.refKinds).filter(([, kind]) => kind !== 'missing')),
        }));
      } catch (err) {
        if (mine === seq) set({ status: 'failed', error: errorText(err) });
      }
    },

    async loadOlder() {
      const { collab, next } = get();
      if (!collab || !next || get().loadingOlder) return;
      set({ loadingOlder: true });
      try {
        const page = await mirrorService.records(collab, 'message', PAGE, next);
        if (get().collab !== collab) return;
        set((s) => ({ messages: mergeNewestFirst(s.messages, page.items), next: page.next }));
      } catch (err) {
        set({ error: errorText(err) });
      } finally {
        set({ loadingOlder: false });
      }
    },

    setChannel(channel) {
      set({ channel });
    },

    resolveRef(filename) {
      const { collab, refKinds, messages } = get();
      if (!collab || filename in refKinds || resolving.has(filename)) return;
      if (messages.some((m) => m.filename === filename)) {
        set((s) => ({ refKinds: { ...s.refKinds, [filename]: 'message' } }));
        return;
      }
      resolving.add(filename);
      void findRecord(collab, filename)
        .then((found) => {
          if (get().collab === collab)
            set((s) => ({ refKinds: { ...s.refKinds, [filename]: found ? found.kind : 'missing' } }));
        })
        .catch(() => {
          // Nothing kept: the ref asks again when it shows again.
        })
        .finally(() => resolving.delete(filename));
    },

    async open(filename) {
      const collab = get().collab;
      if (!filename || !collab) {
        set({ opened: null });
        return;
      }
      const current = get().opened;
      if (current?.filename === filename && current.status === 'ready') return;
      set({ opened: { filename, status: 'loading' } });
      let opened: OpenedRecord;
      try {
        const found = await findRecord(collab, filename);
        opened = found ? { filename, status: 'ready', ...found } : { filename, status: 'missing' };
        if (found) set((s) => ({ refKinds: { ...s.refKinds, [filename]: found.kind } }));
      } catch (err) {
        opened = { filename, status: 'failed', error: errorText(err) };
      }
      // Another record (or collab) was opened meanwhile: that one answers.
      if (get().collab === collab && get().opened?.filename === filename) set({ opened });
    },

    connect: sharedSubscription(() => [
      liveEvents.on<MirroredCollab>('mirror.updated', (event: LiveEvent<MirroredCollab>) => {
        const c = event.data;
        if (c?.id !== get().collab || !c.counts) return;
        // A verdict may have changed on the result on view (verdicts change no count): read it again, in place.
        const opened = get().opened;
        if (opened?.status === 'ready' && opened.kind === 'result') void refreshOpened(opened.filename);
        const signature = boardSignature(c);
        if (signature === lastSignature) return;
        lastSignature = signature;
        void get().reload();
      }),
      liveEvents.onResync(() => void get().reload()),
    ]),
  };
});
