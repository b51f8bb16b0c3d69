// The agent swarm as the hub sees it (GET /v1/swarm), kept live from agent.status and swarm.inference events; controls, spawns, traces.
import { create } from 'zustand';
import type { QuotaInfo } from '@shared/challenge';
import type {
  SpawnAgentsBody,
  SwarmAction,
  SwarmAgentStatus,
  SwarmStatus,
  InferenceStatus,
  TraceExport,
  TraceStep,
} from '@shared/swarm';
import { errorText } from '../connection/hub-api';
import { liveEvents, sharedSubscription } from '../connection/live-events';
import { jobsService } from '../services/jobs';
import { swarmService } from '../services/swarm';
import { useSession } from './session-store';

/** What the spawn form holds, kept here so closing the form (✕, Escape, leaving the page) loses nothing typed. */
export interface SpawnDraft {
  kind: 'local' | 'external';
  /** Local agents: think on this machine's model (host) or on an OpenAI-compatible server the person runs. */
  thinks?: 'host' | 'endpoint';
  /** Its base URL and the model's name there; the key is never part of the draft (held only while the form is open). */
  endpoint?: string;
  endpoint_model?: string;
  count: string;
  command: string;
  model: string;
  name: string;
  role: string;
  direction: string;
  budget_tokens: string;
  jobs_per_day: string;
  max_steps: string;
  /** External agents' sandbox grants as typed: one absolute path a line. */
  read: string;
  write: string;
}

/** The key of the whole swarm in `pending` and `refusals` (agent ids never contain '*'). */
export const WHOLE_SWARM = '*';

/** Trace pages are read oldest first; this many entries load at once before the viewer asks for more. */
const TRACE_PAGE = 200;
const TRACE_AUTOLOAD = 1000;
/** A step carries its whole prompt: the viewer keeps this many entries and drops the oldest (the export has them all). */
export const TRACE_KEPT = 1000;

export interface TraceView {
  agent: string;
  steps: TraceStep[];
  /** Older entries dropped to keep at most TRACE_KEPT. */
  dropped: number;
  /** More entries wait after the loaded ones (the viewer stopped auto-loading). */
  more: boolean;
  loading: boolean;
  error: string | null;
  exporting: boolean;
  exported: TraceExport | null;
  exportError: string | null;
}

interface SwarmState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  error: string | null;
  agents: SwarmAgentStatus[];
  inference: InferenceStatus | null;
  pausedForJob: string | null;
  /** Agents per lever, from their latest jobs. */
  levers: Record<string, number>;
  /** The sandbox this machine offers external agents (kind null: none starts here, and why); null until the hub knows. */
  sandbox: SwarmStatus['sandbox'];
  /** The action in flight per agent id (or WHOLE_SWARM): its button shows "…". */
  pending: Record<string, SwarmAction>;
  /** The hub's refusal of the last action per agent id (or WHOLE_SWARM). */
  refusals: Record<string, string>;
  /** The hub's job quota of each swarm agent (organizer only). */
  quotas: Record<string, QuotaInfo>;
  trace: TraceView | null;
  /** The spawn form's text; null until the person types (the form then shows the saved agent defaults). */
  spawnDraft: SpawnDraft | null;
  load(): Promise<void>;
  /** Follows the event stream while a view shows the swarm; returns the stop. */
  connect(): () => void;
  act(agentId: string | null, action: SwarmAction): Promise<void>;
  spawn(body: SpawnAgentsBody): Promise<SwarmAgentStatus[]>;
  loadQuota(agentId: string): Promise<void>;
  openTrace(agentId: string): Promise<void>;
  moreTrace(): Promise<void>;
  /** Reads the entries written since the last one shown. */
  followTrace(): Promise<void>;
  exportTrace(): Promise<void>;
  /** Lets go of the trace (each step holds its whole prompt) when the viewer closes. */
  closeTrace(): void;
  setSpawnDraft(draft: SpawnDraft | null): void;
}

function mergeAgent(agents: SwarmAgentStatus[], agent: SwarmAgentStatus): SwarmAgentStatus[] {
  const i = agents.findIndex((a) => a.agent_id === agent.agent_id);
  if (i < 0) return [...agents, agent];
  const next = agents.slice();
  next[i] = agent;
  return next;
}

const canReadQuotas = () => {
  const { me, hub } = useSession.getState();
  return me?.is_organizer === true && hub?.features.jobs === true;
};

export const useSwarm = create<SwarmState>((set, get) => {
  let quotaTimer: ReturnType<typeof setTimeout> | null = null;
  const quotaDue = new Set<string>();
  let traceFollowing: Promise<void> | null = null;
  /** A follow asked for while a read was under way: its news may have come after that read, so one more read runs. */
  let followAgain = false;
  /** Counts trace openings: the answer to an older one (reopened, or another agent's) is dropped. */
  let traceOpening = 0;

  const applyStatus = (s: SwarmStatus) =>
    set({
      agents: s.agents,
      inference: s.inference,
      pausedForJob: s.paused_for_job,
      levers: s.levers,
      sandbox: s.sandbox,
    });

  /** Several job events for one agent come in a burst (queued, started...): one quota read after them. */
  const quotaSoon = (agentId: string) => {
    quotaDue.add(agentId);
    if (quotaTimer) return;
    quotaTimer = setTimeout(() => {
      quotaTimer = null;
      const due = [...quotaDue];
      quotaDue.clear();
      for (const id of due) void get().loadQuota(id);
    }, 400);
  };

  const readTrace = async (agent: string, after: number): Promise<{ steps: TraceStep[]; more: boolean }> => {
    const steps: TraceStep[] = [];
    let cursor = after;
    for (;;) {
      const page = await swarmService.readTrace(agent, { after: cursor, limit: TRACE_PAGE });
      steps.push(...page.steps);
      if (page.next === null || page.steps.length === 0) return { steps, more: false };
      cursor = page.next;
      if (steps.length >= TRACE_AUTOLOAD) return { steps, more: true };
    }
  };

  const lastSeq = (t: TraceView) => t.steps[t.steps.length - 1]?.seq ?? 0;

  /** The trace with `steps` after its own, the oldest dropped past TRACE_KEPT. */
  const appended = (t: TraceView, steps: TraceStep[]): Pick<TraceView, 'steps' | 'dropped'> => {
    const all = t.steps.length ? [...t.steps, ...steps] : steps;
    const over = Math.max(0, all.length - TRACE_KEPT);
    return { steps: over ? all.slice(over) : all, dropped: t.dropped + over };
  };

  /** One read of the entries after the last one shown. */
  const followOnce = async () => {
    const t = get().trace;
    if (!t || t.loading || t.more || t.error) return;
    const opening = traceOpening;
    try {
      const { steps, more } = await readTrace(t.agent, lastSeq(t));
      const now = get().trace;
      if (opening !== traceOpening || now?.agent !== t.agent || now.loading || steps.length === 0) return;
      const known = lastSeq(now);
      set({
        trace: {
          ...now,
          ...appended(
            now,
            steps.filter((s) => s.seq > known),
          ),
          more,
        },
      });
    } catch {
      // The next status change or tick tries again.
    }
  };

  return {
    status: 'idle',
    error: null,
    agents: [],
    inference: null,
    pausedForJob: null,
    levers: {},
    sandbox: null,
    pending: {},
    refusals: {},
    quotas: {},
    trace: null,
    spawnDraft: null,

    async load() {
      if (get().status !== 'ready') set({ status: 'loading' });
      try {
        applyStatus(await swarmService.read());
        set({ status: 'ready', error: null });
      } catch (err) {
        set({ status: 'failed', error: errorText(err) });
        return;
      }
      if (canReadQuotas()) for (const a of get().agents) quotaSoon(a.agent_id);
    },

    connect: sharedSubscription(() => [
      liveEvents.on<{ agent: SwarmAgentStatus }>('agent.status', ({ data }) => {
        if (!data.agent?.agent_id) return;
        set({ agents: mergeAgent(get().agents, data.agent) });
        if (get().trace?.agent === data.agent.agent_id) void get().followTrace();
      }),
      liveEvents.on<{ agent_id: string }>('agent.removed', ({ data }) => {
        set({ agents: get().agents.filter((a) => a.agent_id !== data.agent_id) });
      }),
      liveEvents.on<{ inference: InferenceStatus | null; paused_for_job: string | null }>(
        'swarm.inference',
        ({ data }) => {
          set({ inference: data.inference ?? null, pausedForJob: data.paused_for_job ?? null });
        },
      ),
      liveEvents.on<{ record?: { agent?: string } }>('job.', ({ type, data }) => {
        const agent = data.record?.agent;
        // The supervisor balances levers from finished jobs: re-read the counts once a job ends.
        if (type === 'job.succeeded' || type === 'job.failed')
          void swarmService.read().then(
            (s) => set({ levers: s.levers }),
            () => undefined,
          );
        if (agent && canReadQuotas() && get().agents.some((a) => a.agent_id === agent)) quotaSoon(agent);
      }),
      // Back after a drop (or too much missed): agent.status and swarm.inference are never replayed, so the cards
      // may be stale; the status is always readable whole.
      liveEvents.onResync(() => {
        void get().load();
        if (get().trace) void get().followTrace();
      }),
    ]),

    async act(agentId, action) {
      const key = agentId ?? WHOLE_SWARM;
      if (get().pending[key]) return;
      const { [key]: _dropped, ...refusals } = get().refusals;
      set({ pending: { ...get().pending, [key]: action }, refusals });
      try {
        applyStatus(await swarmService.act(agentId, action));
      } catch (err) {
        set({ refusals: { ...get().refusals, [key]: errorText(err) } });
      } finally {
        const { [key]: _done, ...pending } = get().pending;
        set({ pending });
      }
    },

    async spawn(body) {
      const agents = await swarmService.spawn(body);
      let merged = get().agents;
      for (const a of agents) merged = mergeAgent(merged, a);
      set({ agents: merged });
      if (canReadQuotas()) for (const a of agents) quotaSoon(a.agent_id);
      return agents;
    },

    async loadQuota(agentId) {
      try {
        const quota = await jobsService.readQuota(agentId);
        set({ quotas: { ...get().quotas, [agentId]: quota } });
      } catch {
        // The card shows what the swarm counts itself; the hub's quota is extra.
      }
    },

    async openTrace(agent) {
      const opening = ++traceOpening;
      set({
        trace: {
          agent,
          steps: [],
          dropped: 0,
          more: false,
          loading: true,
          error: null,
          exporting: false,
          exported: null,
          exportError: null,
        },
      });
      try {
        const { steps, more } = await readTrace(agent, 0);
        const now = get().trace;
        if (opening !== traceOpening || now?.agent !== agent) return;
        set({ trace: { ...now, ...appended({ ...now, steps: [], dropped: 0 }, steps), more, loading: false } });
        if (followAgain) void get().followTrace();
      } catch (err) {
        if (opening === traceOpening && get().trace?.agent === agent)
          set({ trace: { ...get().trace!, loading: false, error: errorText(err) } });
      }
    },

    async moreTrace() {
      const t = get().trace;
      if (!t || t.loading) return;
      const opening = traceOpening;
      set({ trace: { ...t, loading: true } });
      try {
        const { steps, more } = await readTrace(t.agent, lastSeq(t));
        const now = get().trace;
        if (opening !== traceOpening || now?.agent !== t.agent) return;
        const known = lastSeq(now);
        set({
          trace: {
            ...now,
            ...appended(
              now,
              steps.filter((s) => s.seq > known),
            ),
            more,
            loading: false,
          },
        });
        if (followAgain) void get().followTrace();
      } catch (err) {
        const now = get().trace;
        if (opening === traceOpening && now?.agent === t.agent)
          set({ trace: { ...now, loading: false, error: errorText(err) } });
      }
    },

    async followTrace() {
      // One read at a time; a burst of status events during it becomes one more read after it. That last read matters
      // when the agent stops: its final lines come with its last status event, and no timer follows a stopped agent.
      // A page being read (opening, "load newer") answers the follow when it is done.
      if (traceFollowing || get().trace?.loading) {
        followAgain = true;
        return traceFollowing ?? undefined;
      }
      traceFollowing = (async () => {
        try {
          do {
            followAgain = false;
            await followOnce();
          } while (followAgain);
        } finally {
          traceFollowing = null;
        }
      })();
      return traceFollowing;
    },

    async exportTrace() {
      const t = get().trace;
      if (!t || t.exporting) return;
      set({ trace: { ...t, exporting: true, exportError: null } });
      try {
        const exported = await swarmService.exportTrace(t.agent);
        const now = get().trace;
        if (now?.agent === t.agent) set({ trace: { ...now, exporting: false, exported } });
      } catch (err) {
        const now = get().trace;
        if (now?.agent === t.agent) set({ trace: { ...now, exporting: false, exportError: errorText(err) } });
      }
    },

    closeTrace() {
      traceOpening += 1;
      followAgain = false;
      set({ trace: null });
    },

    setSpawnDraft(draft) {
      set({ spawnDraft: draft });
    },
  };
});
