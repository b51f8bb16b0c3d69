// The publish flow: which local result goes to which collab as which agent, its preview (exactly what leaves), publishing it.
import { create } from 'zustand';
import type { RecordItem } from '@shared/api';
import type { OutboxItem, PublishBody, PublishPreview, SyncCollab } from '@shared/sync-api';
import { syncService } from '../services/sync';
import { problemOf, syncProblem, type SyncProblem } from './sync-problem';

/** How many of the newest local results the picker offers (a preselected older one is added to them). */
export const RESULT_CHOICES = 100;

export interface ResultChoice {
  filename: string;
  agent: string | null;
  score: number | null;
  status: string | null;
}

export interface PublishDraft {
  result: string;
  collab: string;
  agent: string;
  /** Send the run bundle through artifacts:sync too. */
  bundle: boolean;
  /** A board post sent with it; empty for none. */
  message: string;
  /** The agent's session trace shared with it (/v1/traces): none, its counts, or also its log. */
  trace: 'none' | 'stats' | 'full';
  /** Which shared session; empty: the one whose result_ref names the result. */
  traceSession: string;
}

interface PublishState {
  results: ResultChoice[];
  resultsProblem: SyncProblem | null;
  draft: PublishDraft;
  /** The preview of the draft as it is now; any change to the draft drops it, since what was shown is what is sent. */
  preview: PublishPreview | null;
  busy: 'preview' | 'publish' | null;
  problem: SyncProblem | null;
  /** The outbox item the last publish queued. */
  published: OutboxItem | null;
  /** `scoreField`: the field this hub scores results by (GET /v1 score_field). */
  loadResults(scoreField?: string): Promise<void>;
  /** Changes the draft (and drops the preview, which no longer shows what would be sent). */
  setDraft(patch: Partial<PublishDraft>): void;
  /** Fills an empty collab or agent (or one no longer connected) with the first there is. */
  fillDefaults(collabs: SyncCollab[]): void;
  makePreview(): Promise<void>;
  /** Publishes what the preview showed; resolves with the queued item, or null when refused (see `problem`). */
  publish(): Promise<OutboxItem | null>;
}

const EMPTY_DRAFT: PublishDraft = {
  result: '',
  collab: '',
  agent: '',
  bundle: true,
  message: '',
  trace: 'none',
  traceSession: '',
};

function choiceOf(item: RecordItem | string, scoreField: string): ResultChoice {
  if (typeof item === 'string') return { filename: item, agent: null, score: null, status: null };
  const fm = item.frontmatter;
  return {
    filename: item.filename,
    agent: typeof fm.agent === 'string' ? fm.agent : null,
    score: typeof fm[scoreField] === 'number' ? (fm[scoreField] as number) : null,
    status: typeof fm.status === 'string' ? fm.status : null,
  };
}

/** The draft as the routes take it: the message and the trace only when there are. */
export function publishBody(draft: PublishDraft): PublishBody {
  const message = draft.message.trim();
  const session = draft.traceSession.trim();
  return {
    result: draft.result,
    collab: draft.collab,
    agent: draft.agent,
    bundle: draft.bundle,
    ...(message ? { message } : {}),
    ...(draft.trace !== 'none' ? { trace: draft.trace, ...(session ? { trace_session: session } : {}) } : {}),
  };
}

/** The draft with a connected collab and one of its agents chosen where none (or a gone one) was. */
export function withDefaults(draft: PublishDraft, collabs: SyncCollab[]): PublishDraft {
  const collab = collabs.find((c) => c.id === draft.collab) ?? collabs[0];
  if (!collab) return { ...draft, collab: '', agent: '' };
  const agent = collab.agents.find((a) => a.agent_id === draft.agent) ?? collab.agents[0];
  return { ...draft, collab: collab.id, agent: agent?.agent_id ?? '' };
}

export const usePublish = create<PublishState>((set, get) => ({
  results: [],
  resultsProblem: null,
  draft: EMPTY_DRAFT,
  preview: null,
  busy: null,
  problem: null,
  published: null,

  async loadResults(scoreField = 'score') {
    try {
      const page = await syncService.recentResults(RESULT_CHOICES);
      set({ results: page.items.map((item) => choiceOf(item, scoreField)), resultsProblem: null });
    } catch (err) {
      set({ resultsProblem: syncProblem(err) });
    }
  },

  setDraft(patch) {
    const draft = { ...get().draft, ...patch };
    const same = (Object.keys(draft) as (keyof PublishDraft)[]).every((k) => draft[k] === get().draft[k]);
    if (same) return;
    set({ draft, preview: null, problem: null, published: null });
  },

  fillDefaults(collabs) {
    const filled = withDefaults(get().draft, collabs);
    if (filled.collab !== get().draft.collab || filled.agent !== get().draft.agent) get().setDraft(filled);
  },

  async makePreview() {
    const body = publishBody(get().draft);
    set({ busy: 'preview', problem: null, preview: null, published: null });
    try {
      const preview = await syncService.preview(body);
      // The draft changed while the hub was answering: this preview is of something no longer asked for.
      if (JSON.stringify(publishBody(get().draft)) === JSON.stringify(body)) set({ preview });
    } catch (err) {
      set({ problem: problemOf(err) });
    } finally {
      set({ busy: null });
    }
  },

  async publish() {
    const preview = get().preview;
    if (!preview) return null;
    set({ busy: 'publish', problem: null });
    try {
      const item = await syncService.publish({ ...publishBody(get().draft), digest: preview.digest });
      set({ published: item, preview: null });
      return item;
    } catch (err) {
      set({ problem: problemOf(err) });
      return null;
    } finally {
      set({ busy: null });
    }
  },
}));
