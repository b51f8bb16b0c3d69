// Benchmark jobs as the hub sees them (GET /v1/jobs), kept live from job.* events; the challenge they run, cancel, submit, one job's detail.
import { create } from 'zustand';
import type { ChallengeInfo, JobBody, JobInfo, JobProgress, JobState, QuotaInfo } from '@shared/challenge';
import { errorText } from '../connection/hub-api';
import { liveEvents, sharedSubscription } from '../connection/live-events';
import { jobsService } from '../services/jobs';

const PAGE = 50;
/** The most queued jobs one read brings (the hub's page limit); the header says "500+" past it. */
const QUEUED_READ = 500;

/** Which jobs the list shows: every one, those waiting or running, or those done. */
export type JobFilter = 'all' | 'active' | 'finished';
const FILTER_STATES: Record<JobFilter, JobState[] | null> = {
  all: null,
  active: ['queued', 'running'],
  finished: ['succeeded', 'failed', 'cancelled'],
};

/** What the submit form holds, kept here so closing the form (✕, Escape, leaving the page) loses nothing typed. */
export interface SubmitDraft {
  /** The challenge pack it was written for: another pack's models and defaults start a fresh form. */
  pack: string;
  values: Record<string, string>;
  method: string;
  description: string;
}

export interface JobDetail {
  id: string;
  job: JobInfo | null;
  error: string | null;
  /** The job's log (central/jobs/<id>/log.txt); null until it has one. */
  log: string | null;
  /**
   * What the finished run reported (central/jobs/<id>/output.json), parsed but not trusted: its shape is whatever
   * the hub that ran the job wrote (the view reads it with readJobOutput).
   */
  output: unknown;
}

interface JobsState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  error: string | null;
  jobs: JobInfo[];
  limit: number;
  hasMore: boolean;
  /** The job holding the GPU lease. */
  lease: { job: string; since: string } | null;
  /** Every queued and running job whatever the list's filter: the header's counts and the running card. */
  active: JobInfo[];
  /** More jobs are queued than `active` holds. */
  activeCapped: boolean;
  filter: JobFilter;
  agent: string;
  /** Live progress of running jobs (job.progress is passing news, never stored in the list). */
  progress: Record<string, JobProgress>;
  challenge: ChallengeInfo | null;
  challengeError: string | null;
  quota: QuotaInfo | null;
  cancelling: Record<string, boolean>;
  cancelErrors: Record<string, string>;
  detail: JobDetail | null;
  submitDraft: SubmitDraft | null;
  /** A re-measure of the baseline is being asked for. */
  remeasuring: boolean;
  /** The hub's refusal of the last re-measure (409 when one is already queued or running). */
  remeasureError: string | null;
  load(): Promise<void>;
  connect(): () => void;
  showMore(): Promise<void>;
  setFilter(filter: JobFilter, agent: string): Promise<void>;
  loadChallenge(): Promise<void>;
  loadQuota(agent?: string): Promise<void>;
  cancel(id: string): Promise<void>;
  submit(body: JobBody): Promise<JobInfo>;
  openDetail(id: string): Promise<void>;
  refreshDetail(): Promise<void>;
  setSubmitDraft(draft: SubmitDraft | null): void;
  /** The organizer's re-measure of the pack's baseline (POST /v1/challenge/baseline); the queued job, or null when refused. */
  remeasureBaseline(): Promise<JobInfo | null>;
}

function matches(job: JobInfo, filter: JobFilter, agent: string): boolean {
  const states = FILTER_STATES[filter];
  return (!states || states.includes(job.state)) && (!agent || job.agent === agent);
}

/** Newest first, as GET /v1/jobs lists them. */
function upsert(jobs: JobInfo[], job: JobInfo): JobInfo[] {
  const rest = jobs.filter((j) => j.id !== job.id);
  const i = rest.findIndex((j) => j.created_at < job.created_at || (j.created_at === job.created_at && j.id < job.id));
  return i < 0 ? [...rest, job] : [...rest.slice(0, i), job, ...rest.slice(i)];
}

export const useJobs = create<JobsState>((set, get) => {
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  let logTimer: ReturnType<typeof setTimeout> | null = null;
  /** Numbers each load: reloads, "show older" and filter changes overlap, and only the latest one's answer counts. */
  let loadSeq = 0;

  /** Queue positions and the lease move with every start and finish: one re-read after a burst of events. */
  const reloadSoon = () => {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void get().load();
    }, 300);
  };
  const refreshDetailSoon = (delay: number) => {
    if (logTimer) return;
    logTimer = setTimeout(() => {
      logTimer = null;
      void get().refreshDetail();
    }, delay);
  };

  return {
    status: 'idle',
    error: null,
    jobs: [],
    limit: PAGE,
    hasMore: false,
    lease: null,
    filter: 'all',
    agent: '',
    progress: {},
    challenge: null,
    challengeError: null,
    quota: null,
    cancelling: {},
    cancelErrors: {},
    detail: null,
    submitDraft: null,
    remeasuring: false,
    remeasureError: null,
    active: [],
    activeCapped: false,

    async load() {
      const seq = ++loadSeq;
      const { filter, agent, limit } = get();
      if (get().status !== 'ready') set({ status: 'loading' });
      try {
        const states = FILTER_STATES[filter];
        // The header and the running card speak of the GPU, not of the filtered page: their own unfiltered reads
        // (the running job apart, so that a long queue cannot push it out of the page).
        const [page, running, queued] = await Promise.all([
          jobsService.listJobs({ state: states?.join(','), agent: agent || undefined, limit }),
          jobsService.listJobs({ state: 'running' }),
          jobsService.listJobs({ state: 'queued', limit: QUEUED_READ }),
        ]);
        // A later load (another filter, more rows, a reload after news) was asked for while this one was read: it wins.
        if (seq !== loadSeq) return;
        set({
          status: 'ready',
          error: null,
          jobs: page.items,
          hasMore: page.count >= limit,
          lease: page.lease,
          active: [...queued.items, ...running.items],
          activeCapped: queued.count >= QUEUED_READ,
        });
      } catch (err) {
        if (seq !== loadSeq) return;
        set({ status: 'failed', error: errorText(err) });
      }
    },

    connect: sharedSubscription(() => [
      liveEvents.on<{ target?: string; progress?: JobProgress; record?: JobInfo }>('job.', ({ type, data }) => {
        if (type === 'job.progress') {
          if (!data.target || !data.progress) return;
          set({ progress: { ...get().progress, [data.target]: data.progress } });
          if (get().detail?.id === data.target) refreshDetailSoon(1500);
          return;
        }
        const job = data.record;
        if (!job?.id) return;
        const { filter, agent } = get();
        set({
          jobs: matches(job, filter, agent) ? upsert(get().jobs, job) : get().jobs.filter((j) => j.id !== job.id),
          active: matches(job, 'active', '') ? upsert(get().active, job) : get().active.filter((j) => j.id !== job.id),
        });
        if (job.state !== 'running') {
          const { [job.id]: _done, ...progress } = get().progress;
          set({ progress });
        }
        // A job of the agent whose quota is shown moves its count (queued charges, a cancel refunds).
        if (get().quota && get().agent === job.agent) void get().loadQuota(job.agent);
        if (get().detail?.id === job.id) {
          set({ detail: { ...get().detail!, job } });
          refreshDetailSoon(200);
        }
        // The challenge reports the newest baseline job and the baseline it measured.
        if (job.kind === 'baseline' && get().challenge) void get().loadChallenge();
        reloadSoon();
      }),
      // Back after a drop (or too much missed): job.progress is never replayed, so what is shown may be long gone;
      // the list re-read brings each running job's latest progress with it.
      liveEvents.onResync(() => {
        set({ progress: {} });
        void get().load();
        if (get().detail) void get().refreshDetail();
      }),
    ]),

    async showMore() {
      set({ limit: get().limit + PAGE });
      await get().load();
    },

    async setFilter(filter, agent) {
      set({ filter, agent: agent.trim(), limit: PAGE, jobs: [], status: 'loading' });
      await get().load();
    },

    async loadChallenge() {
      try {
        set({ challenge: await jobsService.readChallenge(), challengeError: null });
      } catch (err) {
        set({ challenge: null, challengeError: errorText(err) });
      }
    },

    async loadQuota(agent) {
      try {
        set({ quota: await jobsService.readQuota(agent) });
      } catch {
        set({ quota: null });
      }
    },

    async cancel(id) {
      if (get().cancelling[id]) return;
      const { [id]: _old, ...cancelErrors } = get().cancelErrors;
      set({ cancelling: { ...get().cancelling, [id]: true }, cancelErrors });
      try {
        const job = await jobsService.cancel(id);
        const { filter, agent } = get();
        set({
          jobs: matches(job, filter, agent) ? upsert(get().jobs, job) : get().jobs.filter((j) => j.id !== id),
          active: matches(job, 'active', '') ? upsert(get().active, job) : get().active.filter((j) => j.id !== id),
        });
        if (get().detail?.id === id) set({ detail: { ...get().detail!, job } });
      } catch (err) {
        set({ cancelErrors: { ...get().cancelErrors, [id]: errorText(err) } });
      } finally {
        const { [id]: _done, ...cancelling } = get().cancelling;
        set({ cancelling });
      }
    },

    async submit(body) {
      const job = await jobsService.submit(body);
      const { filter, agent } = get();
      if (matches(job, filter, agent)) set({ jobs: upsert(get().jobs, job) });
      if (matches(job, 'active', '')) set({ active: upsert(get().active, job) });
      return job;
    },

    async openDetail(id) {
      set({ detail: { id, job: get().jobs.find((j) => j.id === id) ?? null, error: null, log: null, output: null } });
      await get().refreshDetail();
    },

    async refreshDetail() {
      const d = get().detail;
      if (!d) return;
      try {
        const job = await jobsService.readJob(d.id);
        const [log, output] = await Promise.all([
          jobsService.readJobFile(job.log),
          job.state === 'succeeded' && !d.output
            ? jobsService.readJobFile(jobsService.outputPath(d.id))
            : Promise.resolve(null),
        ]);
        const now = get().detail;
        if (now?.id !== d.id) return;
        let parsed = now.output;
        if (output) {
          try {
            parsed = JSON.parse(output) as unknown;
          } catch {
            /* the figures are in the result too */
          }
        }
        set({ detail: { ...now, job, log, output: parsed, error: null } });
      } catch (err) {
        const now = get().detail;
        if (now?.id === d.id) set({ detail: { ...now, error: errorText(err) } });
      }
    },

    setSubmitDraft(draft) {
      set({ submitDraft: draft });
    },

    async remeasureBaseline() {
      if (get().remeasuring) return null;
      set({ remeasuring: true, remeasureError: null });
      try {
        const job = await jobsService.remeasureBaseline();
        const { filter, agent } = get();
        if (matches(job, filter, agent)) set({ jobs: upsert(get().jobs, job) });
        if (matches(job, 'active', '')) set({ active: upsert(get().active, job) });
        void get().loadChallenge();
        return job;
      } catch (err) {
        set({ remeasureError: errorText(err) });
        // A refusal because one is already queued: the challenge says which.
        void get().loadChallenge();
        return null;
      } finally {
        set({ remeasuring: false });
      }
    },
  };
});
