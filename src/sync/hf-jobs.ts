// Running a submission on the signed-in user's own Hugging Face Jobs (runJob) with the collab's harness: the price and the most it can cost before the launch, then getJob to its end, with job_status.json and job_logs.txt written into the run prefix as the collab's watcher writes them.
import { cancelJob, fileExists, getJob, HubApiError, listJobHardware, runJob, streamJobLogs } from '@huggingface/hub';
import type { CollabAgent } from '../shared/sync-api';
import { writeFiles } from './bucket-writer';
import { CollabCallError } from './collab-api';
import {
  capsOf,
  inWords,
  lookAtJob,
  packageSubmission,
  saveJobRecord,
  submissionName,
  uploadSubmission,
  type JobStatus,
  type RunLocation,
  type Submission,
} from './collab-jobs';
import type { CollabConnection } from './collab-store';
import { whoami } from './hf-whoami';
import { networkReason, SyncError } from './sync-error';

/** What job_status.json's `launched_by` says of a run on the user's own Hugging Face Jobs. */
export const OWN_HF_JOBS = 'own-hf-jobs';

/** The public collab's job defaults (backend/app/config.py JOB_IMAGE, JOB_FLAVOR, JOB_TIMEOUT_MINUTES, HARNESS_PREFIX). */
export const COLLAB_JOB_DEFAULTS = {
  image: 'python:3.12',
  flavor: 'a10g-small',
  timeoutMinutes: 40,
  harnessPrefix: 'shared_resources/harness',
  entrypoint: 'run.py',
};

/** Beyond the job's own timeout, how long the follower waits for the Hub to stop it before cancelling it (jobs.py's grace). */
const WATCH_GRACE_S = 180;

export type JobHardware = Awaited<ReturnType<typeof listJobHardware>>[number];
type ApiJob = Awaited<ReturnType<typeof getJob>>;

/**
 * Stages that end a job (huggingface_hub's JobStage: COMPLETED, CANCELED, ERROR, DELETED; RUNNING is the one that does
 * not), each as the status the collab's watcher reports.
 */
const STATUS_FOR_STAGE: Record<string, string> = {
  COMPLETED: 'completed',
  CANCELED: 'canceled',
  CANCELLED: 'canceled',
  ERROR: 'error',
  DELETED: 'deleted',
};

/** `40m`, `2h`, `90s`, `1.5h`, `1d`, or a bare number of minutes, as seconds. */
export function parseTimeout(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m?.[2] || 'm').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  const seconds = m ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(seconds) || seconds < 60 || seconds > 7 * 86400)
    throw new SyncError(
      'INVALID_CONFIG',
      `--timeout ${JSON.stringify(text)} is not a duration between 1 minute and 7 days`,
      'give one like 40m, 2h or 90m',
    );
  return seconds;
}

const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };
const usd = (v: number) => (v >= 1 || v === 0 ? `$${v.toFixed(2)}` : `$${Number(v.toPrecision(3))}`);

export interface JobPrice {
  hardware: JobHardware;
  /** Per unitLabel, as listJobHardware answers. */
  unitCostUSD: number;
  unitLabel: string;
  /** The most the run can cost: its timeout at that price (null when the unit is not a span of time). */
  maxUSD: number | null;
  timeoutSeconds: number;
  /** The price and the cap, in plain words. */
  words: string;
}

/** The hardware's name in words: its pretty name and what it holds. */
export function describeHardware(h: JobHardware): string {
  const acc = h.accelerator ? `, ${h.accelerator.quantity}x ${h.accelerator.model} ${h.accelerator.vram}` : '';
  return `${h.prettyName || h.name} (${[h.cpu, h.ram].filter(Boolean).join(', ')}${acc})`;
}

/**
 * The flavor's price from GET /api/jobs/hardware and the most a run capped at `timeoutSeconds` can cost. Refuses a
 * flavor the Hub does not list, naming those it does.
 */
export async function priceOf(
  flavor: string,
  timeoutSeconds: number,
  namespace: string,
  opts: { hubUrl: string; token: string; fetch?: typeof fetch },
): Promise<JobPrice> {
  let all: JobHardware[];
  try {
    all = await listJobHardware({ hubUrl: opts.hubUrl, accessToken: opts.token, fetch: opts.fetch });
  } catch (err) {
    throw jobsApiError(err, namespace, namespace, 'listing the Jobs hardware');
  }
  const hardware = all.find((h) => h.name === flavor);
  if (!hardware)
    throw new SyncError(
      'INVALID_CONFIG',
      `Hugging Face Jobs have no flavor ${JSON.stringify(flavor)}`,
      `choose one with --flavor: ${all.map((h) => `${h.name} (${usd(h.unitCostUSD)}/${h.unitLabel})`).join(', ')}`,
    );
  const unitLabel = hardware.unitLabel || 'hour';
  const unit = UNIT_SECONDS[unitLabel.toLowerCase().replace(/s$/, '')] ?? null;
  const maxUSD = unit === null ? null : (timeoutSeconds / unit) * hardware.unitCostUSD;
  const hourly = unit === null ? '' : ` (${usd((hardware.unitCostUSD * 3600) / unit)} per hour)`;
  const cap =
    maxUSD === null
      ? `capped at ${inWords(timeoutSeconds)}`
      : `capped at ${inWords(timeoutSeconds)}, this run costs at most $${maxUSD.toFixed(2)}`;
  const words =
    `${flavor}, ${describeHardware(hardware)}, costs ${usd(hardware.unitCostUSD)} per ${unitLabel}${hourly}; ` +
    `${cap}, billed to ${namespace}'s Hugging Face account (by the minute, only while the job starts and runs)`;
  return { hardware, unitCostUSD: hardware.unitCostUSD, unitLabel, maxUSD, timeoutSeconds, words };
}

/** HF Jobs labels take [A-Za-z0-9_=-] only (jobs.py sanitize_label). */
const label = (v: string) => v.replace(/[^A-Za-z0-9_=-]/g, '-').slice(0, 80) || 'unnamed';

/** `YYYYMMDD-HHmmss` in UTC, as collab-jobs.ts stamps its run prefixes. */
const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export interface HfJobInput {
  collab: CollabConnection;
  agent: CollabAgent;
  token: string;
  hubUrl: string;
  folder: string;
  name?: string;
  /** Default: the signed-in user. */
  namespace?: string;
  flavor?: string;
  timeoutSeconds?: number;
  image?: string;
  /** Where the launch is remembered (jobsFileFor(collabs.json)). */
  jobsFile?: string;
  now?: Date;
  fetch?: typeof fetch;
}

/** Everything a launch will do, shown (with its price) before anything leaves the machine. */
export interface HfJobPlan {
  input: HfJobInput;
  user: string;
  namespace: string;
  submission: Submission;
  submissionPrefix: string;
  runPrefix: string;
  price: JobPrice;
  /** The job as runJob sends it: no secret, no environment, nothing of the token. */
  spec: {
    dockerImage: string;
    command: string[];
    flavor: string;
    timeoutSeconds: number;
    labels: Record<string, string>;
    volumes: { source: { type: 'bucket'; name: string }; mountPath: string; readOnly: boolean; path: string }[];
  };
}

/**
 * Checks everything that can be checked for free: the folder (packaged as for the collab), who signs in (the
 * namespace defaults to them), the flavor and its price, the collab's harness in its central bucket.
 */
export async function planHfJob(input: HfJobInput): Promise<HfJobPlan> {
  const { collab, agent } = input;
  const name = submissionName(input.folder, input.name);
  const submission = packageSubmission(input.folder, { token: input.token, ...capsOf(collab) });
  const me = await whoami(input.token, { hubUrl: input.hubUrl, fetch: input.fetch });
  const namespace = input.namespace?.trim() || me.name;
  const limitMinutes = Number(collab.limits?.job_timeout_minutes);
  const timeoutSeconds =
    input.timeoutSeconds ??
    (Number.isFinite(limitMinutes) && limitMinutes > 0 ? limitMinutes : COLLAB_JOB_DEFAULTS.timeoutMinutes) * 60;
  const flavor = input.flavor ?? COLLAB_JOB_DEFAULTS.flavor;
  const price = await priceOf(flavor, timeoutSeconds, namespace, input);
  const harness = `${COLLAB_JOB_DEFAULTS.harnessPrefix}/${COLLAB_JOB_DEFAULTS.entrypoint}`;
  let found: boolean;
  try {
    found = await fileExists({
      repo: { type: 'bucket', name: collab.central_bucket },
      path: harness,
      accessToken: input.token,
      hubUrl: input.hubUrl,
      fetch: input.fetch,
    });
  } catch (err) {
    throw jobsApiError(err, namespace, me.name, `reading the harness in ${collab.central_bucket}`);
  }
  if (!found)
    throw new SyncError(
      'NOT_FOUND',
      `${collab.id}'s harness is not at hf://buckets/${collab.central_bucket}/${harness} (or your token cannot read it)`,
      `run it on the collab's hardware instead (collab-desk sync run <folder> --collab ${collab.id} --agent ${agent.agent_id}), or ask the collab where its harness is`,
    );
  const submissionPrefix = `submissions/${name}`;
  const runPrefix = `runs/${name}-${stamp(input.now ?? new Date())}`;
  const bucket = (n: string) => ({ type: 'bucket' as const, name: n });
  const spec: HfJobPlan['spec'] = {
    dockerImage: input.image ?? COLLAB_JOB_DEFAULTS.image,
    command: [
      'python3',
      `/harness/${COLLAB_JOB_DEFAULTS.entrypoint}`,
      '--submission-dir',
      '/submission',
      '--state-dir',
      '/state',
    ],
    flavor,
    timeoutSeconds,
    labels: {
      task: label(`${collab.collab}-benchmark`),
      submission: label(name),
      agent_id: label(agent.agent_id),
      via: 'collab-desk-own-hf-jobs',
    },
    // The same mounts as the collab's jobs.py: the submission and the harness read-only, the run prefix read-write.
    volumes: [
      { source: bucket(agent.bucket), mountPath: '/submission', readOnly: true, path: submissionPrefix },
      {
        source: bucket(collab.central_bucket),
        mountPath: '/harness',
        readOnly: true,
        path: COLLAB_JOB_DEFAULTS.harnessPrefix,
      },
      { source: bucket(agent.bucket), mountPath: '/state', readOnly: false, path: runPrefix },
    ],
  };
  return { input, user: me.name, namespace, submission, submissionPrefix, runPrefix, price, spec };
}

export interface HfJobLaunch {
  jobId: string;
  jobUrl: string;
  stage: string;
  /** The job_status.json written at the launch. */
  status: JobStatus;
}

/** The job's page on the Hub (huggingface_hub's JobInfo.url). */
export const hfJobUrl = (hubUrl: string, namespace: string, id: string) =>
  `${hubUrl.replace(/\/+$/, '')}/jobs/${namespace}/${id}`;

/** Writes text files into the run prefix (job_status.json, job_logs.txt), as the collab's watcher does. */
async function writeRunFiles(at: RunLocation, files: Record<string, string>): Promise<void> {
  const prefix = at.runPrefix.replace(/^\/+|\/+$/g, '');
  try {
    await writeFiles(
      { hubUrl: at.hubUrl, token: at.token, bucket: at.bucket, fetch: at.fetch },
      Object.entries(files).map(([path, text]) => ({
        path: `${prefix}/${path}`,
        content: new TextEncoder().encode(text),
      })),
    );
  } catch (err) {
    if (!(err instanceof CollabCallError)) throw err;
    if (err.kind === 'auth' || err.status === 403)
      throw new SyncError(
        'ACCESS_DENIED',
        `your token cannot write the bucket ${at.bucket}`,
        'sign in as the user who registered the agent (collab-desk sync login --device), then run again',
      );
    throw new SyncError('HF_UNREACHABLE', err.message, 'check your connection, then run again');
  }
}

const statusJson = (s: JobStatus) => JSON.stringify(s, Object.keys(s).sort(), 2);

/**
 * Uploads the submission, pre-creates the run prefix with job_status.json (an empty read-write bucket mount does not
 * start), launches the job under the namespace, and remembers it. The token authorizes the launch only.
 */
export async function launchHfJob(plan: HfJobPlan): Promise<HfJobLaunch> {
  const { input, spec } = plan;
  const { agent, collab } = input;
  if (JSON.stringify(spec).includes(input.token))
    throw new SyncError('SECRET_IN_FILE', 'the job spec would hold your token; nothing was launched', 'report this');
  const at: RunLocation = {
    bucket: agent.bucket,
    runPrefix: plan.runPrefix,
    token: input.token,
    hubUrl: input.hubUrl,
    fetch: input.fetch,
  };
  await uploadSubmission(input, agent.bucket, collab.org, plan.submission, plan.submissionPrefix);
  const base: JobStatus = {
    status: 'pending',
    stage: null,
    launched_by: OWN_HF_JOBS,
    namespace: plan.namespace,
    flavor: spec.flavor,
    flavor_name: plan.price.hardware.prettyName || spec.flavor,
    unit_cost_usd: plan.price.unitCostUSD,
    unit_label: plan.price.unitLabel,
    max_cost_usd: plan.price.maxUSD,
    image: spec.dockerImage,
    agent_id: agent.agent_id,
    hf_user: plan.user,
    submission_prefix: plan.submissionPrefix,
    timeout_minutes: Math.round(spec.timeoutSeconds / 60),
    message: `launching on ${plan.namespace}'s own Hugging Face Jobs`,
  };
  await writeRunFiles(at, { 'job_status.json': statusJson(base) });
  let job: ApiJob;
  try {
    job = await runJob({
      namespace: plan.namespace,
      dockerImage: spec.dockerImage,
      command: spec.command,
      flavor: spec.flavor as Parameters<typeof runJob>[0]['flavor'],
      timeoutSeconds: spec.timeoutSeconds,
      labels: spec.labels,
      volumes: spec.volumes,
      accessToken: input.token,
      hubUrl: input.hubUrl,
      fetch: input.fetch,
    });
  } catch (err) {
    const refused = jobsApiError(err, plan.namespace, plan.user, `launching the job under ${plan.namespace}`);
    await writeRunFiles(at, {
      'job_status.json': statusJson({
        ...base,
        status: 'error',
        finished_at: new Date().toISOString(),
        message: `not launched: ${refused.message}`,
      }),
    }).catch(() => undefined);
    throw refused;
  }
  const jobUrl = hfJobUrl(input.hubUrl, job.owner?.name ?? plan.namespace, job.id);
  const status: JobStatus = {
    ...base,
    status: 'running',
    stage: job.status?.stage ?? 'RUNNING',
    job_id: job.id,
    job_url: jobUrl,
    hf_job_url: jobUrl,
    launched_at: new Date().toISOString(),
    message: `running on ${plan.namespace}'s own Hugging Face Jobs (${spec.flavor})`,
  };
  await writeRunFiles(at, { 'job_status.json': statusJson(status) });
  if (input.jobsFile)
    saveJobRecord(input.jobsFile, {
      job_id: job.id,
      job_url: jobUrl,
      collab: collab.id,
      agent: agent.agent_id,
      bucket: agent.bucket,
      submission_prefix: plan.submissionPrefix,
      run_prefix: plan.runPrefix,
      launched_at: status.launched_at as string,
      launched_by: OWN_HF_JOBS,
      namespace: plan.namespace,
      flavor: spec.flavor,
    });
  return { jobId: job.id, jobUrl, stage: String(status.stage), status };
}

export interface FollowHfJobOptions extends RunLocation {
  /** job_status.json as the launch wrote it (namespace, job_id, timeout_minutes, launched_at...). */
  launched: JobStatus;
  intervalMs: number;
  onStatus?: (status: JobStatus) => void;
  onLog?: (text: string) => void;
  signal?: AbortSignal;
  /** Failed reads in a row before giving up (default 5). */
  maxFailures?: number;
  /** How long the logs may take to come once the job ended (default 30 s). */
  logsTimeoutMs?: number;
}

/**
 * Follows an own-HF-Jobs run as the collab's watcher would: getJob until a terminal stage (cancelling it past its
 * timeout and a grace), then writes job_logs.txt and the final job_status.json into the run prefix.
 */
export async function followHfJob(o: FollowHfJobOptions): Promise<JobStatus> {
  const namespace = String(o.launched.namespace ?? '');
  const jobId = String(o.launched.job_id ?? '');
  if (!namespace || !jobId)
    throw new SyncError(
      'NOT_FOUND',
      `job_status.json in ${o.runPrefix} names no Hugging Face job`,
      'the launch did not go through: run the submission again',
    );
  const timeoutMin = Number(o.launched.timeout_minutes) || COLLAB_JOB_DEFAULTS.timeoutMinutes;
  const started = Date.parse(String(o.launched.launched_at ?? '')) || Date.now();
  const deadline = started + (timeoutMin * 60 + WATCH_GRACE_S) * 1000;
  const call = { namespace, jobId, accessToken: o.token, hubUrl: o.hubUrl, fetch: o.fetch };
  let last = '';
  let failures = 0;
  let stage: string | null = null;
  let hubMessage = '';
  let timedOut = false;
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      const job = await getJob(call);
      failures = 0;
      stage = String(job.status?.stage ?? '');
      hubMessage = job.status?.message ?? '';
      if (STATUS_FOR_STAGE[stage]) break;
      const key = `${stage}|${hubMessage}`;
      if (key !== last) {
        last = key;
        o.onStatus?.({ ...o.launched, status: 'running', stage, message: hubMessage || o.launched.message });
      }
    } catch (err) {
      const e = jobsApiError(err, namespace, String(o.launched.hf_user ?? namespace), `reading job ${jobId}`);
      if (e.code !== 'HF_UNREACHABLE' || ++failures >= (o.maxFailures ?? 5)) throw e;
    }
    if (Date.now() > deadline) {
      timedOut = true;
      await cancelJob(call).catch(() => undefined);
      break;
    }
    await new Promise<void>((r) => setTimeout(r, o.intervalMs));
  }
  const logs = await fetchLogs(call, o.logsTimeoutMs ?? 30_000);
  const status = timedOut ? 'timed_out' : (STATUS_FOR_STAGE[stage ?? ''] ?? 'unknown');
  const message = timedOut
    ? `job did not finish within ${timeoutMin} minutes and was stopped; see job_logs.txt for partial output`
    : ({
        completed: 'benchmark completed; see summary.json',
        error: `job ended in error: ${hubMessage}`.replace(/:\s*$/, ''),
        canceled: 'job was canceled',
        deleted: 'job was deleted',
      }[status] ?? `job ended in stage '${stage}'`);
  const final: JobStatus = {
    ...o.launched,
    status,
    stage,
    finished_at: new Date().toISOString(),
    message,
  };
  // The logs first, the status last: a reader that sees the final status finds all the logs (as jobs.py writes them).
  await writeRunFiles(o, { 'job_logs.txt': logs });
  await writeRunFiles(o, { 'job_status.json': statusJson(final) });
  o.onLog?.(logs.endsWith('\n') ? logs : `${logs}\n`);
  o.onStatus?.(final);
  return final;
}

/** The job's logs as one text (streamJobLogs over an ended job gives all of them, then closes). */
async function fetchLogs(
  call: { namespace: string; jobId: string; accessToken: string; hubUrl: string; fetch?: typeof fetch },
  timeoutMs: number,
): Promise<string> {
  const lines: string[] = [];
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  const base = call.fetch ?? fetch;
  try {
    for await (const entry of streamJobLogs({
      ...call,
      fetch: (url, init) => base(url, { ...init, signal: stop.signal }),
    }))
      lines.push(entry.message.replace(/\n$/, ''));
  } catch (err) {
    if (lines.length === 0)
      return `(failed to fetch logs: ${err instanceof HubApiError ? `HTTP ${err.statusCode}` : networkReason(err)})`;
  } finally {
    clearTimeout(timer);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '(no logs returned)\n';
}

/** The run's job_status.json when it was launched on the user's own HF Jobs (else null: the collab's watcher writes it). */
export async function ownHfJobStatus(at: RunLocation): Promise<JobStatus | null> {
  const { status } = await lookAtJob(at);
  return status?.launched_by === OWN_HF_JOBS ? status : null;
}

/** A refusal of the Jobs API (or a network failure) as what happened and what to do, never holding the token. */
export function jobsApiError(err: unknown, namespace: string, user: string, what: string): SyncError {
  if (err instanceof SyncError) return err;
  if (!(err instanceof HubApiError))
    return new SyncError(
      'HF_UNREACHABLE',
      `the Hugging Face Hub could not be reached for ${what} (${networkReason(err)})`,
      'check your connection, then try again',
    );
  const data = err.data as { error?: unknown; message?: unknown } | undefined;
  const theirs = String(data?.error ?? data?.message ?? '').trim() || `HTTP ${err.statusCode}`;
  const own = namespace === user;
  const billing = own
    ? 'https://huggingface.co/settings/billing'
    : `https://huggingface.co/organizations/${namespace}/settings/billing`;
  const elsewhere = "or run it on the collab's hardware instead (collab-desk sync run without --on hf-jobs)";
  const cannotPay = () =>
    new SyncError(
      'PAYMENT_REQUIRED',
      `${namespace} cannot pay for Hugging Face Jobs: the Hub said ${theirs}; nothing was launched`,
      own
        ? `add credits or a payment method at ${billing} (Jobs run on a positive credit balance), then run again; ${elsewhere}`
        : `ask an admin of ${namespace} to add credits at ${billing}, or run under your own namespace (leave out --namespace); ${elsewhere}`,
    );
  switch (err.statusCode) {
    case 401:
      return new SyncError(
        'TOKEN_INVALID',
        `Hugging Face did not accept your token for ${what}`,
        'sign in again (collab-desk sync login --device), then run again',
      );
    case 402:
      return cannotPay();
    case 403:
      if (/credit|billing|payment|pay\b|subscri|upgrade|\bpro\b/i.test(theirs)) return cannotPay();
      return new SyncError(
        'ACCESS_DENIED',
        `your token may not run Jobs under ${namespace}: the Hub said ${theirs}`,
        own
          ? 'sign in with a token that may run Jobs (a write token, or a fine-grained one with the Jobs permission): collab-desk sync login --device'
          : `run under your own namespace (leave out --namespace), ask an admin of ${namespace} for write access, or sign in with a token allowed to run Jobs there`,
      );
    case 404:
      return new SyncError(
        'NOT_FOUND',
        `the Hub found nothing for ${what} under ${namespace}: ${theirs}`,
        'check --namespace (your user name, or an org you belong to)',
      );
    case 429:
      return new SyncError('RATE_LIMITED', `the Hub is rate limiting ${what}`, 'wait a minute, then try again');
    default:
      return err.statusCode >= 500
        ? new SyncError(
            'HF_UNREACHABLE',
            `the Hugging Face Hub failed ${what} (HTTP ${err.statusCode})`,
            'try again in a few minutes',
          )
        : new SyncError('HF_ERROR', `the Hub refused ${what}: ${theirs}`, 'check --flavor, --image and --timeout');
  }
}
