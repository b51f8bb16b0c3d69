// What the names a message refers to turned out to be (a message, a result, nothing), looked up once each.
import { create } from 'zustand';
import { boardService, type RefKind } from '../services/board';
import { useBoardMessages } from './board-messages-store';

export type { RefKind } from '../services/board';

interface BoardRefsState {
  refKinds: Record<string, RefKind>;
  /** Asks the hub what a name is, unless it is known or on its way. */
  resolveRef(filename: string): void;
  /** A name learnt elsewhere (a thread opened under it). */
  noteKind(filename: string, kind: RefKind): void;
}

export const useBoardRefs = create<BoardRefsState>((set, get) => {
  const pendingRefs = new Set<string>();
  return {
    refKinds: {},

    resolveRef(filename) {
      if (get().refKinds[filename] || pendingRefs.has(filename)) return;
      if (useBoardMessages.getState().messages.some((m) => m.filename === filename)) {
        get().noteKind(filename, 'message');
        return;
      }
      pendingRefs.add(filename);
      void (async () => {
        try {
          get().noteKind(filename, await boardService.kindOf(filename));
        } catch {
          // The hub could not say (unreachable, busy): nothing is kept, so the ref asks again the next time it shows.
        } finally {
          pendingRefs.delete(filename);
        }
      })();
    },

    noteKind(filename, kind) {
      set((s) => ({ refKinds: { ...s.refKinds, [filename]: kind } }));
    },
  };
});
