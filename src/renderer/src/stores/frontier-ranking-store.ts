// A followed collab's leaderboard as its copy holds it (with the hardware its results name and its rules), and this hub's own results to place against it; re-read on each pass of that collab and each local result.
import { create } from 'zustand';
import type { RecordItem } from '@shared/api';
import type { MirroredCollab, MirroredRecord } from '@shared/mirror-api';
import { errorText } from '../connection/hub-api';
import { liveEvents, sharedSubscription, type LiveEvent } from '../connection/live-events';
import { mirrorService } from '../services/mirror';

/** This hub's scoring, as its own leaderboard says. */
export interface LocalScoring {
  score_field: string;
  order: 'asc' | 'desc';
  /** The hardware class this hub ranks (null: it does not say). */
  hardware: string | null;
}

interface FrontierRankingState {
  /** The collab shown ("org/collab"); null before one is chosen. */
  collab: string | null;
  /** GET /v1/leaderboard as the collab last answered it; null when never read. */
  leaderboard: Record<string, unknown> | null;
  caughtUpAt: string | null;
  /** Its newest results (their verdicts, the hardware they name). */
  results: MirroredRecord[];
  /** Its central README as last read. */
  rules: string | null;
  /** Whether a connected collab of the organizer runs its own measurements (null: not known here). */
  ownHardware: boolean | null;
  publicStatus: 'idle' | 'loading' | 'ready' | 'failed';
  publicError: string | null;
  localScoring: LocalScoring | null;
  localResults: RecordItem[];
  localError: string | null;
  /** Shows a collab: reads its copy, and this hub's results once. */
  show(collab: string | null): Promise<void>;
  loadPublic(): Promise<void>;
  loadLocal(): Promise<void>;
  /** Re-reads on each `mirror.updated` of the collab shown and each local result while a view is open. */
  connect(): () => void;
}

/** The public results read for their hardware and verdicts (the newest; a leaderboard row older than these shows without). */
const RESULTS = 500;
/** Local results read (the newest, in pages): enough to place any recent finding. */
const LOCAL_PAGE = 200;
const LOCAL_MAX = 1000;

/** Runs `task` once at a time: a call while it runs asks for one more run after it, however many calls came. */
function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = task().finally(() => {
      running = null;
    });
    await running;
    if (again) {
      again = false;
      await run();
    }
  };
  return run;
}

export const useFrontierRanking = create<FrontierRankingState>((set, get) => {
  const readPublic = coalesced(async () => {
    const collab = get().collab;
    if (!collab) return;
    if (get().publicStatus !== 'ready') set({ publicStatus: 'loading' });
    try {
      const [board, results, rules] = await Promise.all([
        mirrorService.leaderboard(collab),
        mirrorService.records(collab, 'result', RESULTS),
        mirrorService.rules(collab),
      ]);
      // Another collab was chosen while these were on their way: its own read answers.
      if (get().collab !== collab) return;
      set({
        leaderboard: board.leaderboard,
        caughtUpAt: board.caught_up_at,
        results: results.items,
        rules: rules.rules,
        publicStatus: 'ready',
        publicError: null,
      });
    } catch (err) {
      if (get().collab === collab) set({ publicStatus: 'failed', publicError: errorText(err) });
    }
  });

  const readLocal = coalesced(async () => {
    try {
      const board = await mirrorService.localScoring();
      const results: RecordItem[] = [];
      let after: string | undefined;
      while (results.length < LOCAL_MAX) {
        const page = await mirrorService.localResults(LOCAL_PAGE, after);
        const items = page.items.filter((i): i is RecordItem => typeof i !== 'string');
        results.push(...items);
        if (!page.next || items.length === 0) break;
        after = page.next;
      }
      set({
        localScoring: {
          score_field: board.score_field,
          order: board.order,
          hardware: typeof board.hardware === 'string' && board.hardware ? board.hardware : null,
        },
        localResults: results,
        localError: null,
      });
    } catch (err) {
      set({ localError: errorText(err) });
    }
  });

  /** The organizer's connected collabs say which ones measure on their own hardware; anyone else cannot know here. */
  const readOwnHardware = async (collab: string) => {
    try {
      const status = await mirrorService.syncStatus();
      const connected = status.collabs.find((c) => c.id === collab);
      if (get().collab === collab) set({ ownHardware: connected ? connected.fixed_hardware : null });
    } catch {
      if (get().collab === collab) set({ ownHardware: null });
    }
  };

  return {
    collab: null,
    leaderboard: null,
    caughtUpAt: null,
    results: [],
    rules: null,
    ownHardware: null,
    publicStatus: 'idle',
    publicError: null,
    localScoring: null,
    localResults: [],
    localError: null,

    async show(collab) {
      if (collab === get().collab && get().publicStatus !== 'idle') return;
      set({
        collab,
        leaderboard: null,
        caughtUpAt: null,
        results: [],
        rules: null,
        ownHardware: null,
        publicStatus: collab ? 'loading' : 'idle',
        publicError: null,
      });
      if (!collab) return;
      await Promise.all([readPublic(), readLocal(), readOwnHardware(collab)]);
    },

    loadPublic: readPublic,
    loadLocal: readLocal,

    connect: sharedSubscription(() => [
      liveEvents.on<MirroredCollab>('mirror.updated', (event: LiveEvent<MirroredCollab>) => {
        if (event.data?.id === get().collab) void readPublic();
      }),
      liveEvents.on('result.', () => void readLocal()),
      liveEvents.onResync(() => {
        void readPublic();
        void readLocal();
      }),
    ]),
  };
});
