// The board's composers: text typed and not yet sent (per composer), and a quote waiting to be inserted.
import { create } from 'zustand';

/** The draft of the composer under a channel's list. */
export const mainDraftKey = (channel: string): string => `main:${channel}`;
/** The draft of a thread's reply box. */
export const threadDraftKey = (root: string): string => `thread:${root}`;

interface BoardComposerState {
  /** A quote waiting to be inserted into a composer ("main" or "thread"). */
  pendingQuote: { target: 'main' | 'thread'; text: string; seq: number } | null;
  /** Text typed and not yet sent, by composer (mainDraftKey, threadDraftKey): closing a thread or changing channel keeps it. */
  drafts: Record<string, string>;
  quote(target: 'main' | 'thread', text: string): void;
  setDraft(key: string, text: string): void;
  /** A reply typed while a thread loaded under the name asked for goes with the thread once its real root is known. */
  moveDraft(from: string, to: string): void;
}

export const useBoardComposer = create<BoardComposerState>((set, get) => ({
  pendingQuote: null,
  drafts: {},

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

  moveDraft(from, to) {
    const { drafts } = get();
    if (from === to || drafts[from] === undefined || drafts[to] !== undefined) return;
    const { [from]: text, ...rest } = drafts;
    set({ drafts: { ...rest, [to]: text! } });
  },
}));
