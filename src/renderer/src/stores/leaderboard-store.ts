// The leaderboard as the hub ranks it, every result (for the chart and lineage), single results with their verdicts; live.
import { create } from 'zustand';
import type { AgentInfo, Leaderboard, RecordItem, ResultRecord, VerdictBody, VerificationState } from '@shared/api';
import type { JobInfo } from '@shared/challenge';
import { errorText, isNotFound } from '../connection/hub-api';
import { liveEvents, sharedSubscription, type LiveEvent } from '../connection/live-events';
import { leaderboardService } from '../services/leaderboard';

export type DetailEntry =
  | { status: 'loading'; result?: ResultRecord }
  | { status: 'ready'; result: ResultRecord }
  /** Not a result (a message's filename in refs, or a deleted record). */
  | { status: 'missing' }
  | { status: 'failed'; error: string };

interface LeaderboardState {
  bestPerAgent: boolean;
  includeInvalid: boolean;
  /** Results published by hand (no job of this hub measured them): not ranked unless asked for. */
  includeUnverified: boolean;
  /** The hardware class asked for: null lets the hub choose (its own), "all" ranks every class together. */
  hardware: string | null;
  board: Leaderboard | null;
  boardError: string | null;
  /** Every result the hub holds, oldest first (the chart shows them all, not only each agent's best). */
  results: RecordItem[];
  resultsLoaded: boolean;
  resultsError: string | null;
  details: Record<string, DetailEntry>;
  /** Who published a result (model, harness); null for authors that are no registered agent (the hub's baseline). */
  agents: Record<string, AgentInfo | null>;
  /** Loads the board and re-reads every result (verdicts may have changed while no view listened). */
  load(): Promise<void>;
  loadBoard(): Promise<void>;
  /** Fetches the results stamped after the newest one held; `fromScratch` re-reads them all. */
  loadResults(fromScratch?: boolean): Promise<void>;
  setBestPerAgent(value: boolean): void;
  setIncludeInvalid(value: boolean): void;
  setIncludeUnverified(value: boolean): void;
  setHardware(value: string | null): void;
  loadDetail(filename: string, force?: boolean): Promise<void>;
  loadAgent(agentId: string): Promise<void>;
  /** The organizer's verdict; throws the hub's refusal for the form to show. */
  setVerdict(filename: string, body: VerdictBody): Promise<void>;
  /** Queues a re-run on the private prompts (hubs that run jobs). */
  requestVerification(filename: string): Promise<JobInfo>;
  /** Follows the hub's result events while a view is open; returns the unsubscribe. */
  connect(): () => void;
}

const PAGE = 200;
/** Several results often land together (a swarm, a finished job and its verdict): one refresh for the burst. */
const REFRESH_DELAY_MS = 250;

/** The verification states the ranking (and the chart beside it) shows. */
export function shownStates(s: { includeInvalid: boolean; includeUnverified: boolean }): VerificationState[] {
  return [
    'valid',
    'pending',
    ...(s.includeInvalid ? (['invalid'] as const) : []),
    ...(s.includeUnverified ? (['unverified'] as const) : []),
  ];
}

function mergeResults(current: RecordItem[], incoming: RecordItem[]): RecordItem[] {
  if (incoming.length === 0) return current;
  const byName = new Map(current.map((r) => [r.filename, r]));
  for (const r of incoming) byName.set(r.filename, r);
  // Stamped filenames sort in time order.
  return [...byName.values()].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
}

export const useLeaderboard = create<LeaderboardState>((set, get) => {
  let boardSeq = 0;
  /** Each detail read (and each verdict set here) takes a number; only the latest one per filename may land. */
  let detailCounter = 0;
  const detailSeq = new Map<string, number>();
  let resultsInFlight: Promise<void> | null = null;
  /** A load asked for while one runs: 'more' fetches what is new after it, 'all' re-reads everything. */
  let resultsAgain: 'more' | 'all' | null = null;
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;

  return {
    bestPerAgent: true,
    includeInvalid: false,
    includeUnverified: false,
    hardware: null,
    board: null,
    boardError: null,
    results: [],
    resultsLoaded: false,
    resultsError: null,
    details: {},
    agents: {},

    async load() {
      await Promise.all([get().loadBoard(), get().loadResults(true)]);
    },

    async loadBoard() {
      const seq = ++boardSeq;
      const { bestPerAgent, hardware } = get();
      try {
        const board = await leaderboardService.readLeaderboard({
          best_per_agent: bestPerAgent,
          verification: shownStates(get()).join(','),
          hardware: hardware ?? undefined,
        });
        // A filter changed while this was on its way: the newer request answers.
        if (seq === boardSeq) set({ board, boardError: null });
      } catch (err) {
        if (seq === boardSeq) set({ boardError: errorText(err) });
      }
    },

    async loadResults(fromScratch = false) {
      if (resultsInFlight) {
        resultsAgain = fromScratch || resultsAgain === 'all' ? 'all' : 'more';
        return resultsInFlight;
      }
      const run = async () => {
        let after = fromScratch ? undefined : get().results.at(-1)?.filename;
        const fetched: RecordItem[] = [];
        try {
          for (;;) {
            const page = await leaderboardService.listResults(after, PAGE);
            const items = page.items.filter((i): i is RecordItem => typeof i !== 'string');
            fetched.push(...items);
            if (!page.next || items.length === 0) break;
            after = page.next;
          }
          set((s) => ({
            results: mergeResults(fromScratch ? [] : s.results, fetched),
            resultsLoaded: true,
            resultsError: null,
          }));
        } catch (err) {
          set({ resultsError: errorText(err), resultsLoaded: true });
        }
      };
      resultsInFlight = run().finally(() => {
        resultsInFlight = null;
      });
      await resultsInFlight;
      if (resultsAgain) {
        const again = resultsAgain;
        resultsAgain = null;
        await get().loadResults(again === 'all');
      }
    },

    setBestPerAgent(value) {
      set({ bestPerAgent: value });
      void get().loadBoard();
    },

    setIncludeInvalid(value) {
      set({ includeInvalid: value });
      void get().loadBoard();
    },

    setIncludeUnverified(value) {
      set({ includeUnverified: value });
      void get().loadBoard();
    },

    setHardware(value) {
      set({ hardware: value });
      void get().loadBoard();
    },

    async loadDetail(filename, force = false) {
      const entry = get().details[filename];
      if (entry && !force && entry.status !== 'failed') return;
      const seq = ++detailCounter;
      detailSeq.set(filename, seq);
      // A re-read keeps the result on view (also when the read before it has not answered yet).
      const shown = entry?.status === 'ready' || entry?.status === 'loading' ? entry.result : undefined;
      set((s) => ({
        details: { ...s.details, [filename]: { status: 'loading', ...(shown ? { result: shown } : {}) } },
      }));
      let next: DetailEntry;
      try {
        next = { status: 'ready', result: await leaderboardService.readResult(filename) };
      } catch (err) {
        next = isNotFound(err) ? { status: 'missing' } : { status: 'failed', error: errorText(err) };
      }
      // Reads overlap (an event while the view's own read is on its way): an older answer must not land over a newer one.
      if (detailSeq.get(filename) !== seq) return;
      set((s) => ({ details: { ...s.details, [filename]: next } }));
    },

    async loadAgent(agentId) {
      if (agentId in get().agents) return;
      set((s) => ({ agents: { ...s.agents, [agentId]: null } }));
      try {
        const agent = await leaderboardService.readAgent(agentId);
        set((s) => ({ agents: { ...s.agents, [agentId]: agent } }));
      } catch {
        // Not a registered agent (the hub's own baseline runs): the detail shows the handle alone.
      }
    },

    async setVerdict(filename, body) {
      const result = await leaderboardService.setVerdict(filename, body);
      // Reads sent before this answer may carry the verdict before it: they are stale now.
      detailSeq.set(filename, ++detailCounter);
      // The event stream says so too, but the person who clicked sees it at once.
      set((s) => ({
        details: { ...s.details, [filename]: { status: 'ready', result } },
        results: mergeResults(s.results, [
          {
            filename: result.filename,
            frontmatter: result.frontmatter,
            body: result.body,
            verification: result.verification,
          },
        ]),
      }));
      void get().loadBoard();
    },

    requestVerification(filename) {
      return leaderboardService.requestVerification(filename);
    },

    connect: sharedSubscription(() => {
      const scheduleRefresh = () => {
        if (refreshTimer) clearTimeout(refreshTimer);
        refreshTimer = setTimeout(() => {
          refreshTimer = null;
          void get().loadBoard();
          void get().loadResults();
        }, REFRESH_DELAY_MS);
      };
      return [
        liveEvents.on<{ target?: string; record?: RecordItem }>(
          'result.',
          (event: LiveEvent<{ target?: string; record?: RecordItem }>) => {
            const record = event.data.record;
            if (record) set((s) => ({ results: mergeResults(s.results, [record]) }));
            const target = record?.filename ?? event.data.target;
            // A detail on view re-reads its verdict history (the event carries only the state), also while its
            // earlier read is on its way: that read may predate this change.
            const held = target ? get().details[target]?.status : undefined;
            if (target && (held === 'ready' || held === 'loading')) void get().loadDetail(target, true);
            scheduleRefresh();
          },
        ),
        liveEvents.onReset(() => {
          // Events may have been missed: re-read the details held (an open one keeps showing until its answer lands).
          for (const filename of Object.keys(get().details)) void get().loadDetail(filename, true);
          void get().loadBoard();
          void get().loadResults(true);
        }),
        () => {
          if (refreshTimer) clearTimeout(refreshTimer);
          refreshTimer = null;
        },
      ];
    }),
  };
});
