// What the names a message refers to turned out to be (a message, a result, a public collab's record, nothing), looked up once each.
import type { MirroredRecord } from '@shared/mirror-api';
import { create } from 'zustand';
import { boardService, type RefKind } from '../services/board';
import { useBoardMessages } from './board-messages-store';

export type { RefKind } from '../services/board';

interface BoardRefsState {
  refKinds: Record<string, RefKind>;
  /** The records of refs of kind `public`: their origin, public URL and text, read from the hub's copy. */
  publicRefs: Record<string, MirroredRecord>;
  /** Asks the hub what a name is, unless it is known or on its way. */
  resolveRef(filename: string): void;
  /** A name learnt elsewhere (a thread opened under it); a public one comes with its record. */
  noteKind(filename: string, kind: RefKind, record?: MirroredRecord): void;
}

export const useBoardRefs = create<BoardRefsState>((set, get) => {
  const pendingRefs = new Set<string>();
  return {
    refKinds: {},
    publicRefs: {},

    resolveRef(filename) {
      if (get().refKinds[filename] || pendingRefs.has(filename)) return;
      if (useBoardMessages.getState().messages.some((m) => m.filename === filename)) {
        get().noteKind(filename, 'message');
        return;
      }
      pendingRefs.add(filename);
      void (async () => {
        try {
          const found = await boardService.kindOf(filename);
          get().noteKind(filename, found.kind, found.kind === 'public' ? found.record : undefined);
        } catch {
          // The hub could not say (unreachable, busy): nothing is kept, so the ref asks again the next time it shows.
        } finally {
          pendingRefs.delete(filename);
        }
      })();
    },

    noteKind(filename, kind, record) {
      set((s) => ({
        refKinds: { ...s.refKinds, [filename]: kind },
        ...(record ? { publicRefs: { ...s.publicRefs, [filename]: record } } : {}),
      }));
    },
  };
});
