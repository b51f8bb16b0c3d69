// A stand-in for a public Hugging Face agent collab (huggingface/agent-collabs backend/) on loopback, over our Hub stand-in, speaking its wire protocol and error model, for tests only.
//
// Written from the public repository, not from our client: backend/app/routes/*.py, errors.py, validation.py,
// naming.py, frontmatter.py, rate_limit.py, deps.py, config.py, hub.py, jobs.py, job_quota.py, backend/DESIGN.md.
// "handshake" registration is the 2026-06-30 snapshot (commit 9e449a8); "server-creates" is the later agents.py
// (20e6e6e) with its errors.py (NOT_ORG_MEMBER, BUCKET_CREATE_FORBIDDEN, BUCKET_NOT_YOURS, HUB_UNAVAILABLE).
// The collab's state lives where the real one keeps it, in the central bucket of the Hub stand-in (agents/,
// results/, message_board/, inbox/, artifacts/, traces/); only rate limiters, the promotion dedup LRU and the
// job quota ledger are in memory (DESIGN.md §5: "only short-lived in-memory state").
import { createHash, randomBytes } from 'node:crypto';
import { dashboardServer } from './collab-standin';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { HfBucketStandin } from './hf-bucket-standin';

export type PublicCollabRoute =
  'register' | 'results' | 'messages' | 'artifacts' | 'traces' | 'jobs' | 'updates' | 'channels' | 'any';

/** The public defaults (config.py, DESIGN.md §5), each overridable so tests can use small numbers. */
export interface PublicCollabLimits {
  /** REGISTRATION_PER_MINUTE (3). */
  registrationPerMinute?: number;
  /** BUCKET_WRITE_BURST (20) and BUCKET_WRITE_PER_MINUTE (60): bucket-sourced writes, keyed by source bucket. */
  bucketWriteBurst?: number;
  bucketWritePerMinute?: number;
  /** RAW_MESSAGE_PER_MINUTE (5) and RAW_MESSAGE_PER_HOUR (30), keyed by agent_id. */
  rawMessagePerMinute?: number;
  rawMessagePerHour?: number;
  /** JOB_PER_AGENT_PER_DAY (10) and JOB_PER_USER_PER_DAY (30), over a rolling 24 h. */
  jobsPerAgentPerDay?: number;
  jobsPerUserPerDay?: number;
  /** SYNC_MAX_BYTES (5 GiB) and SYNC_MAX_FILES (10 000) per artifacts:sync call. */
  syncMaxBytes?: number;
  syncMaxFiles?: number;
}

export interface PublicCollabStandinOptions {
  /** The Hub behind the collab: whoami over HTTP, bucket files in process. */
  hf: HfBucketStandin;
  org?: string;
  slug?: string;
  title?: string;
  scoreField?: string;
  scoreOrder?: 'desc' | 'asc';
  scoreUnit?: string;
  /** Result frontmatter required on top of the score field, method, status and description (REQUIRED_RESULT_FIELDS). */
  requiredFields?: string[];
  /** `handshake`: the agent made its bucket and handshake first (older servers); `server-creates`: registration does it. */
  registration?: 'handshake' | 'server-creates';
  /** JOBS_ENABLED. */
  jobs?: boolean;
  limits?: PublicCollabLimits;
  /** INVITE_URL, named by NOT_ORG_MEMBER and the dashboard config. */
  inviteUrl?: string;
  /** JOB_TIMEOUT_MINUTES (40). */
  jobTimeoutMinutes?: number;
  /**
   * LISTING_TTL_S (30 s) in ms: how stale the read model may be about OUT-OF-BAND edits of the central bucket (a
   * human's verdict in verification_status.json, a file a test puts there itself). API writes are write-through and
   * seen at once; an overwrite of a file the listing already holds (a forced re-registration) waits out the TTL too.
   */
  listingTtlMs?: number;
  /** Serve GET /v1/updates and /v1/watching (newer servers, DESIGN.md §13); false answers 404 as an older server. */
  updates?: boolean;
  /** The ceiling every wait= is clamped to (55 s). */
  longpollMaxWaitS?: number;
  /** Newer servers: client frontmatter of a message is the allowlist type, refs, channel; other keys are 400. */
  messageAllowlist?: boolean;
}

export type VerificationState = 'pending' | 'valid' | 'invalid';

export interface SeedMessagesOptions {
  /** Authors, taken in turn (registered on the fly when they are not). */
  agents: string[];
  /** Post into this channel (seedChannel it first) instead of the general board. */
  channel?: string;
  /** The body of message i (default "seeded message i"); @mentions in it fan out inbox copies as on a real post. */
  body?: (i: number) => string;
  type?: string;
  /** The filenames message i cites (frontmatter refs, comma-separated as public clients write them). */
  refs?: (i: number) => string[];
}

export interface SeedResultsOptions {
  agents: string[];
  /** The score of result i (default 10 + i % 97). */
  score?: (i: number) => number;
  /** status of result i (default agent-run). */
  status?: (i: number) => 'agent-run' | 'negative';
  /** Verdict of result i (default pending, the state a new result gets). */
  verification?: (i: number) => VerificationState;
  method?: (i: number) => string;
}

export interface SeedChannelOptions {
  /** The creator, stamped in the README (default the first member, else "organizer"). */
  creator?: string;
  /** Memberships written as members/<handle>.md markers; notify defaults to mentions. */
  members?: Array<{ handle: string; notify?: 'mentions' | 'all' }>;
}

export interface PublicCollabRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface PublicCollabRecord {
  filename: string;
  path: string;
  frontmatter: Record<string, unknown>;
  body: string;
}

export interface PublicCollabJob {
  jobId: string;
  jobUrl: string;
  agentId: string;
  hfUser: string;
  bucket: string;
  submissionPrefix: string;
  runPrefix: string;
  status: 'running' | 'completed' | 'error' | 'canceled' | 'timed_out';
}

export interface PublicCollabFault {
  route: PublicCollabRoute;
  /** 429 answers RATE_LIMITED with Retry-After; 500 as an unhandled exception; 502/503/504 as the Space's proxy. */
  status: number;
  /** How many of the next matching requests fail (default 1). */
  times?: number;
  /** Seconds, sent as Retry-After (default 1 on 429). */
  retryAfter?: number;
}

export interface PublicCollabStandin {
  /** The backend Space. */
  apiUrl: string;
  /** The dashboard Space: /api/config, /api/health, /. */
  dashboardUrl: string;
  org: string;
  slug: string;
  centralBucket: string;
  requests: PublicCollabRequest[];
  agents(): PublicCollabRecord[];
  results(): PublicCollabRecord[];
  messages(): PublicCollabRecord[];
  /** Files under artifacts/ in the central bucket, by central path. */
  artifacts(): Map<string, Buffer>;
  /** Files under traces/ in the central bucket, by central path. */
  traces(): Map<string, Buffer>;
  jobs(): PublicCollabJob[];
  /**
   * Ends a launched job as the harness and the job watcher would (jobs.py): the harness's summary.json in the run
   * prefix (when given), then job_logs.txt and the final job_status.json.
   */
  finishJob(
    jobId: string,
    outcome?: { summary?: Record<string, unknown>; logs?: string; status?: 'completed' | 'error' | 'canceled' },
  ): void;
  /** The next launched job not yet handed out by nextJob (waits for a launch when there is none). */
  nextJob(): Promise<PublicCollabJob>;
  inject(fault: PublicCollabFault): void;
  /** While down, every connection is destroyed without an answer, as an unreachable Space. */
  setDown(down: boolean): void;
  setLatency(ms: number): void;
  /**
   * Resolves once no request is being handled: a request whose client hung up is still carried out (as a server
   * does), so a test waits here before it counts what the collab holds.
   */
  idle(): Promise<void>;
  /**
   * The backend restarts: what lives in its memory (the promotion dedup LRU, deps.py get_dedup; the rate limiters)
   * is gone, what lives in the central bucket (results, messages) stays.
   */
  restart(): void;
  /** Org membership lives in the Hub stand-in: whoami lists it from now on. */
  addMember(user: string, org: string, role?: 'admin' | 'write' | 'contributor' | 'read'): void;
  /**
   * A network cut: the backend stops listening (connections refused), every open connection is destroyed and every
   * parked long-poll is cut without an answer. The central bucket and the process's memory stay.
   */
  stop(): Promise<void>;
  /** Listens again on the SAME port after stop(). */
  start(): Promise<void>;
  /** Registers an agent as registration would (agents/<id>.md), without the HTTP checks. */
  seedAgent(agentId: string, options?: { hfUser?: string; model?: string; harness?: string }): void;
  /**
   * n messages through the same promote path as POST /v1/messages (server stamps, inbox copies, channel stamp), with
   * strictly increasing stamps 1 ms apart, ending no later than now when nothing newer was stamped. Returns filenames.
   */
  seedMessages(n: number, options: SeedMessagesOptions): string[];
  /** n results as POST /v1/results writes them, then the verification index once for the batch. Returns filenames. */
  seedResults(n: number, options: SeedResultsOptions): string[];
  /** A channel: channels/<name>/README.md (its theme) and member markers, as POST /v1/channels leaves them. */
  seedChannel(name: string, readme: string, options?: SeedChannelOptions): void;
  /**
   * A verdict in results/verification_status.json. `verifier` (default) is the Space's own write (set_verdict:
   * the cached index is dropped, seen at once); `human` is an organizer's out-of-band edit, seen after the listing TTL
   * (or expireListings()).
   */
  setVerification(filename: string, state: VerificationState, options?: { by?: 'verifier' | 'human' }): void;
  /** The central bucket's README.md (the agents' entry point), served by the Hub at readmeUrl. */
  setReadme(markdown: string): void;
  /** `${hub}/buckets/<central>/resolve/README.md`, what the dashboard's join snippet curls. */
  readmeUrl: string;
  /** The listing TTL runs out now: the next read sees every out-of-band edit. */
  expireListings(): void;
  /** Requests parked in a long-poll now. */
  parked(): number;
  close(): Promise<void>;
}

// --- the public error model (errors.py; main.py's handler answers `exc.detail` as the body) ---------------------

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body() {
    return { error: { code: this.code, message: this.message, ...(this.hint !== undefined && { hint: this.hint }) } };
  }
}

/** FastAPI's own 422 for a body that fails the pydantic model (models.py), answered before the route runs. */
class ValidationError extends Error {
  constructor(readonly detail: Array<Record<string, unknown>>) {
    super('validation');
  }
}

/** An exception the route does not catch: FastAPI answers 500 "Internal Server Error" as text/plain. */
class Unhandled extends Error {}

const pyRepr = (s: string) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`);

const E = {
  invalidQuery: (message: string, hint?: string) => new ApiError(400, 'INVALID_QUERY', message, hint),
  channelNotFound: (name: string) =>
    new ApiError(
      404,
      'CHANNEL_NOT_FOUND',
      `no such channel: '${name}'`,
      'GET /v1/channels lists what exists; create one with POST /v1/channels {name, body: <its theme>}',
    ),
  channelNameInvalid: (message: string, hint?: string) => new ApiError(422, 'CHANNEL_NAME_INVALID', message, hint),
  invalidPath: (message: string, hint?: string) => new ApiError(400, 'INVALID_PATH', message, hint),
  invalidFrontmatter: (message: string) => new ApiError(400, 'INVALID_FRONTMATTER', message),
  unauthorized: (message: string, hint?: string) => new ApiError(401, 'UNAUTHORIZED', message, hint),
  notOwned: (message: string, hint?: string) => new ApiError(403, 'BUCKET_NOT_OWNED_BY_CALLER', message, hint),
  bucketNotYours: (message: string) =>
    new ApiError(403, 'BUCKET_NOT_YOURS', message, 'that bucket belongs to someone else; pick another agent_id'),
  notOrgMember: (user: string, org: string, inviteUrl: string) =>
    new ApiError(
      403,
      'NOT_ORG_MEMBER',
      `'${user}' is not a member of the '${org}' org; ${inviteUrl ? `accept the invite at ${inviteUrl}` : 'ask the organizer for the invite link'}, then retry`,
      `\`hf auth whoami\` must list ${org} under orgs`,
    ),
  bucketCreateForbidden: (bucket: string) =>
    new ApiError(
      403,
      'BUCKET_CREATE_FORBIDDEN',
      `your token could not create the scratch bucket '${bucket}'`,
      'you need the contributor role in the org and a token that can write (a read-only token cannot): run `hf auth login --force` and log in through the browser',
    ),
  hubUnavailable: () =>
    new ApiError(
      503,
      'HUB_UNAVAILABLE',
      'the Hugging Face Hub did not answer; nothing was registered, so it is safe to retry',
      'retry shortly',
      { 'Retry-After': '30' },
    ),
  identityMismatch: (message: string) => new ApiError(403, 'IDENTITY_MISMATCH', message),
  notOrganizer: (message = 'broadcasting is restricted to challenge organizers', hint?: string) =>
    new ApiError(403, 'NOT_ORGANIZER', message, hint),
  notRegistered: (agentId: string) =>
    new ApiError(
      404,
      'NOT_REGISTERED',
      `agent '${agentId}' is not registered`,
      'register first via POST /v1/agents/register',
    ),
  notFound: (path: string) => new ApiError(404, 'NOT_FOUND', `no such file: ${path}`),
  jobsDisabled: () =>
    new ApiError(
      404,
      'JOBS_DISABLED',
      'benchmark jobs are not enabled for this challenge',
      'the organizers can enable them via JOBS_ENABLED=true',
    ),
  alreadyPromoted: (existing: string) =>
    new ApiError(409, 'ALREADY_PROMOTED', 'identical content was already promoted', `existing filename: ${existing}`),
  bucketMissing: (bucket: string) =>
    new ApiError(
      412,
      'BUCKET_MISSING',
      `scratch bucket '${bucket}' does not exist`,
      `run: hf buckets create ${bucket}`,
    ),
  syncTooLarge: (message: string) => new ApiError(413, 'SYNC_TOO_LARGE', message),
  rateLimited: (retryAfter: number, message?: string) =>
    new ApiError(429, 'RATE_LIMITED', message ?? `rate limit exceeded; retry after ${retryAfter}s`, undefined, {
      'Retry-After': String(retryAfter),
    }),
};

// --- naming.py / validation.py ----------------------------------------------------------------------------------

const AGENT_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const SLUG_RE = AGENT_ID_RE;
const SOURCE_URI_RE = /^hf:\/\/buckets\/([^/]+)\/([^/]+)(?:\/(.*))?$/s;
const MENTION_RE = /(?<![A-Za-z0-9._%+-])@([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)/g;
const HANDSHAKE_FILE = '.bucket-sync-handshake';
const HUMAN_PREFIX = 'human-';

const isHuman = (h: string) => h.startsWith(HUMAN_PREFIX) && h.length > HUMAN_PREFIX.length;

function validateAgentId(id: string): void {
  if (id !== id.toLowerCase())
    throw E.invalidPath(`agent_id must be lowercase: ${pyRepr(id)}`, `use '${id.toLowerCase()}' instead`);
  if (!AGENT_ID_RE.test(id)) throw E.invalidPath(`invalid agent_id: ${pyRepr(id)}`);
}

function validateRegisterableAgentId(id: string): void {
  validateAgentId(id);
  if (id === 'human' || id.startsWith(HUMAN_PREFIX))
    throw E.invalidPath(
      `agent_id '${id}' is reserved: 'human-<name>' handles identify human participants in inbox routing`,
      "pick an agent_id that does not start with 'human-'",
    );
}

function validatePathComponents(path: string): void {
  if (!path) throw E.invalidPath('empty path');
  if (path.startsWith('/')) throw E.invalidPath('path must not be absolute');
  for (const part of path.replace(/\/+$/, '').split('/')) {
    if (part === '' || part === '.' || part === '..') throw E.invalidPath(`invalid path component: ${pyRepr(part)}`);
    if (part.startsWith('.')) throw E.invalidPath(`path component must not start with '.': ${pyRepr(part)}`);
    if ([...part].some((c) => c.charCodeAt(0) < 32)) throw E.invalidPath('path contains control characters');
  }
}

interface SourceUri {
  org: string;
  bucket: string;
  path: string;
}

const stamp = (d: Date) => {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    file: `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${p(d.getUTCMilliseconds(), 3)}`,
    yaml: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`,
    iso: `${d.toISOString().slice(0, 23)}Z`,
  };
};

/** agent_from_filename (naming.py): `{stamp}_{agent}.md` or `{agent}.md`. */
const agentFromFilename = (filename: string) => {
  const stem = filename.replace(/\.md$/, '');
  const i = stem.indexOf('_');
  return i !== -1 && /^\d{8}/.test(stem.slice(0, 8)) ? stem.slice(i + 1) : stem;
};

// --- frontmatter.py ---------------------------------------------------------------------------------------------

function parseFrontmatter(text: string): [Record<string, unknown>, string] {
  if (!text.startsWith('---')) return [{}, text];
  const rest = text.slice(3).replace(/^\n+/, '');
  const end = rest.indexOf('\n---');
  if (end === -1) return [{}, text];
  let body = rest.slice(end + 4 + 1);
  if (body.startsWith('\n')) body = body.slice(1);
  let data: unknown;
  try {
    data = parseYaml(rest.slice(0, end)) ?? {};
  } catch (err) {
    throw E.invalidFrontmatter(`could not parse YAML frontmatter: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw E.invalidFrontmatter('frontmatter must be a mapping');
  return [data as Record<string, unknown>, body];
}

function serialiseFrontmatter(fm: Record<string, unknown>, body: string): string {
  let out = `---\n${stringifyYaml(fm)}---\n`;
  if (body) out += `${body.startsWith('\n') ? '' : '\n'}${body}${body.endsWith('\n') ? '' : '\n'}`;
  return out;
}

// --- rate_limit.py ----------------------------------------------------------------------------------------------

class TokenBucket {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();
  private readonly perSec: number;
  constructor(
    private readonly capacity: number,
    refillPerMinute: number,
  ) {
    this.perSec = refillPerMinute / 60;
  }
  tryConsume(key: string): [boolean, number] {
    const now = performance.now() / 1000;
    const b = this.buckets.get(key) ?? { tokens: this.capacity, last: now };
    this.buckets.set(key, b);
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.last) * this.perSec);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return [true, 0];
    }
    return [false, Math.max(1, Math.floor((1 - b.tokens) / this.perSec) + 1)];
  }
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.capacity, b.tokens + 1);
  }
}

/** CompoundLimiter: the strictest bucket wins, and a rejection refunds the buckets that allowed. */
const compound =
  (...buckets: TokenBucket[]) =>
  (key: string): [boolean, number] => {
    const consumed: TokenBucket[] = [];
    let worst = 0;
    for (const b of buckets) {
      const [ok, retry] = b.tryConsume(key);
      if (ok) consumed.push(b);
      else worst = Math.max(worst, retry);
    }
    if (worst) for (const b of consumed) b.refund(key);
    return [worst === 0, worst];
  };

// --- HTTP plumbing ----------------------------------------------------------------------------------------------

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

type FieldSpec = Record<string, 'str' | 'str?' | 'bool' | 'strlist' | 'share'>;

/** The request model (models.py) as pydantic checks it: required fields, types, defaults. */
function model(raw: Buffer, spec: FieldSpec): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new ValidationError([
      { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: String(err) } },
    ]);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError([
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary', input: body },
    ]);
  const obj = body as Record<string, unknown>;
  const errors: Array<Record<string, unknown>> = [];
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(spec)) {
    const v = obj[field];
    const loc = ['body', field];
    if (v === undefined || (v === null && kind !== 'str?')) {
      if (kind === 'str') errors.push({ type: 'missing', loc, msg: 'Field required', input: obj });
      else if (v === null)
        errors.push({
          type: kind === 'bool' ? 'bool_type' : kind === 'strlist' ? 'list_type' : 'string_type',
          loc,
          msg: `Input should be a valid ${kind === 'bool' ? 'boolean' : kind === 'strlist' ? 'list' : 'string'}`,
          input: v,
        });
      else out[field] = kind === 'bool' ? false : kind === 'strlist' ? [] : kind === 'share' ? 'stats' : null;
      continue;
    }
    if ((kind === 'str' || kind === 'str?') && typeof v !== 'string' && v !== null)
      errors.push({ type: 'string_type', loc, msg: 'Input should be a valid string', input: v });
    else if (kind === 'bool' && typeof v !== 'boolean')
      errors.push({ type: 'bool_type', loc, msg: 'Input should be a valid boolean', input: v });
    else if (kind === 'strlist' && !(Array.isArray(v) && v.every((t) => typeof t === 'string')))
      errors.push({ type: 'list_type', loc, msg: 'Input should be a valid list', input: v });
    else if (kind === 'share' && v !== 'stats' && v !== 'full')
      errors.push({ type: 'literal_error', loc, msg: "Input should be 'stats' or 'full'", input: v });
    else out[field] = v;
  }
  if (errors.length) throw new ValidationError(errors);
  return out;
}

const bearer = (req: IncomingMessage) => {
  // auth.py extract_bearer: "<scheme> <token>", scheme case-insensitive, token stripped and non-empty.
  const parts = (req.headers.authorization ?? '').trim().split(/\s+(.*)/s);
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return null;
  return parts[1]!.trim() || null;
};

const routeOf = (path: string): Exclude<PublicCollabRoute, 'any'> | null => {
  if (path === '/v1/agents/register') return 'register';
  if (path.startsWith('/v1/results')) return 'results';
  if (path.startsWith('/v1/messages')) return 'messages';
  if (path === '/v1/artifacts:sync') return 'artifacts';
  if (path.startsWith('/v1/traces')) return 'traces';
  if (path === '/v1/jobs:run') return 'jobs';
  if (path === '/v1/updates' || path === '/v1/watching') return 'updates';
  if (path.startsWith('/v1/channels')) return 'channels';
  return null;
};

// --- listing.py: the shared list grammar (§16.2), FastAPI's query parsing ---------------------------------------

const STAMP_LEN = 'YYYYMMDD-HHmmss-mmm'.length;
const COMPACT_RE = /^\d{8}(?:-\d{6}(?:-\d{3})?)?$/;
const VERIFICATION_STATES = ['pending', 'valid', 'invalid'] as const;
/** EXPAND_MAX_LIMIT. */
const EXPAND_MAX_LIMIT = 200;
const CHANNEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const RESERVED_CHANNELS = new Set(['feed', 'none']);

const filenameStamp = (filename: string) => filename.slice(0, STAMP_LEN);

/** Python's str() of a YAML value, as `str(fm.get(k, ""))` and `f"{k}: {v}"` print it. */
const pyStr = (v: unknown): string => {
  if (v === null || v === undefined) return v === null ? 'None' : '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : String(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? pyRepr(x) : pyStr(x))).join(', ')}]`;
  if (v instanceof Date)
    return v
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$/, '');
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pyRepr(k)}: ${typeof x === 'string' ? pyRepr(x) : pyStr(x)}`)
    .join(', ')}}`;
};

/** normalize_stamp: ISO 8601 or compact YYYYMMDD[-HHmmss[-mmm]] to a compact stamp (UTC). */
function normalizeStamp(value: string, param: string): string {
  const v = value.trim();
  if (COMPACT_RE.test(v)) return v.length === 8 ? `${v}-000000-000` : v.length === 15 ? `${v}-000` : v;
  const iso = v.replace(/Z$/, '+00:00');
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?)?([+-]\d{2}:?\d{2})?$/.exec(iso);
  const d = m
    ? new Date(
        `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${(m[7] ?? '0').padEnd(3, '0').slice(0, 3)}${m[8] ?? 'Z'}`,
      )
    : null;
  if (!d || Number.isNaN(d.getTime()))
    throw E.invalidQuery(`\`${param}\` must be ISO 8601 or YYYYMMDD-HHmmss[-mmm], got ${pyRepr(value)}`);
  // A naive datetime keeps its wall clock (strftime without a zone), which is UTC here.
  return stamp(d).file;
}

function parseVerificationParam(value: string | null): Set<string> | null {
  if (value === null) return null;
  const states = new Set(
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  if (!states.size || [...states].some((s) => !(VERIFICATION_STATES as readonly string[]).includes(s)))
    throw E.invalidQuery(`\`verification\` must be a CSV of ('pending', 'valid', 'invalid'), got ${pyRepr(value)}`);
  return states;
}

/** A query parameter as FastAPI parses it: a bad int or bool is its 422, before the route runs. */
const qInt = (q: URLSearchParams, name: string, fallback: number | null): number | null => {
  const v = q.get(name);
  if (v === null) return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(v))
    throw new ValidationError([
      {
        type: 'int_parsing',
        loc: ['query', name],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: v,
      },
    ]);
  return Number.parseInt(v, 10);
};
const qNumber = (q: URLSearchParams, name: string): number | null => {
  const v = q.get(name);
  if (v === null) return null;
  const n = Number(v);
  if (!v.trim() || !Number.isFinite(n))
    throw new ValidationError([
      {
        type: 'float_parsing',
        loc: ['query', name],
        msg: 'Input should be a valid number, unable to parse string as a number',
        input: v,
      },
    ]);
  return n;
};
const qBool = (q: URLSearchParams, name: string, fallback: boolean): boolean => {
  const v = q.get(name);
  if (v === null) return fallback;
  const l = v.trim().toLowerCase();
  if (['1', 'on', 't', 'true', 'y', 'yes'].includes(l)) return true;
  if (['0', 'off', 'f', 'false', 'n', 'no'].includes(l)) return false;
  throw new ValidationError([
    {
      type: 'bool_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid boolean, unable to interpret input',
      input: v,
    },
  ]);
};
const qRequired = (q: URLSearchParams, name: string): string => {
  const v = q.get(name);
  if (v === null)
    throw new ValidationError([{ type: 'missing', loc: ['query', name], msg: 'Field required', input: null }]);
  return v;
};

interface Filters {
  agent?: string | null;
  since?: string | null;
  until?: string | null;
  fmEq?: Record<string, string> | null;
  q?: string | null;
}

/** apply_filters: filename-tier filters first, then frontmatter equality (str()) and the q substring. */
function applyFilters<T extends PublicCollabRecord>(records: T[], f: Filters): T[] {
  const ql = f.q?.toLowerCase() ?? null;
  const eq = f.fmEq ? Object.entries(f.fmEq) : null;
  return records.filter((r) => {
    if (f.agent != null && agentFromFilename(r.filename) !== f.agent) return false;
    if (f.since != null && filenameStamp(r.filename) < f.since) return false;
    if (f.until != null && filenameStamp(r.filename) > f.until) return false;
    if (eq && eq.some(([k, want]) => pyStr(r.frontmatter[k] ?? '') !== want)) return false;
    if (ql !== null) {
      if (r.body.toLowerCase().includes(ql)) return true;
      return Object.entries(r.frontmatter).some(([k, v]) => `${k}: ${pyStr(v)}`.toLowerCase().includes(ql));
    }
    return true;
  });
}

/** effective_limit: expanded pages are capped at EXPAND_MAX_LIMIT. */
const effectiveLimit = (limit: number | null, expand: boolean) =>
  !expand ? limit : limit === null || limit <= 0 || limit > EXPAND_MAX_LIMIT ? EXPAND_MAX_LIMIT : limit;

/** paginate: exclusive filename cursors over ascending records; `next` is the page's last filename when more remain. */
function paginate<T extends { filename: string }>(
  records: T[],
  order: string,
  limit: number | null,
  after: string | null,
  before: string | null,
): [T[], string | null] {
  let rs = records;
  if (after !== null) rs = rs.filter((r) => r.filename > after);
  if (before !== null) rs = rs.filter((r) => r.filename < before);
  const ordered = order === 'desc' ? [...rs].reverse() : rs;
  if (limit !== null && limit > 0 && limit < ordered.length) {
    const p = ordered.slice(0, limit);
    return [p, p[p.length - 1]!.filename];
  }
  return [ordered, null];
}

/** The list grammar's shared parameters, parsed as FastAPI does (limit default 10, order default desc). */
const listParams = (
  q: URLSearchParams,
  defaults: { limit: number | null; order: string } = { limit: 10, order: 'desc' },
) => ({
  expand: qBool(q, 'expand', false),
  limit: qInt(q, 'limit', defaults.limit),
  order: q.get('order') ?? defaults.order,
  after: q.get('after'),
  before: q.get('before'),
});

const messageItem = (r: PublicCollabRecord) => ({ filename: r.filename, frontmatter: r.frontmatter, body: r.body });

/** list_message_like: the full pipeline for message-shaped folders (board, inboxes, channels). */
function listMessageLike<T extends PublicCollabRecord>(
  records: T[],
  q: URLSearchParams,
  item: (r: T) => unknown = messageItem,
) {
  const agent = q.get('agent');
  if (agent !== null) validateAgentId(agent);
  const fmEq: Record<string, string> = {};
  if (q.get('type') !== null) fmEq.type = q.get('type')!;
  if (q.get('via') !== null) fmEq.via = q.get('via')!;
  const p = listParams(q);
  const since = q.get('since');
  const until = q.get('until');
  const filtered = applyFilters(records, {
    agent,
    since: since !== null ? normalizeStamp(since, 'since') : null,
    until: until !== null ? normalizeStamp(until, 'until') : null,
    fmEq: Object.keys(fmEq).length ? fmEq : null,
    q: q.get('q'),
  });
  const [pg, next] = paginate(
    filtered,
    p.order === 'desc' ? 'desc' : 'asc',
    effectiveLimit(p.limit, p.expand),
    p.after,
    p.before,
  );
  return {
    count: records.length,
    matched: filtered.length,
    items: p.expand ? pg.map(item) : pg.map((r) => r.filename),
    next,
    page: pg,
  };
}

function validateChannelName(name: string): void {
  if (name !== name.toLowerCase())
    throw E.channelNameInvalid(`channel name must be lowercase: '${name}'`, `use '${name.toLowerCase()}'`);
  if (!CHANNEL_RE.test(name))
    throw E.channelNameInvalid(`invalid channel name: '${name}'`, 'kebab-case: [a-z0-9] with inner hyphens');
  if (RESERVED_CHANNELS.has(name))
    throw E.channelNameInvalid(
      `channel name '${name}' is reserved (it is an API path segment or filter value)`,
      'pick a different name',
    );
}

export async function startPublicCollabStandin(options: PublicCollabStandinOptions): Promise<PublicCollabStandin> {
  const { hf } = options;
  const org = options.org ?? 'gemma-challenge';
  const slug = options.slug ?? 'gemma';
  const centralBucket = `${org}/${slug}-main-bucket`;
  const scoreField = options.scoreField ?? 'tps';
  const scoreOrder = options.scoreOrder ?? 'desc';
  const scoreUnit = options.scoreUnit ?? 'tokens/s';
  const mode = options.registration ?? 'handshake';
  const inviteUrl = options.inviteUrl ?? '';
  const jobTimeout = options.jobTimeoutMinutes ?? 40;
  // config.py required_result_field_list: the score field first, then REQUIRED_RESULT_FIELDS.
  const required = [...new Set([scoreField, 'method', 'status', 'description', ...(options.requiredFields ?? [])])];
  const L = {
    registrationPerMinute: 3,
    bucketWriteBurst: 20,
    bucketWritePerMinute: 60,
    rawMessagePerMinute: 5,
    rawMessagePerHour: 30,
    jobsPerAgentPerDay: 10,
    jobsPerUserPerDay: 30,
    syncMaxBytes: 5 * 1024 ** 3,
    syncMaxFiles: 10_000,
    ...options.limits,
  };
  // deps.py: the same token-bucket shapes as the public limiters.
  const registrationLimiter = new TokenBucket(L.registrationPerMinute, L.registrationPerMinute);
  const bucketWriteLimiter = compound(
    new TokenBucket(L.bucketWriteBurst, L.bucketWriteBurst),
    new TokenBucket(L.bucketWritePerMinute, L.bucketWritePerMinute),
  );
  const rawLimiter = compound(
    new TokenBucket(L.rawMessagePerMinute, L.rawMessagePerMinute),
    new TokenBucket(L.rawMessagePerHour, Math.max(1, Math.floor(L.rawMessagePerHour / 60))),
  );
  const dedup = new Map<string, string>();
  const jobLedger: Array<{ ts: number; agentId: string; hfUser: string }> = [];
  const jobs = new Map<string, PublicCollabJob>();
  const jobWaiters: Array<(job: PublicCollabJob) => void> = [];
  const unclaimedJobs: PublicCollabJob[] = [];
  const requests: PublicCollabRequest[] = [];
  const faults: Array<PublicCollabFault & { left: number }> = [];
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];
  let down = false;
  let latency = 0;

  hf.addBucket(centralBucket);

  // --- the Hub, as hub.py reaches it ---------------------------------------------------------------------------
  const filesOf = (bucket: string) => (hf.bucket(bucket) ? hf.files(bucket) : new Map<string, Buffer>());
  const central = () => hf.files(centralBucket);
  const readFile = (bucket: string, path: string) => filesOf(bucket).get(path);

  /** hub.whoami_identity over HTTP with the caller's token; `transient` marks 5xx/429/transport (HubUnreachable). */
  const whoami = async (
    token: string,
  ): Promise<
    { ok: true; name: string; orgs: Array<{ name: string; roleInOrg?: string }> } | { ok: false; transient: boolean }
  > => {
    try {
      const res = await fetch(`${hf.url}/api/whoami-v2`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) return { ok: false, transient: res.status >= 500 || res.status === 429 };
      const info = (await res.json()) as { name?: string; orgs?: Array<{ name: string; roleInOrg?: string }> };
      if (!info.name) return { ok: false, transient: false };
      return { ok: true, name: info.name, orgs: info.orgs ?? [] };
    } catch {
      return { ok: false, transient: true };
    }
  };

  const resolveSource = (source: string): [SourceUri, string] => {
    const m = SOURCE_URI_RE.exec(source);
    if (!m) throw E.invalidPath(`source must be an hf://buckets/... URI, got: ${pyRepr(source)}`);
    const parsed = { org: m[1]!, bucket: m[2]!, path: m[3] ?? '' };
    if (parsed.org !== org)
      throw E.invalidPath(
        `source must be under org '${org}', got '${parsed.org}'`,
        'agents post from buckets in this org only',
      );
    const agentId = parsed.bucket.startsWith(`${slug}-`) ? parsed.bucket.slice(slug.length + 1) : '';
    if (!AGENT_ID_RE.test(agentId))
      throw E.invalidPath(
        `source bucket '${parsed.bucket}' does not match '${slug}-<agent_id>'`,
        'source must be under your own scratch bucket',
      );
    if (parsed.path) validatePathComponents(parsed.path);
    return [parsed, agentId];
  };

  const registration = (agentId: string) => central().get(`agents/${agentId}.md`);
  const requireRegistered = (agentId: string) => {
    // The cached agents listing answers; a direct read backs it up so a listing hiccup never blocks an agent.
    if (!registeredAgents().has(agentId) && !registration(agentId)) throw E.notRegistered(agentId);
  };
  /** hub.read_bytes: a missing source is a FileNotFoundError the promote routes do not catch (a 500). */
  const readSource = (s: SourceUri) => {
    const data = readFile(`${s.org}/${s.bucket}`, s.path);
    if (!data) throw new Unhandled(`hf://buckets/${s.org}/${s.bucket}/${s.path}`);
    return data;
  };
  const consumeBucketWrite = (bucket: string) => {
    const [ok, retry] = bucketWriteLimiter(bucket);
    if (!ok) throw E.rateLimited(retry);
  };
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  const records = (folder: string): PublicCollabRecord[] =>
    [...central()]
      .filter(([p]) => p.startsWith(`${folder}/`) && !p.slice(folder.length + 1).includes('/') && p.endsWith('.md'))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, data]) => {
        let fm: Record<string, unknown> = {};
        let body = data.toString('utf8');
        try {
          [fm, body] = parseFrontmatter(body);
        } catch {
          // A malformed file is listed with empty frontmatter, never a 500 (read_model.py, leaderboard.py).
        }
        return { filename: path.slice(folder.length + 1), path, frontmatter: fm, body };
      });

  // --- read_model.py: listing cache (LISTING_TTL_S), parsed content, write-through overlay (DESIGN.md §7) ------
  // The listing is refreshed from the bucket at most once per TTL; every API write is inserted at once (an overlay
  // that fills gaps in a stale listing, never overrides it), so read-after-write is exact and only out-of-band edits
  // wait out the TTL. All of it is memory: restart() drops it, and the next read rebuilds it from the bucket.
  interface Cached {
    raw: Buffer;
    rec: PublicCollabRecord;
  }
  const listingTtl = options.listingTtlMs ?? 30_000;
  const VERIFICATION_PATH = 'results/verification_status.json';
  const README_RE = /(?:^|\/)README\.md$/i;
  const rm = {
    fetchedAt: -Infinity,
    /** Bucket truth as of fetchedAt: folder -> filename -> parsed file. */
    listed: new Map<string, Map<string, Cached>>(),
    /** Write-through entries the listing does not hold yet. */
    overlay: new Map<string, Map<string, Cached>>(),
    /** Sorted records per folder, rebuilt on demand. */
    sorted: new Map<string, PublicCollabRecord[]>(),
    verificationRaw: null as Buffer | null,
    verification: null as Record<string, string> | null,
  };
  const splitPath = (path: string): [string, string] => {
    const i = path.lastIndexOf('/');
    return i === -1 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
  };
  /** _safe_parse: a malformed file degrades to an empty-frontmatter record, never a 4xx/5xx. */
  const parseRecord = (path: string, raw: Buffer): PublicCollabRecord => {
    const text = raw.toString('utf8');
    let fm: Record<string, unknown> = {};
    let body = text;
    try {
      [fm, body] = parseFrontmatter(text);
    } catch {
      // kept as an empty-frontmatter record
    }
    return { filename: splitPath(path)[1], path, frontmatter: fm, body };
  };
  const parseIndex = (raw: Buffer | undefined | null): Record<string, string> => {
    if (!raw) return {};
    try {
      const data: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  };
  const refreshListing = () => {
    if (Date.now() - rm.fetchedAt < listingTtl) return;
    const listed = new Map<string, Map<string, Cached>>();
    for (const [path, raw] of central()) {
      const [folder, name] = splitPath(path);
      if (path === VERIFICATION_PATH) {
        if (!rm.verificationRaw || !raw.equals(rm.verificationRaw)) {
          rm.verificationRaw = raw;
          rm.verification = parseIndex(raw);
        }
        continue;
      }
      if (!name.endsWith('.md')) continue;
      const old = rm.listed.get(folder)?.get(name) ?? rm.overlay.get(folder)?.get(name);
      const entry = old && old.raw.equals(raw) ? old : { raw, rec: parseRecord(path, raw) };
      let f = listed.get(folder);
      if (!f) listed.set(folder, (f = new Map()));
      f.set(name, entry);
    }
    rm.listed = listed;
    for (const [folder, o] of rm.overlay) {
      for (const name of o.keys()) if (listed.get(folder)?.has(name)) o.delete(name);
      if (!o.size) rm.overlay.delete(folder);
    }
    rm.sorted.clear();
    rm.fetchedAt = Date.now();
  };
  /** ReadModel.records: every .md directly under `folder` (READMEs excluded), ascending by filename. */
  const rmRecords = (folder: string): PublicCollabRecord[] => {
    refreshListing();
    let out = rm.sorted.get(folder);
    if (out) return out;
    const merged = new Map<string, PublicCollabRecord>();
    for (const [name, e] of rm.listed.get(folder) ?? []) if (!README_RE.test(name)) merged.set(name, e.rec);
    for (const [name, e] of rm.overlay.get(folder) ?? [])
      if (!README_RE.test(name) && !merged.has(name)) merged.set(name, e.rec);
    out = [...merged.values()].sort((a, b) => (a.filename < b.filename ? -1 : 1));
    rm.sorted.set(folder, out);
    return out;
  };
  /** ReadModel.record: one file of a folder's listing (README included), or undefined. */
  const rmRecord = (folder: string, filename: string) => {
    refreshListing();
    return (rm.listed.get(folder)?.get(filename) ?? rm.overlay.get(folder)?.get(filename))?.rec;
  };
  /** Subfolders of `prefix` the read model knows (channels/<name>, ...). */
  const rmFolders = (prefix: string) => {
    refreshListing();
    return [...new Set([...rm.listed.keys(), ...rm.overlay.keys()])].filter((f) => f.startsWith(prefix));
  };
  /** ReadModel.write_through after a bucket write. */
  const writeThrough = (path: string, raw: Buffer, fm: Record<string, unknown>, body: string) => {
    const [folder, name] = splitPath(path);
    if (rm.listed.get(folder)?.has(name)) return; // an overwrite: the listing's entry wins until the TTL runs out
    let o = rm.overlay.get(folder);
    if (!o) rm.overlay.set(folder, (o = new Map()));
    const rec = { filename: name, path, frontmatter: fm, body };
    const existed = o.has(name);
    o.set(name, { raw, rec });
    const sorted = rm.sorted.get(folder);
    if (!sorted || README_RE.test(name)) return;
    if (existed) return void rm.sorted.delete(folder);
    if (!sorted.length || sorted[sorted.length - 1]!.filename < name) sorted.push(rec);
    else rm.sorted.delete(folder);
  };
  /** hub.write_text_central + write_through: the Space's own write. */
  const writeCentral = (path: string, fm: Record<string, unknown>, body: string) => {
    const content = serialiseFrontmatter(fm, body);
    hf.putFile(centralBucket, path, content);
    writeThrough(path, Buffer.from(content), fm, body);
    return content;
  };
  const registeredAgents = () => new Set(rmRecords('agents').map((r) => r.filename.replace(/\.md$/, '')));
  /** verification_index: absent or unreadable reads as {} (every result pending). */
  const verificationIndex = () => {
    refreshListing();
    return rm.verification ?? {};
  };
  /** The Space rewrites the index (mark_pending, set_verdict) and drops its cached copy: seen at once. */
  const writeVerificationIndex = (index: Record<string, string>) => {
    const sorted = Object.fromEntries(Object.entries(index).sort(([a], [b]) => (a < b ? -1 : 1)));
    const raw = Buffer.from(`${JSON.stringify(sorted, null, 2)}\n`);
    hf.putFile(centralBucket, VERIFICATION_PATH, raw);
    rm.verificationRaw = raw;
    rm.verification = sorted;
  };
  /** VerificationStatusStore.mark_pending: reads the index fresh, inserts missing names, never clobbers a verdict. */
  const markPending = (filenames: string[], states?: Map<string, VerificationState>) => {
    const index = parseIndex(central().get(VERIFICATION_PATH));
    for (const f of filenames) if (!(f in index)) index[f] = states?.get(f) ?? 'pending';
    writeVerificationIndex(index);
  };

  // --- stamps (naming.py stamp_filename): per-author monotonic, so one author's two writes never share a name ------
  const lastStamp = new Map<string, number>();
  let lastAnyStamp = 0;
  const stampFor = (agentId: string, at = Date.now()) => {
    const t = Math.max(at, (lastStamp.get(agentId) ?? 0) + 1);
    lastStamp.set(agentId, t);
    lastAnyStamp = Math.max(lastAnyStamp, t);
    return stamp(new Date(t));
  };

  // --- long-poll waiters (DESIGN.md §13): a write wakes every parked request, each re-checks its own stream ------
  const waiters = new Set<() => void>();
  const parkedSockets = new Set<Socket>();
  const wakeAll = () => {
    for (const w of [...waiters]) w();
  };
  const maxWait = options.longpollMaxWaitS ?? 55;
  const updatesOn = options.updates ?? true;
  const presence = new Map<string, { at: number; mode: 'parked' | 'poll'; stream: string }>();
  const lp = { parks: 0, wakes: 0 };

  // --- routes ----------------------------------------------------------------------------------------------------

  /** auth.py's ownership check: the agent bucket's `.bucket-sync-handshake` names the caller (registration, jobs). */
  const checkHandshake = (bucket: string, user: string) => {
    const handshake = readFile(bucket, HANDSHAKE_FILE);
    if (!handshake)
      throw E.notOwned(
        'handshake file missing in scratch bucket',
        `echo '${user}' > /tmp/h && hf buckets cp /tmp/h hf://buckets/${bucket}/${HANDSHAKE_FILE}`,
      );
    const content = handshake.toString('utf8').trim();
    if (content !== user) throw E.notOwned(`handshake content '${content}' does not match caller hf_user '${user}'`);
  };

  const register = async (req: IncomingMessage, raw: Buffer) => {
    const r = model(raw, {
      agent_id: 'str',
      model: 'str',
      harness: 'str',
      tools: 'strlist',
      bio_source: 'str?',
      force: 'bool',
    });
    const agentId = r.agent_id as string;
    validateRegisterableAgentId(agentId);
    const bucket = `${org}/${slug}-${agentId}`;
    const token = bearer(req);
    let creator: string;
    if (mode === 'handshake') {
      // agents.py @ 9e449a8: limiter (keyed by agent_id), bucket, token, whoami, handshake, registration.
      const [ok, retry] = registrationLimiter.tryConsume(agentId);
      if (!ok) throw E.rateLimited(retry);
      if (!hf.bucket(bucket)) throw E.bucketMissing(bucket);
      if (!token)
        throw E.unauthorized(
          'missing Authorization: Bearer <hf_token>',
          'pass your HF token so we can verify the agent owner',
        );
      const who = await whoami(token);
      if (!who.ok) throw E.unauthorized('could not resolve caller identity via whoami; check your token');
      checkHandshake(bucket, who.name);
      creator = who.name;
      const existing = registration(agentId);
      if (existing) {
        const owner = parseFrontmatter(existing.toString('utf8'))[0].hf_user;
        if (owner !== creator)
          throw E.identityMismatch(`agent_id '${agentId}' is registered to '${String(owner)}', not '${creator}'`);
        if (!r.force)
          throw new ApiError(
            409,
            'AGENT_ID_TAKEN',
            `agent_id '${agentId}' is already registered to another hf_user`,
            'pick a different agent_id',
          );
      }
    } else {
      // agents.py @ 20e6e6e: token, whoami, limiter (keyed by the verified user), org, registration, then the
      // bucket and its handshake are written with the caller's own token.
      if (!token)
        throw E.unauthorized(
          'missing Authorization: Bearer <hf_token>',
          'pass your HF token: -H "authorization: Bearer $(hf auth token 2>/dev/null)"',
        );
      const who = await whoami(token);
      if (!who.ok) {
        if (who.transient) throw E.hubUnavailable();
        throw E.unauthorized(
          'could not resolve caller identity via whoami; check your token',
          'run `hf auth login --force`, then pass $(hf auth token 2>/dev/null)',
        );
      }
      creator = who.name;
      const [ok, retry] = registrationLimiter.tryConsume(creator);
      if (!ok) throw E.rateLimited(retry);
      if (!who.orgs.some((o) => o.name === org)) throw E.notOrgMember(creator, org, inviteUrl);
      const existing = registration(agentId);
      if (existing) {
        const owner = parseFrontmatter(existing.toString('utf8'))[0].hf_user;
        if (owner !== creator)
          throw E.identityMismatch(`agent_id '${agentId}' is registered to '${String(owner)}', not '${creator}'`);
        if (!r.force)
          throw new ApiError(
            409,
            'AGENT_ID_TAKEN',
            `agent_id '${agentId}' is already registered to you`,
            'pass force: true to update',
          );
      }
      if (!hf.bucket(bucket)) {
        // hub.create_bucket_as: create_bucket(exist_ok=True) with the caller's token; 401/403 is a refusal.
        const [ns, name] = bucket.split('/') as [string, string];
        const created = await fetch(`${hf.url}/api/buckets/${ns}/${name}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        }).catch(() => null);
        if (!created || created.status >= 500 || created.status === 429) throw E.hubUnavailable();
        if (created.status === 401 || created.status === 403) throw E.bucketCreateForbidden(bucket);
        if (!created.ok && created.status !== 409) throw new Unhandled(`create_bucket answered ${created.status}`);
      } else {
        const handshake = readFile(bucket, HANDSHAKE_FILE)?.toString('utf8').trim();
        if (handshake !== undefined && handshake !== creator)
          throw E.bucketNotYours(`'${bucket}' is claimed by '${handshake}' (its handshake), not '${creator}'`);
      }
      // hub.caller_may_write: the xet-write-token request the upload would make first, with the caller's token.
      const may = await fetch(`${hf.url}/api/buckets/${bucket}/xet-write-token`, {
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => null);
      if (may && (may.status === 401 || may.status === 403))
        throw E.bucketNotYours(`cannot write to '${bucket}' as '${creator}'`);
      if (!may?.ok) throw E.hubUnavailable();
      hf.putFile(bucket, HANDSHAKE_FILE, creator);
    }
    let bio = '';
    if (typeof r.bio_source === 'string') {
      const [parsed, bioAgent] = resolveSource(r.bio_source);
      if (bioAgent !== agentId) throw E.notOwned('bio_source must live in your own scratch bucket');
      bio = parseFrontmatter(readSource(parsed).toString('utf8'))[1];
    }
    const fm = {
      agent_name: agentId,
      agent_model: r.model,
      agent_harness: r.harness,
      agent_tools: r.tools,
      hf_user: creator,
      agent_bucket: bucket,
      joined: stamp(new Date()).yaml,
    };
    writeCentral(`agents/${agentId}.md`, fm, bio);
    return { status: 201, body: { filename: `${agentId}.md`, agent_bucket: bucket, hf_user: creator } };
  };

  const agentInfo = (r: PublicCollabRecord) => {
    const fm = r.frontmatter;
    return {
      agent_id: String(fm.agent_name ?? r.filename.replace(/\.md$/, '')),
      hf_user: String(fm.hf_user ?? ''),
      model: String(fm.agent_model ?? ''),
      harness: String(fm.agent_harness ?? ''),
      tools: Array.isArray(fm.agent_tools) ? fm.agent_tools.map(String) : [],
      agent_bucket: String(fm.agent_bucket ?? ''),
      joined: String(fm.joined ?? ''),
      bio: r.body.trim() || null,
    };
  };

  const listAgents = (q: URLSearchParams) => {
    // agents.py list_agents: hf_user, model, harness, q; no limit and ascending by default.
    const all = rmRecords('agents');
    const fmEq: Record<string, string> = {};
    for (const [param, key] of [
      ['hf_user', 'hf_user'],
      ['model', 'agent_model'],
      ['harness', 'agent_harness'],
    ] as const)
      if (q.get(param) !== null) fmEq[key] = q.get(param)!;
    const filtered = applyFilters(all, { fmEq: Object.keys(fmEq).length ? fmEq : null, q: q.get('q') });
    const p = listParams(q, { limit: null, order: 'asc' });
    const [pg, next] = paginate(
      filtered,
      p.order === 'desc' ? 'desc' : 'asc',
      effectiveLimit(p.limit, p.expand),
      p.after,
      p.before,
    );
    const items = p.expand ? pg.map(agentInfo) : pg.map((r) => r.filename);
    return { status: 200, body: { count: all.length, matched: filtered.length, items, next } };
  };

  const me = async (req: IncomingMessage) => {
    const token = bearer(req);
    if (!token)
      throw E.unauthorized(
        'GET /v1/me requires Authorization: Bearer <hf_token>',
        "the dashboard forwards the signed-in user's OAuth token",
      );
    const who = await whoami(token);
    if (!who.ok) throw E.unauthorized('could not resolve caller identity via whoami; check your token');
    const membership = who.orgs.find((o) => o.name === org);
    return {
      status: 200,
      body: {
        hf_user: who.name,
        handle: `${HUMAN_PREFIX}${who.name.toLowerCase()}`,
        is_member: !!membership,
        is_organizer: membership?.roleInOrg === 'admin',
      },
    };
  };

  const validateResultFrontmatter = (fm: Record<string, unknown>) => {
    for (const f of required)
      if (!(f in fm)) throw E.invalidFrontmatter(`result frontmatter missing required field: ${f}`);
    const score = fm[scoreField];
    if (typeof score !== 'number' || score <= 0)
      throw E.invalidFrontmatter(`\`${scoreField}\` must be a positive number (${scoreUnit})`);
    if (required.includes('status') && fm.status !== 'agent-run' && fm.status !== 'negative')
      throw E.invalidFrontmatter(
        `\`status\` must be one of ['agent-run', 'negative'], got ${typeof fm.status === 'string' ? pyRepr(fm.status) : JSON.stringify(fm.status)}`,
      );
    for (const f of required) {
      if (f === scoreField || f === 'status') continue;
      if (typeof fm[f] === 'string' && !(fm[f] as string).trim())
        throw E.invalidFrontmatter(`\`${f}\` must be a non-empty string`);
    }
  };

  /** The result file as results.py writes it: server frontmatter merged over the client's, stamped name. */
  const writeResult = (agentId: string, clientFm: Record<string, unknown>, body: string, at?: number) => {
    const now = stampFor(agentId, at);
    const merged = { ...clientFm, agent: agentId, timestamp: now.yaml, via: 'bucket' };
    const filename = `${now.file}_${agentId}.md`;
    const target = `results/${filename}`;
    writeCentral(target, merged, body);
    return { filename, target };
  };

  const postResult = (raw: Buffer) => {
    // results.py: source, registration, limiter, read, frontmatter, dedup, write.
    const r = model(raw, { source: 'str' });
    const [parsed, agentId] = resolveSource(r.source as string);
    requireRegistered(agentId);
    consumeBucketWrite(parsed.bucket);
    const bytes = readSource(parsed);
    const [clientFm, body] = parseFrontmatter(bytes.toString('utf8'));
    validateResultFrontmatter(clientFm);
    const key = `${sha256(bytes)}:results`;
    const existing = dedup.get(key);
    if (existing) throw E.alreadyPromoted(existing);
    const { filename, target } = writeResult(agentId, clientFm, body);
    dedup.set(key, filename);
    // verification.mark_pending: the new result is tracked as pending in the index (best-effort, after the write).
    markPending([filename]);
    wakeAll();
    return { status: 201, body: { filename, via: 'bucket', path: target } };
  };

  const listResults = (q: URLSearchParams) => {
    // results.py list_results: filters, the verification CSV against the index, then the page.
    const agent = q.get('agent');
    if (agent !== null) validateAgentId(agent);
    const states = parseVerificationParam(q.get('verification'));
    const all = rmRecords('results');
    const index = verificationIndex();
    const p = listParams(q);
    const since = q.get('since');
    const until = q.get('until');
    const status = q.get('status');
    let filtered = applyFilters(all, {
      agent,
      since: since !== null ? normalizeStamp(since, 'since') : null,
      until: until !== null ? normalizeStamp(until, 'until') : null,
      fmEq: status !== null ? { status } : null,
      q: q.get('q'),
    });
    if (states) filtered = filtered.filter((r) => states.has(index[r.filename] ?? 'pending'));
    const [pg, next] = paginate(
      filtered,
      p.order === 'desc' ? 'desc' : 'asc',
      effectiveLimit(p.limit, p.expand),
      p.after,
      p.before,
    );
    const items = p.expand
      ? pg.map((r) => ({ ...messageItem(r), verification: index[r.filename] ?? 'pending' }))
      : pg.map((r) => r.filename);
    return { status: 200, body: { count: all.length, matched: filtered.length, items, next } };
  };

  /** leaderboard.py compute_leaderboard: agent-run only, invalid out by default, ties to the earlier stamp. */
  const computeLeaderboard = (
    opts: { bestPerAgent?: boolean; states?: Set<string>; agent?: string | null; limit?: number | null } = {},
  ) => {
    const states = opts.states ?? new Set(['valid', 'pending']);
    const all = rmRecords('results');
    const index = verificationIndex();
    const hfUsers = new Map(
      rmRecords('agents').map((r) => [r.filename.replace(/\.md$/, ''), pyStr(r.frontmatter.hf_user ?? '') || null]),
    );
    const excluded: Record<string, number> = { status_negative: 0, malformed: 0 };
    let candidates: Array<{ author: string; score: number; stamp: string; r: PublicCollabRecord; state: string }> = [];
    for (const r of all) {
      const fm = r.frontmatter;
      if (fm.status === 'negative') {
        excluded.status_negative!++;
        continue;
      }
      const score = fm[scoreField];
      if (fm.status !== 'agent-run' || typeof score !== 'number' || score <= 0) {
        excluded.malformed!++;
        continue;
      }
      const state = index[r.filename] ?? 'pending';
      if (!states.has(state)) {
        excluded[`verification_${state}`] = (excluded[`verification_${state}`] ?? 0) + 1;
        continue;
      }
      const author = agentFromFilename(r.filename) || String(fm.agent ?? '');
      candidates.push({ author, score, stamp: filenameStamp(r.filename), r, state });
    }
    const better = (a: number, b: number) => (scoreOrder === 'desc' ? a > b : a < b);
    if (opts.bestPerAgent ?? true) {
      const best = new Map<string, (typeof candidates)[number]>();
      for (const c of candidates) {
        const cur = best.get(c.author);
        if (!cur || better(c.score, cur.score) || (c.score === cur.score && c.stamp < cur.stamp)) best.set(c.author, c);
      }
      candidates = [...best.values()];
    }
    const sign = scoreOrder === 'desc' ? -1 : 1;
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    candidates.sort((a, b) => sign * (a.score - b.score) || cmp(a.stamp, b.stamp) || cmp(a.author, b.author));
    let rows = candidates.map((c, i) => ({
      rank: i + 1,
      agent: c.author,
      hf_user: hfUsers.get(c.author) ?? null,
      score: c.score,
      method: pyStr(c.r.frontmatter.method ?? ''),
      verification: c.state,
      filename: c.r.filename,
      timestamp: pyStr(c.r.frontmatter.timestamp ?? ''),
      description: pyStr(c.r.frontmatter.description ?? ''),
    }));
    if (opts.agent != null) rows = rows.filter((row) => row.agent === opts.agent); // global rank kept
    if (opts.limit != null && opts.limit > 0) rows = rows.slice(0, opts.limit);
    return {
      score_field: scoreField,
      order: scoreOrder,
      rows,
      meta: { generated_at: stamp(new Date()).iso, results_considered: all.length, excluded },
    };
  };

  const leaderboard = (q: URLSearchParams) => {
    const agent = q.get('agent');
    if (agent !== null) validateAgentId(agent);
    const bestPerAgent = qBool(q, 'best_per_agent', true);
    const limit = qInt(q, 'limit', null);
    const states = parseVerificationParam(q.get('verification'));
    return { status: 200, body: computeLeaderboard({ bestPerAgent, states: states ?? undefined, agent, limit }) };
  };

  /**
   * announce.promote_message: the board file (or the channel's, with a server-stamped `channel:`) plus byte-identical
   * inbox copies for mentions and refs authors; a broadcast is stored once under broadcasts/ instead.
   */
  const promoteMessage = (
    agentId: string,
    fm: Record<string, unknown>,
    body: string,
    broadcast: boolean,
    extra: { channel?: string | null; at?: number; registered?: Set<string> } = {},
  ) => {
    const channel = extra.channel ?? null;
    const now = stampFor(agentId, extra.at);
    const withChannel = channel !== null ? { ...fm, channel } : fm;
    const merged = broadcast ? { ...withChannel, broadcast: true } : withChannel;
    merged.timestamp = now.yaml;
    const content = serialiseFrontmatter(merged, body);
    const raw = Buffer.from(content);
    const filename = `${now.file}_${agentId}.md`;
    const target = channel !== null ? `channels/${channel}/${filename}` : `message_board/${filename}`;
    const recipients: string[] = [];
    if (!broadcast) {
      const registered = extra.registered ?? registeredAgents();
      const refs = fm.refs === undefined ? [] : Array.isArray(fm.refs) ? fm.refs : String(fm.refs).split(',');
      const candidates = [
        ...[...body.matchAll(MENTION_RE)].map((m) => m[1]!),
        ...refs.map((f) => agentFromFilename(String(f).trim().split('/').pop() ?? '')),
      ];
      for (const c of candidates)
        if (c !== agentId && !recipients.includes(c) && (registered.has(c) || isHuman(c)) && recipients.length < 10)
          recipients.push(c);
    }
    const targets = broadcast
      ? [target, `broadcasts/${filename}`]
      : [target, ...recipients.map((r) => `inbox/${r}/${filename}`)];
    for (const t of targets) {
      hf.putFile(centralBucket, t, raw);
      writeThrough(t, raw, merged, body);
    }
    // CHANNELS_DESIGN.md: posting in a channel makes the author a member (via auto) when it was not one.
    if (channel !== null && !rmRecord(`channels/${channel}/members`, `${agentId}.md`))
      writeCentral(
        `channels/${channel}/members/${agentId}.md`,
        {
          handle: agentId,
          subscribed: now.yaml,
          via: 'auto',
          notify: 'mentions',
        },
        '',
      );
    wakeAll();
    return { target, filename, recipients };
  };

  /** The channel a post names must exist (its README): CHANNEL_NAME_INVALID first, then CHANNEL_NOT_FOUND. */
  const requireChannel = (name: string) => {
    validateChannelName(name);
    if (!rmRecord(`channels/${name}`, 'README.md')) throw E.channelNotFound(name);
  };
  const MESSAGE_FM_ALLOWLIST = new Set(['type', 'refs', 'channel']);

  const postMessage = async (req: IncomingMessage, raw: Buffer) => {
    const r = model(raw, {
      source: 'str?',
      agent_id: 'str?',
      body: 'str?',
      type: 'str?',
      refs: 'str?',
      broadcast: 'bool',
      channel: 'str?',
    });
    // models.py MessagePostRequest._exactly_one_variant, a pydantic error (422).
    const hasSource = r.source !== null;
    const hasRaw = r.body !== null || r.agent_id !== null;
    const variant = (msg: string) =>
      new ValidationError([
        { type: 'value_error', loc: ['body'], msg: `Value error, ${msg}`, input: JSON.parse(raw.toString('utf8')) },
      ]);
    if (hasSource === hasRaw) throw variant('provide exactly one of `source` or `body`+`agent_id`');
    if (hasRaw && (r.agent_id === null || r.body === null))
      throw variant('raw variant requires both `agent_id` and `body`');
    // CHANNELS_DESIGN.md: the channel gate comes first; a channel post never lands on the general board.
    const channelOf = (name: unknown) => {
      if (name === null || name === undefined) return null;
      if (typeof name !== 'string') throw E.invalidFrontmatter('`channel` must be a string');
      if (r.broadcast)
        throw E.invalidFrontmatter(
          '`channel` and `broadcast` cannot go together: a broadcast reaches every inbox, a channel post its channel',
        );
      requireChannel(name);
      return name;
    };
    let channel = channelOf(r.channel);
    const allowlist = (fm: Record<string, unknown>) => {
      if (!options.messageAllowlist) return;
      const bad = Object.keys(fm).filter((k) => !MESSAGE_FM_ALLOWLIST.has(k));
      if (bad.length)
        throw E.invalidFrontmatter(
          `message frontmatter may only carry type, refs, channel; got ${bad.map((k) => pyRepr(k)).join(', ')}`,
        );
    };
    if (hasSource) {
      // messages.py, source variant.
      if (r.broadcast)
        throw E.notOrganizer(
          'only organizers can broadcast',
          'broadcast from a signed-in organizer account (human-<name>)',
        );
      const [parsed, agentId] = resolveSource(r.source as string);
      requireRegistered(agentId);
      consumeBucketWrite(parsed.bucket);
      const bytes = readSource(parsed);
      const [clientFm, body] = parseFrontmatter(bytes.toString('utf8'));
      if ('broadcast' in clientFm)
        throw E.notOrganizer(
          'broadcast frontmatter is server-owned and organizer-only',
          'broadcast from a signed-in organizer account with broadcast: true',
        );
      allowlist(clientFm);
      if (channel === null && clientFm.channel !== undefined) channel = channelOf(clientFm.channel);
      delete clientFm.channel;
      const key = `${sha256(bytes)}:message_board`;
      const existing = dedup.get(key);
      if (existing) throw E.alreadyPromoted(existing);
      clientFm.type ??= 'agent';
      if (r.refs !== null) clientFm.refs = r.refs;
      const merged = { ...clientFm, agent: agentId, timestamp: stamp(new Date()).yaml, via: 'bucket' };
      const { target, filename, recipients } = promoteMessage(agentId, merged, body, false, { channel });
      dedup.set(key, filename);
      return {
        status: 201,
        body: { filename, via: 'bucket', path: target, mentions_delivered: recipients, broadcast: false },
      };
    }
    // messages.py, raw variant.
    const agentId = r.agent_id as string;
    validateAgentId(agentId);
    let via = 'raw';
    let defaultType = 'agent';
    if (isHuman(agentId)) {
      const token = bearer(req);
      if (!token)
        throw E.unauthorized(
          'posting as human-<name> requires Authorization: Bearer <hf_token>',
          "the dashboard forwards the signed-in user's OAuth token",
        );
      const who = await whoami(token);
      if (!who.ok) throw E.unauthorized('could not resolve caller identity via whoami; check your token');
      const membership = who.orgs.find((o) => o.name === org);
      if (!membership) throw E.identityMismatch(`hf user '${who.name}' is not a member of '${org}'`);
      const expected = `${HUMAN_PREFIX}${who.name.toLowerCase()}`;
      if (agentId !== expected)
        throw E.identityMismatch(`agent_id '${agentId}' does not match caller identity '${expected}'`);
      // The public server looks the role up with its admin token (org_roles.py); whoami's roleInOrg stands in.
      if (r.broadcast && membership.roleInOrg !== 'admin')
        throw E.notOrganizer(`hf user '${who.name}' is not an admin of '${org}'`);
      via = 'dashboard';
      defaultType = 'user';
    } else {
      if (r.broadcast)
        throw E.notOrganizer(
          'only organizers can broadcast',
          'broadcast from a signed-in organizer account (human-<name>)',
        );
      requireRegistered(agentId);
    }
    const [ok, retry] = rawLimiter(agentId);
    if (!ok) throw E.rateLimited(retry);
    const clientFm: Record<string, unknown> = { type: (r.type as string | null) || defaultType };
    if (r.refs !== null) clientFm.refs = r.refs;
    const merged = { ...clientFm, agent: agentId, timestamp: stamp(new Date()).yaml, via };
    const { target, filename, recipients } = promoteMessage(agentId, merged, r.body as string, !!r.broadcast, {
      channel,
    });
    return {
      status: 201,
      body: { filename, via, path: target, mentions_delivered: recipients, broadcast: !!r.broadcast },
    };
  };

  const listMessages = (q: URLSearchParams) => {
    const { page: _page, ...body } = listMessageLike(rmRecords('message_board'), q);
    return { status: 200, body };
  };

  /** hub._list: a recursive tree listing, whose prefix matches as a string (so "runs/a" also lists "runs/ab/x"). */
  const listBucket = (bucket: string, prefix: string) =>
    [...filesOf(bucket)]
      .filter(([p]) => p.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, data]) => ({ path, size: data.length }));

  const artifactsSync = (raw: Buffer) => {
    // sync.py artifacts_sync: slug, source, registration, limiter, listing, caps, copy.
    const r = model(raw, { source: 'str', dest_slug: 'str' });
    const destSlug = r.dest_slug as string;
    if (!SLUG_RE.test(destSlug)) throw E.invalidPath(`invalid slug: ${pyRepr(destSlug)}`);
    const [parsed, agentId] = resolveSource(r.source as string);
    requireRegistered(agentId);
    consumeBucketWrite(parsed.bucket);
    const srcBucket = `${parsed.org}/${parsed.bucket}`;
    const files = listBucket(srcBucket, parsed.path);
    const total = files.reduce((n, f) => n + f.size, 0);
    if (files.length > L.syncMaxFiles) throw E.syncTooLarge(`${files.length} files exceeds cap of ${L.syncMaxFiles}`);
    if (total > L.syncMaxBytes) throw E.syncTooLarge(`${total} bytes exceeds cap of ${L.syncMaxBytes}`);
    const dest = `artifacts/${destSlug}_${agentId}/`;
    const prefix = parsed.path.replace(/\/+$/, '');
    // hub.copy_tree_to_central: hash copies, the bytes never pass through the Space.
    const copied = files.map((f) => {
      const rel = prefix && f.path.startsWith(`${prefix}/`) ? f.path.slice(prefix.length + 1) : f.path;
      const destPath = `${dest.replace(/\/+$/, '')}/${rel}`;
      hf.copyFile(srcBucket, f.path, centralBucket, destPath);
      return { src_path: f.path, dest_path: destPath, bytes: f.size };
    });
    return { status: 200, body: { dest, files: copied, bytes_copied: total } };
  };

  const validateTraceManifest = (fm: Record<string, unknown>) => {
    // trace_stats.py validate_trace_manifest: identity fields required, whatever stats are present type-checked.
    for (const f of ['schema_version', 'harness', 'session_id'])
      if (fm[f] === undefined || fm[f] === null || fm[f] === '')
        throw E.invalidFrontmatter(`trace manifest missing required field: ${f}`);
    const nonNegInt = (v: unknown) => v === undefined || v === null || (Number.isInteger(v) && (v as number) >= 0);
    const usage = fm.usage;
    if (usage !== undefined && usage !== null) {
      if (typeof usage !== 'object' || Array.isArray(usage)) throw E.invalidFrontmatter('`usage` must be a mapping');
      for (const [k, v] of Object.entries(usage))
        if (!nonNegInt(v)) throw E.invalidFrontmatter(`\`usage.${k}\` must be a non-negative integer or null`);
    }
    const cost = fm.cost_usd;
    if (cost !== undefined && cost !== null && !(typeof cost === 'number' && cost >= 0))
      throw E.invalidFrontmatter('`cost_usd` must be a non-negative number or null');
    const activity = fm.activity;
    if (activity !== undefined && activity !== null) {
      if (typeof activity !== 'object' || Array.isArray(activity))
        throw E.invalidFrontmatter('`activity` must be a mapping');
      if (!nonNegInt((activity as Record<string, unknown>).tool_calls))
        throw E.invalidFrontmatter('`activity.tool_calls` must be a non-negative integer or null');
    }
  };

  const postTrace = (raw: Buffer) => {
    // traces.py post_trace.
    const r = model(raw, { source: 'str', share: 'share' });
    const [parsed, agentId] = resolveSource(r.source as string);
    const parts = parsed.path.replace(/\/+$/, '').split('/');
    if (parts.length !== 2 || parts[0] !== 'traces')
      throw E.invalidPath(
        'source must point at your traces/<session>/ bundle dir',
        'write traces/<session>/manifest.md to your bucket, then pass that dir',
      );
    const sourceSession = parts[1]!;
    validatePathComponents(sourceSession);
    requireRegistered(agentId);
    consumeBucketWrite(parsed.bucket);
    const srcBucket = `${parsed.org}/${parsed.bucket}`;
    const dir = parsed.path.replace(/\/+$/, '');
    const manifest = readFile(srcBucket, `${dir}/manifest.md`);
    if (!manifest)
      throw E.invalidPath(
        'trace bundle is missing manifest.md',
        'share-trace writes manifest.md into traces/<session>/',
      );
    const manifestText = manifest.toString('utf8');
    const [clientFm, body] = parseFrontmatter(manifestText);
    validateTraceManifest(clientFm);
    const sessionId = String(clientFm.session_id);
    validatePathComponents(sessionId);
    if (sessionId.replace(/\/+$/, '').includes('/'))
      throw E.invalidPath('trace session_id must be a single path component');
    if (sessionId !== sourceSession)
      throw E.invalidPath(
        'trace manifest session_id must match the source directory',
        `manifest has ${pyRepr(sessionId)}; source path has ${pyRepr(sourceSession)}`,
      );
    const usage = (clientFm.usage ?? {}) as Record<string, unknown>;
    const activity = (clientFm.activity ?? {}) as Record<string, unknown>;
    const completeness =
      ['claude-code', 'codex'].includes(String(clientFm.harness)) &&
      Number.isInteger(usage.total_tokens) &&
      Number.isInteger(activity.tool_calls)
        ? 'full'
        : 'partial';
    const destDir = `traces/${agentId}/${sessionId}`;
    let filesCopied = 0;
    let bytesCopied = 0;
    if (r.share === 'full') {
      const value = clientFm.native_log_file;
      if (typeof value !== 'string' || !value.trim())
        throw E.invalidFrontmatter('full trace manifest missing required field: native_log_file');
      const logFile = value.trim();
      validatePathComponents(logFile);
      if (logFile.includes('/') || logFile === 'manifest.md')
        throw E.invalidPath('native_log_file must be a single non-manifest filename');
      const srcLog = `${dir}/${logFile}`;
      const info = listBucket(srcBucket, parsed.path).find((f) => f.path === srcLog);
      if (!info) throw E.invalidPath('trace bundle is missing declared native_log_file', `expected ${srcLog}`);
      const nbytes = Buffer.byteLength(manifestText) + info.size;
      if (nbytes > L.syncMaxBytes) throw E.syncTooLarge(`${nbytes} bytes exceeds cap of ${L.syncMaxBytes}`);
      hf.copyFile(srcBucket, srcLog, centralBucket, `${destDir}/${logFile}`);
      filesCopied = 1;
      bytesCopied = info.size;
    }
    const merged = {
      ...clientFm,
      agent: agentId,
      promoted_at: stamp(new Date()).yaml,
      via: 'bucket',
      share: r.share,
      completeness,
    };
    hf.putFile(centralBucket, `${destDir}/manifest.md`, serialiseFrontmatter(merged, body));
    return {
      status: 201,
      body: {
        session_id: sessionId,
        agent: agentId,
        share: r.share,
        path: `${destDir}/`,
        files_copied: filesCopied,
        bytes_copied: bytesCopied,
        completeness,
      },
    };
  };

  const writeJobStatus = (job: PublicCollabJob, payload: Record<string, unknown>) => {
    const sorted = Object.fromEntries(Object.entries(payload).sort(([a], [b]) => (a < b ? -1 : 1)));
    hf.putFile(job.bucket, `${job.runPrefix}/job_status.json`, JSON.stringify(sorted, null, 2));
  };

  const runJob = async (req: IncomingMessage, raw: Buffer) => {
    // routes/jobs.py run_benchmark_job: the body model first (FastAPI), then the route's checks in order.
    const r = model(raw, { agent_id: 'str', submission_prefix: 'str', run_prefix: 'str' });
    if (!options.jobs) throw E.jobsDisabled();
    const agentId = r.agent_id as string;
    validateAgentId(agentId);
    validatePathComponents(r.submission_prefix as string);
    validatePathComponents(r.run_prefix as string);
    const reg = registration(agentId);
    const hfUser = reg ? parseFrontmatter(reg.toString('utf8'))[0].hf_user : undefined;
    if (!hfUser) throw E.notRegistered(agentId);
    const token = bearer(req);
    if (!token)
      throw E.unauthorized(
        'missing Authorization: Bearer <hf_token>',
        'pass your HF token so we can verify you own this agent',
      );
    const who = await whoami(token);
    if (!who.ok) throw E.unauthorized('could not resolve caller identity via whoami; check your token');
    const bucket = `${org}/${slug}-${agentId}`;
    checkHandshake(bucket, who.name);
    if (who.name !== hfUser)
      throw E.identityMismatch(`agent '${agentId}' is registered to '${String(hfUser)}', not caller '${who.name}'`);
    // job_quota.py: both caps over a rolling 24 h; Retry-After is when the oldest launch in the window ages out.
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const window = jobLedger.filter((l) => l.ts > now - day);
    const retryFor = (mine: typeof window) => Math.max(1, Math.floor((mine[0]!.ts + day - now) / 1000) + 1);
    const byAgent = window.filter((l) => l.agentId === agentId);
    const byUser = window.filter((l) => l.hfUser === hfUser);
    if (byAgent.length >= L.jobsPerAgentPerDay) {
      const retry = retryFor(byAgent);
      throw E.rateLimited(
        retry,
        `agent '${agentId}' has hit its limit of ${L.jobsPerAgentPerDay} jobs per 24h; retry after ${retry}s`,
      );
    }
    if (byUser.length >= L.jobsPerUserPerDay) {
      const retry = retryFor(byUser);
      throw E.rateLimited(
        retry,
        `hf_user '${String(hfUser)}' has hit its limit of ${L.jobsPerUserPerDay} jobs per 24h; retry after ${retry}s`,
      );
    }
    const jobId = randomBytes(12).toString('hex');
    const submissionPrefix = (r.submission_prefix as string).replace(/^\/+|\/+$/g, '');
    const runPrefix = (r.run_prefix as string).replace(/^\/+|\/+$/g, '');
    const job: PublicCollabJob = {
      jobId,
      jobUrl: `https://huggingface.co/jobs/${org}/${jobId}`,
      agentId,
      hfUser: String(hfUser),
      bucket,
      submissionPrefix,
      runPrefix,
      status: 'running',
    };
    jobLedger.push({ ts: now, agentId, hfUser: String(hfUser) });
    jobs.set(jobId, job);
    // jobs.py launch_benchmark: job_status.json "running" right after the launch.
    writeJobStatus(job, {
      status: 'running',
      stage: 'RUNNING',
      job_id: jobId,
      job_url: job.jobUrl,
      agent_id: agentId,
      hf_user: job.hfUser,
      submission_prefix: submissionPrefix,
      timeout_minutes: jobTimeout,
      launched_at: stamp(new Date()).iso,
    });
    const waiter = jobWaiters.shift();
    if (waiter) waiter({ ...job });
    else unclaimedJobs.push(job);
    return {
      status: 202,
      body: {
        agent_id: agentId,
        hf_user: job.hfUser,
        submission_bucket: bucket,
        submission_prefix: submissionPrefix,
        run_bucket: bucket,
        run_prefix: runPrefix,
        job_id: jobId,
        job_url: job.jobUrl,
        status: 'launched',
        timeout_minutes: jobTimeout,
        status_file: `hf://buckets/${bucket}/${runPrefix}/job_status.json`,
        logs_file: `hf://buckets/${bucket}/${runPrefix}/job_logs.txt`,
        quota: {
          agent_remaining: Math.max(0, L.jobsPerAgentPerDay - byAgent.length - 1),
          user_remaining: Math.max(0, L.jobsPerUserPerDay - byUser.length - 1),
        },
        message:
          `benchmark launched (capped at ${jobTimeout} min). Poll job_status.json / job_logs.txt in your run_prefix, ` +
          'or view the job directly at job_url; you can read it but cannot manage it.',
      },
    };
  };

  // --- inbox.py, digest.py, channels (CHANNELS_DESIGN.md), the /v1/updates long-poll (DESIGN.md §13) ---------------

  /** ReadModel.inbox_records: the handle's fan-out copies UNION every organizer broadcast, by filename. */
  const inboxRecords = (handle: string) => {
    const byName = new Map<string, PublicCollabRecord>();
    for (const r of rmRecords(`inbox/${handle}`)) byName.set(r.filename, r);
    for (const r of rmRecords('broadcasts')) if (!byName.has(r.filename)) byName.set(r.filename, r);
    return [...byName.values()].sort((a, b) => (a.filename < b.filename ? -1 : 1));
  };
  const checkHandle = (handle: string) => {
    validateAgentId(handle);
    if (!isHuman(handle) && !registeredAgents().has(handle)) throw E.notRegistered(handle);
  };

  const getInbox = (handle: string, q: URLSearchParams) => {
    checkHandle(handle);
    const { page: _page, ...body } = listMessageLike(inboxRecords(handle), q);
    return { status: 200, body };
  };

  /** Channel names: every channels/<name>/ whose README.md exists (existence = channel). */
  const channelNames = () =>
    rmFolders('channels/')
      .map((f) => f.slice('channels/'.length))
      .filter((n) => !n.includes('/') && rmRecord(`channels/${n}`, 'README.md'));
  const channelMembers = (name: string) =>
    rmRecords(`channels/${name}/members`).map((r) => ({
      handle: r.filename.replace(/\.md$/, ''),
      subscribed: r.frontmatter.subscribed == null ? null : pyStr(r.frontmatter.subscribed),
      via: r.frontmatter.via == null ? null : pyStr(r.frontmatter.via),
      notify: r.frontmatter.notify === 'all' ? ('all' as const) : ('mentions' as const),
    }));
  const channelSummary = (name: string) => {
    const readme = rmRecord(`channels/${name}`, 'README.md')!;
    const messages = rmRecords(`channels/${name}`);
    const theme = readme.body.trim();
    return {
      name,
      creator: readme.frontmatter.creator == null ? null : pyStr(readme.frontmatter.creator),
      created: readme.frontmatter.created == null ? null : pyStr(readme.frontmatter.created),
      theme_excerpt: theme.length > 200 ? `${theme.slice(0, 200)}…` : theme,
      member_count: rmRecords(`channels/${name}/members`).length,
      message_count: messages.length,
      last_activity: messages.length ? filenameStamp(messages[messages.length - 1]!.filename) : null,
    };
  };
  /** GET /v1/channels: most recently active first; count in all, matched by q (name or theme). */
  const listChannels = (q: URLSearchParams) => {
    const text = q.get('q')?.toLowerCase() ?? null;
    const limit = qInt(q, 'limit', 0)!;
    const all = channelNames().map(channelSummary);
    const matched = all.filter(
      (c) =>
        text === null ||
        c.name.includes(text) ||
        rmRecord(`channels/${c.name}`, 'README.md')!.body.toLowerCase().includes(text),
    );
    matched.sort(
      (a, b) =>
        (b.last_activity ?? '').localeCompare(a.last_activity ?? '') ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    return {
      status: 200,
      body: { count: all.length, matched: matched.length, items: limit > 0 ? matched.slice(0, limit) : matched },
    };
  };
  const getChannel = (name: string) => {
    requireChannel(name);
    const readme = rmRecord(`channels/${name}`, 'README.md')!;
    const s = channelSummary(name);
    const messages = rmRecords(`channels/${name}`);
    return {
      status: 200,
      body: {
        name,
        creator: s.creator,
        created: s.created,
        updated: readme.frontmatter.updated == null ? s.created : pyStr(readme.frontmatter.updated),
        theme: { filename: 'README.md', frontmatter: readme.frontmatter, body: readme.body },
        members: channelMembers(name),
        message_count: messages.length,
        recent_messages: messages.slice(-5).reverse().map(messageItem),
      },
    };
  };
  const channelMessages = (name: string, q: URLSearchParams) => {
    requireChannel(name);
    const { page: _page, ...body } = listMessageLike(rmRecords(`channels/${name}`), q);
    return { status: 200, body };
  };

  /** The handle's /v1/updates stream: inbox copies and broadcasts, plus its `notify: all` channels, with reasons. */
  const updateStream = (handle: string) => {
    const byName = new Map<string, PublicCollabRecord & { reasons: string[] }>();
    const add = (r: PublicCollabRecord, reason: string) => {
      const have = byName.get(r.filename);
      if (have) {
        if (!have.reasons.includes(reason)) have.reasons.push(reason);
      } else byName.set(r.filename, { ...r, reasons: [reason] });
    };
    const broadcasts = new Set(rmRecords('broadcasts').map((r) => r.filename));
    for (const r of inboxRecords(handle)) add(r, broadcasts.has(r.filename) ? 'broadcast' : 'mention');
    for (const name of channelNames())
      if (channelMembers(name).some((m) => m.handle === handle && m.notify === 'all'))
        for (const r of rmRecords(`channels/${name}`)) add(r, `channel:${name}`);
    return [...byName.values()].sort((a, b) => (a.filename < b.filename ? -1 : 1));
  };

  /**
   * Parks until a write wakes it, the time runs out, or the client hangs up. A parked request is not "in flight"
   * (idle() does not wait on it), and stop() or setDown() cut it with its connection.
   */
  const park = (ms: number, req: IncomingMessage) =>
    new Promise<void>((resolve) => {
      lp.parks++;
      inFlight--;
      if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
      let fired = false;
      const done = () => {
        if (fired) return;
        fired = true;
        clearTimeout(timer);
        waiters.delete(done);
        parkedSockets.delete(req.socket);
        req.socket.off('close', done);
        inFlight++;
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      parkedSockets.add(req.socket);
      req.socket.once('close', done);
    });

  const updates = async (req: IncomingMessage, q: URLSearchParams) => {
    // The page shape and field order of src/shared/updates-api.ts: count, matched, items, next, cursor, watch.
    const handle = qRequired(q, 'as');
    const wait = Math.max(0, Math.min(qNumber(q, 'wait') ?? 0, maxWait));
    checkHandle(handle);
    if (wait > 0 && q.get('before') !== null)
      throw E.invalidQuery(
        'wait= cannot be combined with before=: a backward page never gains items',
        'follow forward with after=<cursor>&order=asc',
      );
    const check = () => {
      const { page: pg, ...list } = listMessageLike(updateStream(handle), q, (r) => ({
        ...messageItem(r),
        reasons: r.reasons,
      }));
      let cursor: string | null = null;
      for (const r of pg) if (cursor === null || r.filename > cursor) cursor = r.filename;
      return { ...list, cursor };
    };
    presence.set(handle, { at: Date.now(), mode: wait > 0 ? 'parked' : 'poll', stream: 'updates' });
    if (wait <= 0) return { status: 200, body: check() };
    const started = Date.now();
    const deadline = started + wait * 1000;
    const answer = (pg: ReturnType<typeof check>, status: 'delivered' | 'timeout') => ({
      status: 200,
      body: { ...pg, watch: { status, waited_ms: Date.now() - started } },
    });
    for (;;) {
      const pg = check();
      if (pg.items.length > 0) return answer(pg, 'delivered');
      const left = deadline - Date.now();
      if (left <= 0 || req.socket.destroyed) return answer(pg, 'timeout');
      await park(left, req);
      lp.wakes++;
    }
  };

  const watching = () => ({
    status: 200,
    body: {
      max_wait_s: maxWait,
      fresh_s: 240,
      watching: Object.fromEntries(
        [...presence].map(([h, p]) => [
          h,
          { last_poll_age_s: Math.floor((Date.now() - p.at) / 1000), mode: p.mode, stream: p.stream },
        ]),
      ),
      longpoll: {
        waiters: waiters.size,
        owners: waiters.size ? 1 : 0,
        parks: lp.parks,
        wakes: lp.wakes,
        evictions: 0,
        degradations: 0,
      },
    },
  });

  /** digest.py: the one-call snapshot, composed from the read model; the newer channels block on top. */
  const digest = (q: URLSearchParams) => {
    const as = q.get('as');
    const sinceRaw = q.get('since');
    const since = sinceRaw !== null ? normalizeStamp(sinceRaw, 'since') : null;
    const agents = rmRecords('agents');
    const newest = [...agents]
      .sort((a, b) => pyStr(b.frontmatter.joined ?? '').localeCompare(pyStr(a.frontmatter.joined ?? '')))
      .slice(0, 5)
      .map((r) => r.filename.replace(/\.md$/, ''));
    const [messagePage] = paginate(applyFilters(rmRecords('message_board'), { since }), 'desc', 20, null, null);
    const index = verificationIndex();
    const [resultPage] = paginate(applyFilters(rmRecords('results'), { since }), 'desc', 10, null, null);
    let inbox: { count: number; items: unknown[] } | null = null;
    if (as !== null) {
      checkHandle(as);
      const recs = applyFilters(inboxRecords(as), { since });
      inbox = { count: recs.length, items: paginate(recs, 'desc', 10, null, null)[0].map(messageItem) };
    }
    const names = channelNames();
    return {
      status: 200,
      body: {
        agents: { count: agents.length, newest },
        taskforces: { count: 0, newest: [] },
        leaderboard: computeLeaderboard({ limit: 10 }).rows,
        recent_messages: messagePage.map(messageItem),
        recent_results: resultPage.map((r) => ({ ...messageItem(r), verification: index[r.filename] ?? 'pending' })),
        inbox,
        stats: null,
        generated_at: stamp(new Date()).iso,
        channels: {
          count: names.length,
          channels: names.map(channelSummary),
          subscribed:
            as === null
              ? null
              : names
                  .filter((n) => channelMembers(n).some((m) => m.handle === as))
                  .map((n) => {
                    const recs = applyFilters(rmRecords(`channels/${n}`), { since });
                    return {
                      name: n,
                      new_count: recs.length,
                      recent: recs.slice(-5).reverse().map(messageItem),
                      notify: channelMembers(n).find((m) => m.handle === as)!.notify,
                    };
                  }),
        },
      },
    };
  };

  const endpoints = () => {
    // digest.py discovery(): the endpoint list agents read (abridged to the routes this stand-in answers, plus
    // the read routes a client may name).
    const list: Array<Record<string, string>> = [
      {
        method: 'GET',
        path: '/v1/digest',
        params: 'as, since',
        purpose: 'one-call collab snapshot: agents, leaderboard, recent activity, your inbox',
      },
      {
        method: 'GET',
        path: '/v1/me',
        params: 'Authorization: Bearer',
        purpose: "the caller's hf_user + whether they may broadcast (organizer)",
      },
      {
        method: 'GET',
        path: '/v1/leaderboard',
        params: 'best_per_agent (default true), verification (CSV), agent, limit',
        purpose: `computed \`${scoreField}\` leaderboard over status: agent-run results`,
      },
      { method: 'GET', path: '/v1/messages', params: 'list grammar + type, via', purpose: 'the message board' },
      {
        method: 'POST',
        path: '/v1/messages',
        params: '{source} or {agent_id, body, type?, refs?, broadcast?}',
        purpose:
          'post a message; @-mentions and refs fan out inbox copies; organizers may set broadcast: true to reach every inbox',
      },
      {
        method: 'GET',
        path: '/v1/results',
        params: 'list grammar + status, verification',
        purpose: 'benchmark results, verification state inline',
      },
      { method: 'POST', path: '/v1/results', params: '{source}', purpose: 'promote a result from your scratch bucket' },
      {
        method: 'GET',
        path: '/v1/agents',
        params: 'list grammar + hf_user, model, harness',
        purpose: 'registered agents',
      },
      {
        method: 'POST',
        path: '/v1/agents/register',
        params: '{agent_id, model, harness, tools[], bio_source?, force?} + Authorization: Bearer',
        purpose: 'mint your identity (see DESIGN.md §5.1 for the handshake)',
      },
      { method: 'POST', path: '/v1/artifacts:sync', params: '{source, dest_slug}', purpose: 'mirror an artifact dir' },
      {
        method: 'POST',
        path: '/v1/traces',
        params: '{source, share: stats|full (default stats)}',
        purpose:
          "share a session from your bucket: stats (token/tool counts) or full (+ native log, rendered by HF's trace viewer)",
      },
      { method: 'GET', path: '/v1/healthz', params: '', purpose: 'liveness' },
    ];
    if (options.jobs)
      list.push({
        method: 'POST',
        path: '/v1/jobs:run',
        params: '{agent_id, submission_prefix, run_prefix} + Authorization: Bearer',
        purpose: 'run the benchmark on org credits (capped)',
      });
    return list;
  };

  const describe = () => ({
    service: 'bucket-sync',
    collab: slug,
    org,
    central_bucket: centralBucket,
    score_field: scoreField,
    score_unit: scoreUnit,
    score_order: scoreOrder,
    docs: '/docs',
    conventions: {
      filenames: '{YYYYMMDD-HHmmss-mmm}_{agent_id}.md — server-stamped UTC; filename sort order is chronological order',
      results_frontmatter: `required: ${required.join(', ')}; \`${scoreField}\` is the score (${scoreUnit}, > 0, ${scoreOrder === 'desc' ? 'higher is better' : 'lower is better'}); status is agent-run | negative`,
      verification:
        'results are `pending` until marked valid/invalid; the leaderboard shows valid+pending by default, flagged inline',
      human_posts:
        "humans never register; the dashboard posts as agent_id: human-<hf_user> with the signed-in user's OAuth bearer token (stamped via: dashboard)",
    },
    endpoints: endpoints(),
  });

  const dispatch = async (req: IncomingMessage, url: URL, raw: Buffer) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const q = url.searchParams;
    if (method === 'GET' && path === '/v1') return { status: 200, body: describe() };
    if (method === 'GET' && path === '/v1/healthz') return { status: 200, body: { status: 'ok' } };
    if (method === 'GET' && path === '/v1/me') return me(req);
    if (method === 'POST' && path === '/v1/agents/register') return register(req, raw);
    if (method === 'GET' && path === '/v1/agents') return listAgents(q);
    const agent = /^\/v1\/agents\/([^/]+)$/.exec(path);
    if (method === 'GET' && agent) {
      const id = decodeURIComponent(agent[1]!);
      validateAgentId(id);
      // A listing hiccup must not hide a registered agent: a direct read backs the cached listing up.
      const direct = () => {
        const raw = registration(id);
        return raw ? parseRecord(`agents/${id}.md`, raw) : undefined;
      };
      const rec = rmRecord('agents', `${id}.md`) ?? direct();
      if (!rec) throw E.notRegistered(id);
      return { status: 200, body: agentInfo(rec) };
    }
    if (method === 'POST' && path === '/v1/results') return postResult(raw);
    if (method === 'GET' && path === '/v1/results') return listResults(q);
    if (method === 'GET' && path === '/v1/leaderboard') return leaderboard(q);
    if (method === 'POST' && path === '/v1/messages') return postMessage(req, raw);
    if (method === 'GET' && path === '/v1/messages') return listMessages(q);
    for (const [folder, prefix] of [
      ['results', '/v1/results/'],
      ['message_board', '/v1/messages/'],
    ] as const) {
      if (method !== 'GET' || !path.startsWith(prefix)) continue;
      const name = decodeURIComponent(path.slice(prefix.length));
      const rec = rmRecord(folder, name);
      if (!rec || README_RE.test(name)) throw E.notFound(`${folder}/${name}`);
      const out = messageItem(rec);
      return {
        status: 200,
        body: folder === 'results' ? { ...out, verification: verificationIndex()[name] ?? 'pending' } : out,
      };
    }
    if (method === 'GET' && path === '/v1/digest') return digest(q);
    const inbox = /^\/v1\/inbox\/([^/]+)$/.exec(path);
    if (method === 'GET' && inbox) return getInbox(decodeURIComponent(inbox[1]!), q);
    if (method === 'GET' && path === '/v1/channels') return listChannels(q);
    const channel = /^\/v1\/channels\/([^/]+)(\/messages)?$/.exec(path);
    if (method === 'GET' && channel) {
      const name = decodeURIComponent(channel[1]!);
      return channel[2] ? channelMessages(name, q) : getChannel(name);
    }
    if (method === 'GET' && (path === '/v1/updates' || path === '/v1/watching')) {
      if (!updatesOn) return { status: 404, body: { detail: 'Not Found' } };
      return path === '/v1/updates' ? updates(req, q) : watching();
    }
    if (method === 'POST' && path === '/v1/artifacts:sync') return artifactsSync(raw);
    if (method === 'POST' && path === '/v1/traces') return postTrace(raw);
    if (method === 'POST' && path === '/v1/jobs:run') return runJob(req, raw);
    return { status: 404, body: { detail: 'Not Found' } };
  };

  /** The registration file as agents.py writes it, for agents a test seeds without the HTTP handshake. */
  const seedAgent = (agentId: string, opts: { hfUser?: string; model?: string; harness?: string } = {}) => {
    validateRegisterableAgentId(agentId);
    writeCentral(
      `agents/${agentId}.md`,
      {
        agent_name: agentId,
        agent_model: opts.model ?? 'gemma-4-e2b',
        agent_harness: opts.harness ?? 'claude-code',
        agent_tools: [],
        hf_user: opts.hfUser ?? agentId,
        agent_bucket: `${org}/${slug}-${agentId}`,
        joined: stamp(new Date()).yaml,
      },
      '',
    );
  };

  // --- the server ----------------------------------------------------------------------------------------------
  const sockets = new Set<Socket>();
  const backend = createServer((req, res) => {
    if (down) return void req.socket.destroy();
    const url = new URL(req.url ?? '/', 'http://collab');
    const entry: PublicCollabRequest = {
      method: req.method ?? '',
      path: url.pathname + url.search,
      status: 0,
      at: Date.now(),
    };
    res.on('close', () => {
      entry.status = res.writableFinished ? res.statusCode : 0;
      requests.push(entry);
    });
    const run = async () => {
      const raw = await readBody(req);
      if (latency) await new Promise((r) => setTimeout(r, latency));
      if (down) return void req.socket.destroy();
      const route = routeOf(url.pathname);
      const fault = faults.find((f) => f.left > 0 && (f.route === 'any' || f.route === route));
      if (fault) {
        fault.left--;
        const headers: Record<string, string> = fault.retryAfter ? { 'Retry-After': String(fault.retryAfter) } : {};
        if (fault.status === 429) {
          const err = E.rateLimited(fault.retryAfter ?? 1);
          return sendJson(res, 429, err.body(), err.headers);
        }
        if (fault.status === 500) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...headers });
          return void res.end('Internal Server Error');
        }
        if (fault.status >= 502 && fault.status <= 504) {
          // What the Space's front answers while the app restarts or is overloaded: an HTML page, not the API's JSON.
          res.writeHead(fault.status, { 'content-type': 'text/html; charset=utf-8', ...headers });
          return void res.end(`<!doctype html><title>${fault.status}</title><h1>${fault.status}</h1>`);
        }
        return sendJson(
          res,
          fault.status,
          { error: { code: 'INJECTED', message: `injected ${fault.status}` } },
          headers,
        );
      }
      const out = await dispatch(req, url, raw);
      // A long-poll cut by stop() or setDown() has no one left to answer.
      if (req.socket.destroyed) return;
      sendJson(res, out.status, out.body);
    };
    inFlight++;
    run()
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (err instanceof ApiError) return sendJson(res, err.status, err.body(), err.headers);
        if (err instanceof ValidationError) return sendJson(res, 422, { detail: err.detail });
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal Server Error');
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
      });
  });
  backend.on('connection', (s: Socket) => {
    if (down || stopped) return void s.destroy();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const apiUrl = await listen(backend);
  const apiPort = (backend.address() as AddressInfo).port;
  let stopped = false;

  const dashboard = dashboardServer({
    title: options.title,
    org,
    centralBucket,
    scoreField,
    scoreUnit,
    scoreOrder,
    inviteUrl,
    apiUrl,
  });
  const dashboardUrl = await listen(dashboard);

  const under = (prefix: string) => new Map([...central()].filter(([p]) => p.startsWith(prefix)));

  return {
    apiUrl,
    dashboardUrl,
    org,
    slug,
    centralBucket,
    requests,
    agents: () => records('agents'),
    results: () => records('results'),
    messages: () => records('message_board'),
    artifacts: () => under('artifacts/'),
    traces: () => under('traces/'),
    jobs: () => [...jobs.values()].map((j) => ({ ...j })),
    finishJob(jobId, outcome = {}) {
      const job = jobs.get(jobId);
      if (!job) throw new Error(`stand-in has no job ${jobId}`);
      const status = outcome.status ?? 'completed';
      if (outcome.summary) hf.putFile(job.bucket, `${job.runPrefix}/summary.json`, JSON.stringify(outcome.summary));
      hf.putFile(job.bucket, `${job.runPrefix}/job_logs.txt`, outcome.logs ?? '(no logs returned)');
      job.status = status;
      writeJobStatus(job, {
        status,
        stage: status.toUpperCase(),
        job_id: jobId,
        job_url: job.jobUrl,
        agent_id: job.agentId,
        hf_user: job.hfUser,
        submission_prefix: job.submissionPrefix,
        timeout_minutes: jobTimeout,
        finished_at: stamp(new Date()).iso,
        message: {
          completed: 'benchmark completed; see summary.json',
          error: 'job ended in error',
          canceled: 'job was canceled',
        }[status],
      });
    },
    nextJob() {
      const job = unclaimedJobs.shift();
      return job ? Promise.resolve({ ...job }) : new Promise((r) => jobWaiters.push(r));
    },
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    setDown(value) {
      down = value;
      if (value) for (const s of sockets) s.destroy();
    },
    setLatency(ms) {
      latency = ms;
    },
    restart() {
      // The Space restarts: the bucket stays; its memory (dedup LRU, read-model caches, presence) is gone, and
      // parked long-polls are cut with their connections.
      dedup.clear();
      rm.fetchedAt = -Infinity;
      rm.listed.clear();
      rm.overlay.clear();
      rm.sorted.clear();
      rm.verification = null;
      rm.verificationRaw = null;
      presence.clear();
      for (const s of parkedSockets) s.destroy();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((r) => backend.close(() => r()));
      for (const s of sockets) s.destroy();
      wakeAll();
      await closed;
    },
    async start() {
      if (!stopped) return;
      await new Promise<void>((resolve, reject) => {
        backend.once('error', reject);
        backend.listen(apiPort, '127.0.0.1', () => {
          backend.off('error', reject);
          resolve();
        });
      });
      stopped = false;
    },
    readmeUrl: `${hf.url}/buckets/${centralBucket}/resolve/README.md`,
    setReadme(markdown) {
      // bootstrap/init_challenge.py seeds it; the Hub serves it (the dashboard's join snippet curls it).
      hf.putFile(centralBucket, 'README.md', markdown);
    },
    seedAgent(agentId, opts = {}) {
      seedAgent(agentId, opts);
    },
    seedMessages(n, opts) {
      if (!opts.agents.length) throw new Error('seedMessages needs at least one agent');
      for (const a of opts.agents) if (!registeredAgents().has(a)) seedAgent(a);
      if (opts.channel !== undefined) requireChannel(opts.channel);
      const registered = registeredAgents();
      const start = Math.max(Date.now() - n, lastAnyStamp + 1);
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const agentId = opts.agents[i % opts.agents.length]!;
        const refs = opts.refs?.(i) ?? [];
        const fm: Record<string, unknown> = { type: opts.type ?? 'agent', agent: agentId, timestamp: '', via: 'raw' };
        if (refs.length > 0) fm.refs = refs.join(',');
        const body = opts.body ? opts.body(i) : `seeded message ${i}\n`;
        const { filename } = promoteMessage(agentId, fm, body, false, {
          channel: opts.channel ?? null,
          at: Math.max(start + i, lastAnyStamp + 1),
          registered,
        });
        out.push(filename);
      }
      return out;
    },
    seedResults(n, opts) {
      if (!opts.agents.length) throw new Error('seedResults needs at least one agent');
      for (const a of opts.agents) if (!registeredAgents().has(a)) seedAgent(a);
      const start = Math.max(Date.now() - n, lastAnyStamp + 1);
      const out: string[] = [];
      const states = new Map<string, VerificationState>();
      for (let i = 0; i < n; i++) {
        const agentId = opts.agents[i % opts.agents.length]!;
        const fm = {
          [scoreField]: opts.score ? opts.score(i) : 10 + (i % 97),
          method: opts.method ? opts.method(i) : 'seeded',
          status: opts.status ? opts.status(i) : 'agent-run',
          description: `seeded result ${i}`,
        };
        const { filename } = writeResult(agentId, fm, `Seeded result ${i}.\n`, Math.max(start + i, lastAnyStamp + 1));
        out.push(filename);
        if (opts.verification) states.set(filename, opts.verification(i));
      }
      // mark_pending once for the batch (one index write instead of n).
      markPending(out, states);
      if (n) wakeAll();
      return out;
    },
    seedChannel(name, readme, opts = {}) {
      validateChannelName(name);
      const now = stamp(new Date()).yaml;
      const creator = opts.creator ?? opts.members?.[0]?.handle ?? 'organizer';
      writeCentral(`channels/${name}/README.md`, { creator, created: now }, readme);
      for (const m of opts.members ?? [])
        writeCentral(
          `channels/${name}/members/${m.handle}.md`,
          { handle: m.handle, subscribed: now, via: 'raw', notify: m.notify ?? 'mentions' },
          '',
        );
      wakeAll();
    },
    setVerification(filename, state, opts = {}) {
      const index = parseIndex(central().get(VERIFICATION_PATH));
      index[filename] = state;
      if ((opts.by ?? 'verifier') === 'verifier') writeVerificationIndex(index);
      else
        hf.putFile(
          centralBucket,
          VERIFICATION_PATH,
          `${JSON.stringify(Object.fromEntries(Object.entries(index).sort(([a], [b]) => (a < b ? -1 : 1))), null, 2)}\n`,
        );
      wakeAll();
    },
    expireListings() {
      rm.fetchedAt = -Infinity;
    },
    parked: () => waiters.size,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    addMember(user, memberOrg, role = 'write') {
      hf.addOrgMember(user, memberOrg, role);
    },
    close: async () => {
      await Promise.all(
        [backend, dashboard].map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
