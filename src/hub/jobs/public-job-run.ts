// The public collab's POST /v1/jobs:run on the local queue: a submission folder becomes a job, its run folder gets the status, logs and summary files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Value } from 'typebox/value';
import { JobBody, type InstalledPack } from '../../shared/challenge';
import {
  RUN_FILES,
  SUBMISSION_FILE,
  type JobRunStatus,
  type JobsRunBody,
  type JobsRunResponse,
} from '../../shared/jobs-api';
import { scratchPathOf } from '../bucket-source';
import { agentBucket } from '../collab-names';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import type { Caller } from '../identity';
import type { JobRow } from '../store/job-store';
import { pathSegments } from '../workspace';
import type { JobQueue } from './job-queue';
import { submitJob } from './job-submission';

const HOUR = 3_600_000;
const SCRATCH = 'scratch:';
/** Beside the job's log in central/jobs/<id>/: which run folder to keep writing, across a restart of the hub. */
const REQUEST_FILE = 'run_request.json';

interface RunRequest {
  job_id: string;
  agent_id: string;
  submission_prefix: string;
  run_prefix: string;
  job_url: string;
  timeout_minutes: number;
  launched_at: string;
  /** Set once the final files are written: a restart does not write them again. */
  done?: boolean;
}

/**
 * A prefix as the public API checks it (not empty, relative, no "." / ".." / dot-file / empty segment, no control
 * character), with the slashes at its ends taken off as the public backend does.
 */
export function checkPrefix(prefix: string, what: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  pathSegments(prefix.startsWith('/') ? prefix : trimmed, what);
  return trimmed;
}

/** A public client's prefix, which may name its bucket (hf://buckets/...), as a checked path in its scratch folder. */
export function scratchPrefixOf(hub: Pick<HubContext, 'config'>, caller: Caller, prefix: string, what: string): string {
  // A bare prefix is checked before anything else, in the public order; a bucket path once its bucket is known.
  return checkPrefix(prefix.startsWith('hf://') ? scratchPathOf(hub, caller, prefix) : prefix, what);
}

const submissionHint = (prefix: string) =>
  `write ${prefix}/${SUBMISSION_FILE} as the body of POST /v1/jobs: {"config": {...}, "method": "...", "description": "..."}; ` +
  'a model the config names may be a file of the submission folder. This hub runs llama.cpp configurations on its own ' +
  'GPU, not container images or harness commands; GET /v1/challenge shows the models and an example config';

/**
 * The job a submission folder asks for. The public harness runs the folder's code in a container; here a job is a
 * run configuration, so the folder holds `job.json` (the body of POST /v1/jobs), and a model field naming a file of
 * the folder (`"draft": "draft.gguf"`) is that file. Anything else cannot run here and is refused before it costs
 * a quota slot, unlike the public backend, which fails inside the job.
 */
export async function readSubmission(
  hub: Pick<HubContext, 'config' | 'workspace'>,
  agent: string,
  prefix: string,
  pack: InstalledPack,
): Promise<JobBody> {
  const folder = await hub.workspace.locate(hub.workspace.scratchFolder(agent), prefix);
  if (!folder?.stat.isDirectory())
    throw new HubError(
      'SOURCE_NOT_FOUND',
      `no folder "${prefix}" in your scratch folder (scratch/${agent})`,
      `upload the submission first: PUT /v1/scratch/${agent}/${prefix}/${SUBMISSION_FILE}`,
    );
  const file = await hub.workspace.locate(folder.abs, SUBMISSION_FILE);
  if (!file?.stat.isFile())
    throw new HubError(
      'INVALID_CONFIG',
      `the submission folder "${prefix}" holds no ${SUBMISSION_FILE}, so this hub cannot run it`,
      submissionHint(prefix),
    );
  const bytes = await hub.workspace.readSource(agent, `${prefix}/${SUBMISSION_FILE}`, 64 * 1024);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new HubError(
      'INVALID_CONFIG',
      `${prefix}/${SUBMISSION_FILE} is not JSON: ${(err as Error).message}`,
      submissionHint(prefix),
    );
  }
  if (!Value.Check(JobBody, parsed)) {
    const first = Value.Errors(JobBody, parsed)[0];
    throw new HubError(
      'INVALID_CONFIG',
      `${prefix}/${SUBMISSION_FILE}: ${first ? `${first.instancePath || 'the body'} ${first.message}` : 'not a job body'}`,
      submissionHint(prefix),
    );
  }
  const config = { ...parsed.config };
  for (const field of ['target', 'draft'] as const) {
    const value = config[field];
    if (typeof value !== 'string' || value.startsWith(SCRATCH) || value in pack.model_paths || value in pack.models)
      continue;
    const inFolder = await hub.workspace.locate(folder.abs, value).catch(() => null);
    if (inFolder?.stat.isFile()) config[field] = `${SCRATCH}${prefix}/${value}`;
  }
  return { ...parsed, config };
}

/** The public status of a job row: running until it ends, then the public terminal names. */
function publicStatus(row: JobRow): JobRunStatus['status'] {
  if (row.state === 'succeeded') return 'completed';
  if (row.state === 'failed') return 'error';
  if (row.state === 'cancelled') return 'canceled';
  return 'running';
}

const finished = (row: JobRow) => row.state === 'succeeded' || row.state === 'failed' || row.state === 'cancelled';

/**
 * Keeps each public run folder in step with its job: `job_status.json` when the job is launched, starts and ends,
 * `job_logs.txt` (the job's log) when it starts and ends, `summary.json` (the score and guardrail fields, as the
 * public harness writes them, and this hub's figures) when it succeeds. The files go through the workspace, so they
 * count against the agent's scratch quota and never follow a link out of the folder; a file that cannot be written
 * is not worth failing the job over.
 */
export class PublicJobRuns {
  private readonly runs = new Map<string, RunRequest>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: HubContext,
    private readonly queue: JobQueue,
  ) {
    this.unsubscribe = ctx.events.onEvent((event) => {
      if (!/^job\.(started|succeeded|failed|cancelled)$/.test(event.type)) return;
      const id = String((event.data as { target?: unknown }).target);
      // Tracked by the queue and never rejecting: nothing to await in a listener.
      if (this.runs.has(id)) void this.sync(id);
    });
    this.resume();
  }

  close(): void {
    this.unsubscribe();
  }

  private folderOf(id: string): string {
    return join(this.ctx.layout.central, 'jobs', id);
  }

  /** Runs a restart interrupted: their jobs were settled by the queue's start, their folders are brought up to date. */
  private resume(): void {
    const root = join(this.ctx.layout.central, 'jobs');
    let ids: string[] = [];
    try {
      ids = readdirSync(root);
    } catch {
      return;
    }
    for (const id of ids) {
      try {
        const run = JSON.parse(readFileSync(join(root, id, REQUEST_FILE), 'utf8')) as RunRequest;
        if (run.done || !this.ctx.jobs.get(run.job_id)) continue;
        this.runs.set(run.job_id, run);
        void this.sync(run.job_id);
      } catch {
        // not a public run, or a record a crash cut short: nothing to resume
      }
    }
  }

  /** Starts following a job submitted through jobs:run; resolves once its first job_status.json is written. */
  async follow(run: RunRequest): Promise<void> {
    const dir = this.folderOf(run.job_id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, REQUEST_FILE), JSON.stringify(run, null, 2) + '\n');
    this.runs.set(run.job_id, run);
    await this.sync(run.job_id);
  }

  /** Writes the run folder from the job's row as it stands; one write at a time per job, so the newest state lands last. */
  private sync(id: string): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(() => this.write(id)).catch(() => undefined);
    this.chains.set(id, next);
    this.queue.track(next);
    return next;
  }

  private async write(id: string): Promise<void> {
    const run = this.runs.get(id);
    const row = this.ctx.jobs.get(id);
    if (!run || !row || run.done) return;
    const done = finished(row);
    if (row.state !== 'queued') await this.put(run, RUN_FILES.logs, this.logOf(id));
    if (row.state === 'succeeded') await this.put(run, RUN_FILES.summary, JSON.stringify(this.summaryOf(row), null, 2));
    const status: JobRunStatus = {
      status: publicStatus(row),
      stage: row.state,
      job_id: id,
      job_url: run.job_url,
      agent_id: run.agent_id,
      hf_user: null,
      submission_prefix: run.submission_prefix,
      timeout_minutes: run.timeout_minutes,
      launched_at: run.launched_at,
      ...(done
        ? {
            finished_at: new Date(row.finished_at ?? this.ctx.now()).toISOString(),
            message:
              row.state === 'succeeded'
                ? `benchmark completed; see ${RUN_FILES.summary}${row.result ? ` and results/${row.result}` : ''}`
                : row.state === 'failed'
                  ? `job ended in error: ${row.error ?? 'see job_logs.txt'}`
                  : `job was canceled: ${row.error ?? ''}`.replace(/: $/, ''),
            result: row.result,
          }
        : {}),
    };
    // The status goes last: a client that sees it terminal finds the logs and the summary already there.
    await this.put(run, RUN_FILES.status, JSON.stringify(status, null, 2));
    if (done) {
      run.done = true;
      this.runs.delete(id);
      this.chains.delete(id);
      try {
        writeFileSync(join(this.folderOf(id), REQUEST_FILE), JSON.stringify(run, null, 2) + '\n');
      } catch {
        // resumed again after a restart: the files are rewritten the same
      }
    }
  }

  private logOf(id: string): string {
    const file = join(this.folderOf(id), 'log.txt');
    return existsSync(file) ? readFileSync(file, 'utf8') : '(no log yet)\n';
  }

  /** The public summary: the score field (and the guardrail field), then this hub's figures of the published result. */
  private summaryOf(row: JobRow): Record<string, unknown> {
    const result = row.result ? this.ctx.results.get(row.result) : undefined;
    const r = this.ctx.config.results;
    if (!result) return { job_id: row.id, result: row.result };
    const fm = JSON.parse(result.frontmatter) as Record<string, unknown>;
    return {
      [r.score_field]: result.score,
      ...(r.guardrail_field ? { [r.guardrail_field]: result.guardrail } : {}),
      job_id: row.id,
      result: result.filename,
      status: result.status,
      speedup: result.speedup,
      lossless: fm.lossless ?? null,
      measurement: fm.measurement ?? null,
      hardware: fm.hardware ?? null,
    };
  }

  private async put(run: RunRequest, name: string, text: string): Promise<void> {
    const l = this.ctx.config.limits;
    try {
      await this.ctx.workspace.writeScratch(
        run.agent_id,
        `${run.run_prefix}/${name}`,
        Readable.from([Buffer.from(text)]),
        {
          fileBytes: l.scratch_file_bytes,
          quotaBytes: l.scratch_quota_bytes,
          totalBytes: l.scratch_total_bytes,
        },
      );
    } catch {
      // a full scratch folder or a planted link: the job and its result stand, GET /v1/jobs/{id} still reports it
    }
  }
}

/** The public quota refusal: 429 RATE_LIMITED with Retry-After, where POST /v1/jobs answers QUOTA_EXCEEDED. */
function asRateLimited(err: unknown): unknown {
  if (!(err instanceof HubError) || err.code !== 'QUOTA_EXCEEDED') return err;
  return new HubError('RATE_LIMITED', err.message, err.hint, { 'Retry-After': '60', ...err.headers });
}

/**
 * POST /v1/jobs:run for a caller already known (the route asks writerOf): the prefixes resolved in its scratch
 * folder, the submission read and queued as a job under the same durable quota as POST /v1/jobs, and the run folder
 * followed until the job ends.
 */
export async function runPublicJob(
  hub: HubContext,
  queue: JobQueue,
  runs: PublicJobRuns,
  caller: Caller,
  body: JobsRunBody,
  jobUrl: (id: string) => string,
): Promise<JobsRunResponse> {
  if (caller.kind !== 'agent')
    throw new HubError(
      'IDENTITY_MISMATCH',
      "jobs:run runs an agent's submission from its own scratch folder; the organizer has none",
      'submit a configuration with POST /v1/jobs instead',
    );
  if (body.agent_id !== undefined && body.agent_id !== caller.handle)
    throw new HubError(
      'IDENTITY_MISMATCH',
      `agent_id "${body.agent_id}" is not the caller (${caller.handle})`,
      "leave agent_id out, or use that agent's own identity",
    );
  const agent = caller.handle;
  const submission = scratchPrefixOf(hub, caller, body.submission_prefix, 'submission_prefix');
  const run = scratchPrefixOf(hub, caller, body.run_prefix, 'run_prefix');
  const pack = hub.challenge.require();
  const job = await readSubmission(hub, agent, submission, pack);
  let row: JobRow;
  try {
    row = await submitJob(hub, caller, { ...job, agent_id: agent });
  } catch (err) {
    throw asRateLimited(err);
  }
  const timeout = Math.ceil(pack.gate.job_timeout_s / 60);
  await runs.follow({
    job_id: row.id,
    agent_id: agent,
    submission_prefix: submission,
    run_prefix: run,
    job_url: jobUrl(row.id),
    timeout_minutes: timeout,
    launched_at: new Date(row.created_at).toISOString(),
  });
  queue.kick();
  const c = hub.config.jobs;
  const since = hub.now() - c.window_hours * HOUR;
  const bucket = agentBucket(hub.config, agent);
  const inRun = (name: string) => `hf://buckets/${bucket}/${run}/${name}`;
  return {
    agent_id: agent,
    hf_user: null,
    submission_bucket: bucket,
    submission_prefix: submission,
    run_bucket: bucket,
    run_prefix: run,
    job_id: row.id,
    job_url: jobUrl(row.id),
    status: 'launched',
    timeout_minutes: timeout,
    status_file: inRun(RUN_FILES.status),
    logs_file: inRun(RUN_FILES.logs),
    summary_file: inRun(RUN_FILES.summary),
    quota: {
      agent_remaining: Math.max(0, c.per_agent - hub.jobs.charges(agent, since).length),
      user_remaining: Math.max(0, c.per_hub - hub.jobs.charges(null, since).length),
    },
    message:
      `benchmark queued on this hub's GPU (capped at ${timeout} min). Poll ${RUN_FILES.status} / ${RUN_FILES.logs} in ` +
      `your run_prefix (GET /v1/scratch/${agent}/${run}/${RUN_FILES.status}), or the job at job_url; ` +
      `${RUN_FILES.summary} and a result on the leaderboard follow when it succeeds.`,
  };
}
