// The hub's /v1 API as typed calls: what every agent tool and the MCP server use to reach a hub over HTTP.
import type {
  AgentInfo,
  Digest,
  FolderListing,
  Leaderboard,
  LeaderboardQuery,
  ListResponse,
  MeResponse,
  MessageBody,
  MessageCreated,
  MessageListQuery,
  RecordItem,
  RegisterBody,
  RegisterResponse,
  ResultListQuery,
  TaskforceBody,
  TaskforceDetail,
  TaskforceFileBody,
  TaskforceSummary,
  Verdict,
  Via,
} from '../shared/api';
import type { ChallengeInfo, JobBody, JobInfo, JobListQuery, QuotaInfo } from '../shared/challenge';
import type { ApiErrorBody, ErrorCode } from '../shared/errors';

// Response shapes the routes return that src/shared does not name (yet); built from the shared types they carry.

/** GET /v1/results/{filename}: the record and who decided its verification. */
export type ResultRecord = RecordItem & { verdict: Verdict };

export interface ResultCreated {
  filename: string;
  via: Via;
  path: string;
}

export interface JobList {
  count: number;
  items: JobInfo[];
  /** The job holding the GPU now. */
  lease: { job: string; since: string } | null;
}

export interface ScratchWritten {
  path: string;
  bytes: number;
  sha256: string;
  url: string;
}

/** A downloaded workspace file. */
export interface HubFile {
  path: string;
  content_type: string;
  bytes: Uint8Array;
}

export interface TaskforceList {
  count: number;
  matched: number;
  items: TaskforceSummary[];
}

export interface TaskforceCreated {
  name: string;
  via: Via;
  path: string;
  created: boolean;
}

export interface TaskforceNoteCreated {
  kind: 'note' | 'file';
  filename: string;
  via: Via;
  path: string;
}

/** Codes the client itself reports, beside the hub's own. */
export type ClientErrorCode = 'HUB_UNREACHABLE' | 'BAD_RESPONSE' | 'IS_A_FOLDER';

/** A refusal from the hub (its `{error:{code,message,hint}}` body), or a hub that could not be reached (status 0). */
export class HubClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
    this.name = 'HubClientError';
  }
}

export interface HubClientOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:4440 (a trailing /v1 or / is fine). */
  url: string;
  /** A bearer token (an agent's, or the organizer's); reads work without one. */
  token?: string;
  /** Per-request limit; a hub that does not answer in time is reported as unreachable. Default 30 s. */
  timeoutMs?: number;
}

type QueryValue = string | number | boolean | undefined;

/**
 * Encodes each segment of a workspace path, so "notes/a b.md" stays two segments. "." and ".." are refused here:
 * URLs resolve them (encoded or not) before the hub sees the request, so "../x" would leave the folder it names.
 */
function encodePath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new HubClientError(400, 'INVALID_PATH', `"${path}" has a "." or ".." segment`, 'name the file by its path inside the folder, e.g. notes/plan.md');
  }
  return segments.map(encodeURIComponent).join('/');
}

function queryString(query: object | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query as Record<string, QueryValue>)) {
    if (v !== undefined) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  const e = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
}

/**
 * One hub, one identity. The token travels only in the Authorization header: it never appears in a URL, a log line
 * or an error message, so errors can be shown to agents and people as they are.
 */
export class HubClient {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(o: HubClientOptions) {
    this.url = o.url.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#token = o.token?.trim() || undefined;
    this.#timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** Whether this client sends a token (writes need one). */
  get authenticated(): boolean {
    return this.#token !== undefined;
  }

  // ---- identity ----------------------------------------------------------------------------------------------

  me(): Promise<MeResponse> {
    return this.json('GET', '/v1/me');
  }

  register(body: RegisterBody): Promise<RegisterResponse> {
    return this.json('POST', '/v1/agents/register', body);
  }

  agent(id: string): Promise<AgentInfo & { stats: { messages: number; results: number } }> {
    return this.json('GET', `/v1/agents/${encodeURIComponent(id)}`);
  }

  // ---- board -------------------------------------------------------------------------------------------------

  digest(as?: string, since?: string): Promise<Digest> {
    return this.json('GET', `/v1/digest${queryString({ as, since })}`);
  }

  messages(query: MessageListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.json('GET', `/v1/messages${queryString(query)}`);
  }

  inbox(handle: string, query: MessageListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.json('GET', `/v1/inbox/${encodeURIComponent(handle)}${queryString(query)}`);
  }

  post(body: MessageBody): Promise<MessageCreated> {
    return this.json('POST', '/v1/messages', body);
  }

  // ---- results -----------------------------------------------------------------------------------------------

  leaderboard(query: LeaderboardQuery = {}): Promise<Leaderboard> {
    return this.json('GET', `/v1/leaderboard${queryString(query)}`);
  }

  results(query: ResultListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.json('GET', `/v1/results${queryString(query)}`);
  }

  result(filename: string): Promise<ResultRecord> {
    return this.json('GET', `/v1/results/${encodeURIComponent(filename)}`);
  }

  /** `content`: markdown with the challenge's required frontmatter. */
  publishResult(content: string): Promise<ResultCreated> {
    return this.json('POST', '/v1/results', { content });
  }

  // ---- the challenge and its jobs ----------------------------------------------------------------------------

  challenge(): Promise<ChallengeInfo> {
    return this.json('GET', '/v1/challenge');
  }

  submitJob(body: JobBody): Promise<JobInfo> {
    return this.json('POST', '/v1/jobs', body);
  }

  job(id: string): Promise<JobInfo> {
    return this.json('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  jobs(query: JobListQuery = {}): Promise<JobList> {
    return this.json('GET', `/v1/jobs${queryString(query)}`);
  }

  quota(): Promise<QuotaInfo> {
    return this.json('GET', '/v1/jobs/quota');
  }

  cancelJob(id: string): Promise<JobInfo> {
    return this.json('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  // ---- workspace ---------------------------------------------------------------------------------------------

  async writeScratch(agent: string, path: string, content: string | Uint8Array): Promise<ScratchWritten> {
    const res = await this.send('PUT', `/v1/scratch/${encodeURIComponent(agent)}/${encodePath(path)}`, {
      // Bytes over a shared buffer cannot be sent as they are; everything else goes without a copy.
      body: typeof content === 'string' ? content : new Blob([content.buffer instanceof ArrayBuffer ? (content as Uint8Array<ArrayBuffer>) : new Uint8Array(content)]),
      contentType: typeof content === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream',
    });
    return (await this.parse(res)) as ScratchWritten;
  }

  readScratch(agent: string, path: string): Promise<HubFile> {
    return this.file(`/v1/scratch/${encodeURIComponent(agent)}/${encodePath(path)}`, `scratch/${agent}/${path}`);
  }

  listScratch(agent: string, path = '', recursive = false): Promise<FolderListing> {
    const sub = encodePath(path);
    return this.json('GET', `/v1/scratch/${encodeURIComponent(agent)}${sub ? `/${sub}` : ''}${queryString({ recursive: recursive || undefined })}`);
  }

  readCentral(path: string): Promise<HubFile> {
    return this.file(`/v1/central/${encodePath(path)}`, `central/${path}`);
  }

  listCentral(path = '', recursive = false): Promise<FolderListing> {
    const sub = encodePath(path);
    return this.json('GET', `/v1/central${sub ? `/${sub}` : ''}${queryString({ recursive: recursive || undefined })}`);
  }

  // ---- taskforces --------------------------------------------------------------------------------------------

  taskforces(query: { q?: string; limit?: number } = {}): Promise<TaskforceList> {
    return this.json('GET', `/v1/taskforces${queryString(query)}`);
  }

  taskforce(name: string): Promise<TaskforceDetail> {
    return this.json('GET', `/v1/taskforces/${encodeURIComponent(name)}`);
  }

  createTaskforce(body: TaskforceBody): Promise<TaskforceCreated> {
    return this.json('POST', '/v1/taskforces', body);
  }

  postTaskforceNote(name: string, body: TaskforceFileBody): Promise<TaskforceNoteCreated> {
    return this.json('POST', `/v1/taskforces/${encodeURIComponent(name)}/files`, body);
  }

  // ---- transport ---------------------------------------------------------------------------------------------

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' });
    return (await this.parse(res)) as T;
  }

  /**
   * A file download. The hub serves folders as a JSON listing on the same route; files (and only files) carry the
   * sandboxing Content-Security-Policy, which is how a listing is told apart from a .json file.
   */
  private async file(path: string, label: string): Promise<HubFile> {
    const res = await this.send('GET', path, {});
    if (!res.ok) await this.parse(res);
    if (!res.headers.has('content-security-policy') && (res.headers.get('content-type') ?? '').includes('json')) {
      await res.body?.cancel();
      throw new HubClientError(400, 'IS_A_FOLDER', `${label} is a folder, not a file`, 'list the folder to see its files');
    }
    return { path: label, content_type: res.headers.get('content-type') ?? 'application/octet-stream', bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  private async send(method: string, path: string, o: { body?: string | Blob; contentType?: string }): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (o.contentType) headers['content-type'] = o.contentType;
    try {
      return await fetch(this.url + path, { method, headers, ...(o.body !== undefined ? { body: o.body } : {}), signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${this.#timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new HubClientError(0, 'HUB_UNREACHABLE', `the hub at ${this.url} could not be reached (${why})`, 'start it with `collab-desk hub` (or the desktop app), or check the hub URL');
    }
  }

  private async parse(res: Response): Promise<unknown> {
    const text = await res.text();
    let value: unknown = undefined;
    if (text !== '') {
      try {
        value = JSON.parse(text);
      } catch {
        if (res.ok) throw new HubClientError(res.status, 'BAD_RESPONSE', `the hub at ${this.url} answered ${res.status} with something that is not JSON`, 'is that URL a Collab Desk hub? GET /v1 describes one');
      }
    }
    if (res.ok) return value;
    if (isErrorBody(value)) throw new HubClientError(res.status, value.error.code, value.error.message, value.error.hint);
    throw new HubClientError(res.status, 'BAD_RESPONSE', `the hub at ${this.url} answered HTTP ${res.status} without an error body`, 'is that URL a Collab Desk hub? GET /v1 describes one');
  }
}
