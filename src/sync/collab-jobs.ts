// Running a submission on a public collab's own hardware (POST /v1/jobs:run): package a local folder, upload it to the agent's bucket, launch, follow job_status.json and job_logs.txt, read summary.json.
import { downloadFile, HubApiError } from '@huggingface/hub';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { CollabAgent } from '../shared/sync-api';
import { writeFiles } from './bucket-writer';
import { CollabApi, CollabCallError } from './collab-api';
import { resolveCollab } from './collab-directory';
import type { CollabConnection } from './collab-store';
import { networkReason, SyncError } from './sync-error';

/** The public size caps (backend/app/config.py SYNC_MAX_BYTES, SYNC_MAX_FILES): what one bucket-side copy may hold. */
export const PUBLIC_SUBMISSION_CAPS = { maxBytes: 5 * 1024 ** 3, maxFiles: 10_000 };

/** An HF access token as the Hub mints them. */
const HF_TOKEN_PATTERN = /hf_[A-Za-z0-9]{30,}/;

/** job_status.json's statuses that end a job (backend/app/jobs.py: completed, error, canceled, deleted, timed_out, unknown). */
const RUNNING = new Set(['running', 'launched', 'pending', 'queued']);
export const isFinalStatus = (status: string | null | undefined): boolean => !!status && !RUNNING.has(status);

export interface SubmissionFile {
  /** Relative to the folder, with `/`. */
  path: string;
  content: Uint8Array;
}

export interface Submission {
  folder: string;
  files: SubmissionFile[];
  bytes: number;
}

export interface SubmissionOptions {
  /** The signed-in token: no file may hold it. */
  token?: string | null;
  maxBytes?: number;
  maxFiles?: number;
}

/**
 * Writes a packaged submission to `<prefix>/` in the agent's bucket, for either path (the collab's jobs, or the
 * user's own HF Jobs); a refused token or an unreachable Hub is said with what to do, nothing having launched.
 */
export async function uploadSubmission(
  hub: { hubUrl: string; token: string; fetch?: typeof fetch },
  bucket: string,
  org: string,
  submission: Submission,
  prefix: string,
): Promise<void> {
  try {
    await writeFiles(
      { hubUrl: hub.hubUrl, token: hub.token, bucket, fetch: hub.fetch },
      submission.files.map((f) => ({ path: `${prefix}/${f.path}`, content: f.content })),
    );
  } catch (err) {
    if (!(err instanceof CollabCallError)) throw err;
    if (err.kind === 'auth' || err.status === 403)
      throw new SyncError(
        'ACCESS_DENIED',
        `your token cannot write the bucket ${bucket}`,
        `sign in with a token that may write ${org}'s buckets (collab-desk sync login --device), then run again`,
      );
    throw new SyncError('HF_UNREACHABLE', err.message, 'check your connection, then run again (nothing was launched)');
  }
}

/** The caps a collab publishes in its GET /v1 (sync_max_bytes, sync_max_files), else the public defaults. */
export function capsOf(collab: Pick<CollabConnection, 'limits'>): { maxBytes: number; maxFiles: number } {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
  return {
    maxBytes: n(collab.limits?.sync_max_bytes) ?? PUBLIC_SUBMISSION_CAPS.maxBytes,
    maxFiles: n(collab.limits?.sync_max_files) ?? PUBLIC_SUBMISSION_CAPS.maxFiles,
  };
}

const size = (b: number) =>
  b >= 1024 ** 3
    ? `${(b / 1024 ** 3).toFixed(1)} GiB (${b} bytes)`
    : b >= 1024 ** 2
      ? `${(b / 1024 ** 2).toFixed(1)} MiB (${b} bytes)`
      : `${b} bytes`;

/**
 * Reads a submission folder as the files it will upload, byte for byte. Refuses a folder that is missing or empty,
 * holds a link, holds what looks like a Hugging Face token (or the signed-in one), or goes over the size caps.
 */
export function packageSubmission(folder: string, options: SubmissionOptions = {}): Submission {
  const root = resolve(folder);
  const maxBytes = options.maxBytes ?? PUBLIC_SUBMISSION_CAPS.maxBytes;
  const maxFiles = options.maxFiles ?? PUBLIC_SUBMISSION_CAPS.maxFiles;
  try {
    if (!lstatSync(root).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new SyncError('INVALID_PATH', `${folder} is not a folder`, 'give the folder that holds your submission');
  }
  const paths: string[] = [];
  let bytes = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      const shown = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      if (!entry.isFile())
        throw new SyncError(
          'INVALID_PATH',
          `${shown} in ${folder} is a link or a special file`,
          'a submission is uploaded as plain files: copy what the link points to into the folder, or remove it',
        );
      paths.push(path);
      bytes += lstatSync(path).size;
      if (paths.length > maxFiles)
        throw new SyncError(
          'SYNC_TOO_LARGE',
          `${folder} holds more than ${maxFiles} files, the collab's cap`,
          `leave at most ${maxFiles} files in the submission folder`,
        );
      if (bytes > maxBytes)
        throw new SyncError(
          'SYNC_TOO_LARGE',
          `${folder} holds more than ${size(maxBytes)}, the collab's cap`,
          `keep the submission under ${size(maxBytes)}: leave out what the harness downloads itself`,
        );
    }
  };
  walk(root);
  if (paths.length === 0)
    throw new SyncError(
      'INVALID_PATH',
      `${folder} holds no files`,
      'put your submission in it (see the harness README)',
    );
  const token = options.token?.trim() || null;
  const files = paths.map((path) => {
    const content = readFileSync(path);
    const rel = relative(root, path).split(sep).join('/');
    const text = content.toString('latin1');
    if (HF_TOKEN_PATTERN.test(text) || (token !== null && text.includes(token)))
      throw new SyncError(
        'SECRET_IN_FILE',
        `${rel} in ${folder} holds what looks like a Hugging Face token; nothing was uploaded`,
        'remove the token from the folder (a job needs none: the collab mounts your submission), then run again',
      );
    return { path: rel, content: new Uint8Array(content.buffer, content.byteOffset, content.byteLength) };
  });
  return { folder: root, files, bytes };
}

/** The 202 answer of POST /v1/jobs:run (backend/app/models.py BenchmarkJobResponse). */
export interface JobLaunch {
  agent_id: string;
  hf_user: string;
  submission_bucket: string;
  submission_prefix: string;
  run_bucket: string;
  run_prefix: string;
  job_id: string;
  job_url: string;
  status: string;
  timeout_minutes: number;
  status_file: string;
  logs_file: string;
  quota: { agent_remaining?: number; user_remaining?: number };
  message: string;
}

/** What this machine remembers of a job it launched, so `sync job <job-id>` finds its run prefix later. */
export interface JobRecord {
  job_id: string;
  job_url: string;
  collab: string;
  agent: string;
  bucket: string;
  submission_prefix: string;
  run_prefix: string;
  launched_at: string;
  /** Absent for a job on the collab's hardware; `own-hf-jobs` for one on the user's own Hugging Face Jobs (hf-jobs.ts). */
  launched_by?: 'own-hf-jobs';
  /** Where an own-HF-Jobs run runs (the user or an org), and on which flavor. */
  namespace?: string;
  flavor?: string;
}

/** Beside collabs.json: the jobs launched from this machine. */
export const jobsFileFor = (collabsFile: string) => join(dirname(collabsFile), 'collab-jobs.json');

export function listJobRecords(file: string): JobRecord[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { jobs?: unknown };
    return Array.isArray(parsed.jobs) ? (parsed.jobs as JobRecord[]) : [];
  } catch {
    return [];
  }
}

export function saveJobRecord(file: string, record: JobRecord): void {
  const jobs = [...listJobRecords(file).filter((j) => j.job_id !== record.job_id), record].slice(-500);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ version: 1, jobs }, null, 2) + '\n');
  renameSync(temporary, file);
}

/** A job by its id or its run prefix (with or without the trailing `/`). */
export function findJobRecord(file: string, idOrPrefix: string): JobRecord | null {
  const prefix = idOrPrefix.replace(/^\/+|\/+$/g, '');
  return listJobRecords(file).find((j) => j.job_id === idOrPrefix || j.run_prefix === prefix) ?? null;
}

/** A name the public path checks accept (validate_path_components: no `/`, no leading `.`, no control characters). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

export function submissionName(folder: string, name?: string): string {
  if (name !== undefined) {
    if (!NAME.test(name))
      throw new SyncError(
        'INVALID_PATH',
        `--name ${JSON.stringify(name)} cannot name a folder in the bucket`,
        'use letters, digits, ".", "-" and "_" (not starting with "."), at most 80',
      );
    return name;
  }
  const base = basename(resolve(folder))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 80);
  return base || 'submission';
}

/** `YYYYMMDD-HHmmss` in UTC. */
const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

export interface LaunchInput {
  collab: CollabConnection;
  agent: CollabAgent;
  token: string;
  hubUrl: string;
  folder: string;
  name?: string;
  /** Where the launch is remembered (jobsFileFor(collabs.json)); not remembered when absent. */
  jobsFile?: string;
  now?: Date;
  fetch?: typeof fetch;
}

export interface LaunchOutcome {
  launch: JobLaunch;
  submission: Submission;
  submissionPrefix: string;
  runPrefix: string;
}

/** In words, how long until a number of seconds have passed. */
export function inWords(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Uploads the folder to `submissions/<name>/` in the agent's bucket, then asks the collab to run it with
 * `run_prefix` `runs/<name>-<UTC time>` (the public README's layout: `submissions/v1`, `runs/v1`).
 */
export async function launchCollabJob(input: LaunchInput): Promise<LaunchOutcome> {
  const { collab, agent } = input;
  if (!collab.runs_jobs) {
    // The connection may be older than the collab's switch: ask its GET /v1 once more before refusing.
    const fresh = await resolveCollab(collab.api_url, { hfEndpoint: input.hubUrl, fetch: input.fetch }).catch(
      () => null,
    );
    if (!fresh?.runs_jobs) throw jobsDisabled(collab);
  }
  const name = submissionName(input.folder, input.name);
  const submission = packageSubmission(input.folder, { token: input.token, ...capsOf(collab) });
  const submissionPrefix = `submissions/${name}`;
  const runPrefix = `runs/${name}-${stamp(input.now ?? new Date())}`;
  await uploadSubmission(input, agent.bucket, collab.org, submission, submissionPrefix);
  const api = new CollabApi({ apiUrl: collab.api_url, token: () => input.token, fetch: input.fetch });
  let launch: JobLaunch;
  try {
    launch = await api.call<JobLaunch>('POST', '/v1/jobs:run', {
      agent_id: agent.agent_id,
      submission_prefix: submissionPrefix,
      run_prefix: runPrefix,
    });
  } catch (err) {
    throw err instanceof CollabCallError ? jobError(err, collab, agent, runPrefix) : err;
  }
  if (input.jobsFile)
    saveJobRecord(input.jobsFile, {
      job_id: launch.job_id,
      job_url: launch.job_url,
      collab: collab.id,
      agent: agent.agent_id,
      bucket: launch.run_bucket || agent.bucket,
      submission_prefix: launch.submission_prefix || submissionPrefix,
      run_prefix: launch.run_prefix || runPrefix,
      launched_at: new Date().toISOString(),
    });
  return { launch, submission, submissionPrefix, runPrefix: launch.run_prefix || runPrefix };
}

function jobsDisabled(collab: CollabConnection): SyncError {
  return new SyncError(
    'JOBS_DISABLED',
    `${collab.id} does not run jobs on its hardware`,
    'measure on your own machine and publish that (collab-desk sync publish), which the collab may count as exploratory only',
  );
}

/** The public jobs:run refusals (backend/app/routes/jobs.py's check order), each as what to do next. */
function jobError(err: CollabCallError, collab: CollabConnection, agent: CollabAgent, runPrefix: string): SyncError {
  const theirs = `${collab.id} said ${err.code}: ${err.message}`;
  switch (err.code) {
    case 'JOBS_DISABLED':
      return jobsDisabled(collab);
    case 'RATE_LIMITED': {
      const wait = err.retryAfterS;
      const when =
        wait === null
          ? 'try again later'
          : `the next slot opens at ${new Date(Date.now() + wait * 1000).toISOString()} (in ${inWords(wait)}); run again then`;
      return new SyncError('QUOTA_EXCEEDED', `${collab.id}'s job quota is used up: ${err.message}`, when);
    }
    case 'QUOTA_BACKEND_UNAVAILABLE':
      return new SyncError(
        'COLLAB_UNREACHABLE',
        `${collab.id} cannot check its job quota right now, so launched nothing`,
        'try again in a few minutes',
      );
    case 'NOT_REGISTERED':
      return new SyncError(
        'NOT_REGISTERED',
        `${agent.agent_id} is not registered on ${collab.id}`,
        `register it: collab-desk sync register ${agent.agent_id} --collab ${collab.id} --model ${agent.model}`,
      );
    case 'UNAUTHORIZED':
      return new SyncError(
        'TOKEN_INVALID',
        `${collab.id} could not tell who you are from your Hugging Face token`,
        'sign in again (collab-desk sync login --device), then run again',
      );
    case 'BUCKET_NOT_OWNED_BY_CALLER':
      return new SyncError(
        'ACCESS_DENIED',
        `${theirs} (the bucket ${agent.bucket} must hold .bucket-sync-handshake with your user name)`,
        err.hint ? `write the handshake: ${err.hint}` : 'register the agent again from this machine, then run again',
      );
    case 'IDENTITY_MISMATCH':
      return new SyncError(
        'COLLAB_REFUSED',
        `${agent.agent_id} is registered on ${collab.id} by another Hugging Face user (${err.message})`,
        'sign in as that user, or run with an agent of your own',
      );
    case 'INVALID_PATH':
      return new SyncError(
        'INVALID_PATH',
        theirs,
        'choose a --name of letters, digits, ".", "-" and "_", not starting with "."',
      );
    default:
      if (err.kind === 'transient')
        return new SyncError(
          'COLLAB_UNREACHABLE',
          theirs,
          `check your connection, then run again; if the launch went through, collab-desk sync job ${runPrefix} --collab ${collab.id} --agent ${agent.agent_id} follows it`,
        );
      return new SyncError('COLLAB_REFUSED', theirs, err.hint ?? "read the collab's rules (collab-desk sync connect)");
  }
}

/** job_status.json as the watcher writes it (jobs.py _write_status). */
export interface JobStatus {
  status: string;
  stage?: string | null;
  job_id?: string;
  job_url?: string;
  message?: string;
  launched_at?: string;
  finished_at?: string;
  [key: string]: unknown;
}

export interface RunLocation {
  /** The agent's bucket, `org/name`. */
  bucket: string;
  runPrefix: string;
  token: string;
  hubUrl: string;
  fetch?: typeof fetch;
}

/** One file of the run prefix as text; null while it is not there. */
async function readRunFile(at: RunLocation, file: string): Promise<string | null> {
  let blob: Blob | null;
  try {
    blob = await downloadFile({
      repo: { type: 'bucket', name: at.bucket },
      path: `${at.runPrefix.replace(/^\/+|\/+$/g, '')}/${file}`,
      accessToken: at.token,
      hubUrl: at.hubUrl,
      fetch: at.fetch,
    });
  } catch (err) {
    if (err instanceof HubApiError && err.statusCode === 404) return null;
    if (err instanceof HubApiError && (err.statusCode === 401 || err.statusCode === 403))
      throw new SyncError(
        'ACCESS_DENIED',
        `your token cannot read the bucket ${at.bucket}`,
        'sign in as the user who registered the agent (collab-desk sync login --device)',
      );
    throw new SyncError(
      'HF_UNREACHABLE',
      `the Hugging Face Hub could not be reached for ${file} (${err instanceof HubApiError ? err.statusCode : networkReason(err)})`,
      'check your connection, then follow the job again',
    );
  }
  return blob === null ? null : blob.text();
}

export interface FollowOptions extends RunLocation {
  /** Between two reads of job_status.json. */
  intervalMs: number;
  /** New text of job_logs.txt (the whole file again when it was rewritten). */
  onLog?: (text: string) => void;
  /** Each new status, the first one included. */
  onStatus?: (status: JobStatus) => void;
  signal?: AbortSignal;
  /** Failed reads in a row before giving up (default 5). */
  maxFailures?: number;
}

/** Reads job_status.json and job_logs.txt until the status is final; resolves with the final status. */
export async function followCollabJob(options: FollowOptions): Promise<JobStatus> {
  let logs = '';
  let last: string | null = null;
  let failures = 0;
  const readLogs = async () => {
    const text = await readRunFile(options, 'job_logs.txt');
    if (text === null || text === logs) return;
    options.onLog?.(text.startsWith(logs) ? text.slice(logs.length) : text);
    logs = text;
  };
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const raw = await readRunFile(options, 'job_status.json');
      const status = raw === null ? null : parseStatus(raw);
      await readLogs();
      failures = 0;
      if (status) {
        const key = `${status.status}|${status.stage ?? ''}`;
        if (key !== last) {
          last = key;
          if (!isFinalStatus(status.status)) options.onStatus?.(status);
        }
        if (isFinalStatus(status.status)) {
          // The watcher writes the logs before the final status: one more read has all of them.
          await readLogs();
          options.onStatus?.(status);
          return status;
        }
      }
    } catch (err) {
      if (!(err instanceof SyncError) || err.code !== 'HF_UNREACHABLE') throw err;
      if (++failures >= (options.maxFailures ?? 5)) throw err;
    }
    await new Promise<void>((r) => setTimeout(r, options.intervalMs));
  }
}

function parseStatus(raw: string): JobStatus | null {
  try {
    const parsed = JSON.parse(raw) as Partial<JobStatus>;
    return typeof parsed.status === 'string' ? (parsed as JobStatus) : null;
  } catch {
    return null; // half written, or not JSON yet
  }
}

/** job_status.json now (null while there is none) and job_logs.txt so far: one look, no waiting. */
export async function lookAtJob(at: RunLocation): Promise<{ status: JobStatus | null; logs: string | null }> {
  const raw = await readRunFile(at, 'job_status.json');
  return { status: raw === null ? null : parseStatus(raw), logs: await readRunFile(at, 'job_logs.txt') };
}

/** summary.json of a completed run (the harness writes at least the score field); null when there is none. */
export async function summaryOf(at: RunLocation): Promise<Record<string, unknown> | null> {
  const raw = await readRunFile(at, 'summary.json');
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
