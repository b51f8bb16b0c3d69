// The public collabs this hub follows read-only (GET /v1/mirror), kept live from `mirror.updated`, and the organizer's follow, refresh and unfollow.
import { create } from 'zustand';
import type { MirroredCollab } from '@shared/mirror-api';
import { liveEvents, sharedSubscription, type LiveEvent } from '../connection/live-events';
import { mirrorService } from '../services/mirror';
import { asSyncAction, syncProblem, type SyncProblem } from './sync-problem';

/** The hub runs without the mirror: the panel says so plainly instead of showing an error. */
export const MIRROR_DISABLED = 'MIRROR_DISABLED';

interface MirrorState {
  collabs: MirroredCollab[];
  loaded: boolean;
  /** Why the list could not be read (MIRROR_DISABLED: the hub runs without the mirror). */
  problem: SyncProblem | null;
  /** The action under way per collab. */
  busy: Record<string, 'refresh' | 'unfollow'>;
  /** Why the last refresh or unfollow of a collab was refused. */
  actionErrors: Record<string, string>;
  load(): Promise<void>;
  /** Throws a SyncActionError with the hub's words (an unknown collab, not the organizer) for the form to show. */
  follow(target: string, budgetMb?: number): Promise<MirroredCollab>;
  refresh(id: string): Promise<void>;
  unfollow(id: string): Promise<void>;
  /** Follows `mirror.updated` while a view is open; returns the release. */
  connect(): () => void;
}

function upsert(list: MirroredCollab[], collab: MirroredCollab): MirroredCollab[] {
  return list.some((c) => c.id === collab.id) ? list.map((c) => (c.id === collab.id ? collab : c)) : [...list, collab];
}

export const useMirror = create<MirrorState>((set, get) => {
  let loadSeq = 0;
  const setBusy = (id: string, action: 'refresh' | 'unfollow' | null) =>
    set((s) => {
      const busy = { ...s.busy };
      if (action) busy[id] = action;
      else delete busy[id];
      const actionErrors = { ...s.actionErrors };
      if (action) delete actionErrors[id];
      return { busy, actionErrors };
    });
  const fail = (id: string, err: unknown) => {
    const problem = syncProblem(err);
    set((s) => ({ actionErrors: { ...s.actionErrors, [id]: problem.message } }));
  };

  return {
    collabs: [],
    loaded: false,
    problem: null,
    busy: {},
    actionErrors: {},

    async load() {
      const seq = ++loadSeq;
      try {
        const status = await mirrorService.status();
        if (seq === loadSeq) set({ collabs: status.collabs, loaded: true, problem: null });
      } catch (err) {
        const problem = syncProblem(err);
        // A hub from before the mirror has no /v1/mirror at all: the same as one running without it.
        if (seq === loadSeq)
          set({
            problem: problem.code === 'NOT_FOUND' ? { ...problem, code: MIRROR_DISABLED } : problem,
            loaded: true,
          });
      }
    },

    async follow(target, budgetMb) {
      const collab = await asSyncAction(() =>
        mirrorService.follow({ target: target.trim(), ...(budgetMb ? { budget_mb: budgetMb } : {}) }),
      );
      // Any list read before this answer lacks it.
      loadSeq++;
      set((s) => ({ collabs: upsert(s.collabs, collab), loaded: true, problem: null }));
      return collab;
    },

    async refresh(id) {
      setBusy(id, 'refresh');
      try {
        const collab = await mirrorService.refresh(id);
        set((s) => ({ collabs: upsert(s.collabs, collab) }));
      } catch (err) {
        fail(id, err);
      } finally {
        setBusy(id, null);
      }
    },

    async unfollow(id) {
      setBusy(id, 'unfollow');
      try {
        await mirrorService.unfollow(id);
        loadSeq++;
        set((s) => ({ collabs: s.collabs.filter((c) => c.id !== id) }));
      } catch (err) {
        fail(id, err);
      } finally {
        setBusy(id, null);
      }
    },

    connect: sharedSubscription(() => [
      liveEvents.on<MirroredCollab>('mirror.updated', (event: LiveEvent<MirroredCollab>) => {
        const collab = event.data;
        if (typeof collab?.id !== 'string') return;
        // A pass of a collab not on the list (followed from the CLI, or a pass that ended after an unfollow): the
        // hub's list says whether it is followed.
        if (get().collabs.some((c) => c.id === collab.id)) set((s) => ({ collabs: upsert(s.collabs, collab) }));
        else void get().load();
      }),
      liveEvents.onResync(() => void get().load()),
    ]),
  };
});
