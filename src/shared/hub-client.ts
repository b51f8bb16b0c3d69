// The one typed /v1 client: every route a client reads, over fetch, for the dashboard (browser), agents, the CLI and tests (Node).
import type { JobsRunBody, JobsRunResponse } from './jobs-api';
import type {
  AgentDetail,
  AgentInfo,
  AgentListQuery,
  ArtifactSyncBody,
  AuditPage,
  AuditQuery,
  Comparison,
  FolderListing,
  HealthResponse,
  HubDescription,
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
  ResultCreated,
  ResultListQuery,
  ResultRecord,
  ScratchWritten,
  SharedResourceSyncBody,
  SyncResponse,
  TaskforceBody,
  TaskforceCreated,
  TaskforceDetail,
  TaskforceFileBody,
  TaskforceFileList,
  TaskforceList,
  TaskforceListQuery,
  TaskforceNoteCreated,
  VerdictBody,
} from './api';
import type {
  ChannelCreateBody,
  ChannelCreated,
  ChannelDetail,
  ChannelFeedQuery,
  ChannelList,
  ChannelListQuery,
  ChannelsDigest,
  ChannelSubscribeBody,
  ChannelSubscription,
} from './channels-api';
import type { ChallengeInfo, JobBody, JobInfo, JobList, JobListQuery, QuotaInfo } from './challenge';
import { HubClientError, isErrorBody } from './hub-error';
import type { UpdatesPage, UpdatesQuery, WatchingResponse } from './updates-api';
import type { TraceList, TraceListQuery, TracePostBody, TracePosted, TraceRecord, TraceStats } from './traces-api';
import type { DownloadResponse, ModelDeleted, ModelsInfo, PullModelBody } from './models';
import type { AgentDefaults, AgentDefaultsSaved, SettingsInfo, WelcomeSeen } from './settings';
import type { InstallPackBody, PackInstall, PacksInfo } from './packs-api';
import type {
  EndpointModels,
  EndpointModelsBody,
  SpawnAgentsBody,
  SpawnedAgents,
  SwarmAction,
  SwarmStatus,
  TraceExport,
  TracePage,
  TraceQuery,
} from './swarm';

/** A downloaded workspace file. */
export interface HubFile {
  path: string;
  content_type: string;
  bytes: Uint8Array;
}

/** A bearer token, or where to read it at each request: the dashboard signs in and out while its client lives on. */
export type TokenSource = string | null | undefined | (() => string | null | undefined);

export interface HubClientOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:4440 (a trailing /v1 or / is fine); '' for the page's own origin (the dashboard). */
  url: string;
  /** An agent's token or the organizer's; reads work without one. */
  token?: TokenSource;
  /**
   * Per-request limit in ms, the response body included; a hub that does not answer in time is reported as
   * unreachable. 0 waits as long as the hub takes (people's calls: spawning agents may load a model first). Default 30 s.
   */
  timeoutMs?: number;
}

export interface RequestOptions {
  body?: string | Blob;
  contentType?: string;
  /** Default application/json. */
  accept?: string;
  /** The caller's own cancel: its abort is passed on as it is, never turned into a HubClientError. */
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this request. */
  timeoutMs?: number;
}

type QueryValue = string | number | boolean | null | undefined;

/**
 * Encodes each segment of a workspace path, so "notes/a b.md" stays two segments. "." and ".." are refused here,
 * before anything is sent: URLs resolve them (encoded or not) before the hub sees the request, so "../x" would leave
 * the folder it names.
 */
function encodePath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new HubClientError(
      400,
      'INVALID_PATH',
      `"${path}" has a "." or ".." segment`,
      'name the file by its path inside the folder, e.g. notes/plan.md',
    );
  }
  return segments.map(encodeURIComponent).join('/');
}

/** `?a=1&b=x` from the defined values ('' when none): the list grammar's query, or any route's. */
export function queryString(query: object | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query as Record<string, QueryValue>)) {
    if (v !== undefined && v !== null) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const NOT_A_HUB_HINT = 'is that URL a Collab Desk hub? GET /v1 describes one';

/**
 * One hub, one identity. The token travels only in the Authorization header: it never appears in a URL, a log line
 * or an error message, so errors can be shown to agents and people as they are.
 */
export class HubClient {
  readonly url: string;
  readonly #token: TokenSource;
  readonly #timeoutMs: number;

  constructor(o: HubClientOptions) {
    this.url = o.url.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#token = o.token;
    this.#timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** Whether this client sends a token now (writes need one). */
  get authenticated(): boolean {
    return this.#bearer() !== undefined;
  }

  // ---- the hub and who is calling ----------------------------------------------------------------------------

  describe(): Promise<HubDescription> {
    return this.call('GET', '/v1');
  }

  health(): Promise<HealthResponse> {
    return this.call('GET', '/v1/healthz');
  }

  me(): Promise<MeResponse> {
    return this.call('GET', '/v1/me');
  }

  register(body: RegisterBody): Promise<RegisterResponse> {
    return this.call('POST', '/v1/agents/register', body);
  }

  agents(query: AgentListQuery = {}): Promise<ListResponse<AgentInfo>> {
    return this.call('GET', `/v1/agents${queryString(query)}`);
  }

  agent(id: string): Promise<AgentDetail> {
    return this.call('GET', `/v1/agents/${encodeURIComponent(id)}`);
  }

  suspendAgent(id: string): Promise<AgentInfo> {
    return this.call('POST', `/v1/agents/${encodeURIComponent(id)}/suspend`);
  }

  reinstateAgent(id: string): Promise<AgentInfo> {
    return this.call('POST', `/v1/agents/${encodeURIComponent(id)}/reinstate`);
  }

  audit(query: AuditQuery = {}): Promise<AuditPage> {
    return this.call('GET', `/v1/audit${queryString(query)}`);
  }

  // ---- board -------------------------------------------------------------------------------------------------

  digest(as?: string, since?: string): Promise<ChannelsDigest> {
    return this.call('GET', `/v1/digest${queryString({ as, since })}`);
  }

  messages(query: MessageListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.call('GET', `/v1/messages${queryString(query)}`);
  }

  message(filename: string): Promise<RecordItem> {
    return this.call('GET', `/v1/messages/${encodeURIComponent(filename)}`);
  }

  inbox(handle: string, query: MessageListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.call('GET', `/v1/inbox/${encodeURIComponent(handle)}${queryString(query)}`);
  }

  /**
   * GET /v1/updates: your stream; with `wait` the hub parks the request until something new lands (the time limit
   * grows by the wait, so a long-poll is not cut off by the client's own timeout).
   */
  updates(query: UpdatesQuery): Promise<UpdatesPage> {
    const timeoutMs = ((query.wait ?? 0) > 0 ? (query.wait ?? 0) * 1000 : 0) + this.#timeoutMs;
    return this.call('GET', `/v1/updates${queryString(query)}`, undefined, { timeoutMs });
  }

  /** GET /v1/watching: every handle's last /v1/updates read, the wait ceiling and the waiter counters. */
  watching(): Promise<WatchingResponse> {
    return this.call('GET', '/v1/watching');
  }

  post(body: MessageBody): Promise<MessageCreated> {
    return this.call('POST', '/v1/messages', body);
  }

  // ---- results -----------------------------------------------------------------------------------------------

  leaderboard(query: LeaderboardQuery = {}): Promise<Leaderboard> {
    return this.call('GET', `/v1/leaderboard${queryString(query)}`);
  }

  results(query: ResultListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.call('GET', `/v1/results${queryString(query)}`);
  }

  result(filename: string): Promise<ResultRecord> {
    return this.call('GET', `/v1/results/${encodeURIComponent(filename)}`);
  }

  /** `content`: markdown with the challenge's required frontmatter. */
  publishResult(content: string): Promise<ResultCreated> {
    return this.call('POST', '/v1/results', { content });
  }

  setVerdict(filename: string, body: VerdictBody): Promise<ResultRecord> {
    return this.call('POST', `/v1/results/${encodeURIComponent(filename)}/verdict`, body);
  }

  /** The verification job: a new one, or the one already queued or run for this result. */
  verifyResult(filename: string): Promise<JobInfo> {
    return this.call('POST', `/v1/results/${encodeURIComponent(filename)}/verify`);
  }

  compare(a: string, b: string): Promise<Comparison> {
    return this.call('GET', `/v1/compare${queryString({ a, b })}`);
  }

  // ---- the challenge and its jobs ----------------------------------------------------------------------------

  challenge(): Promise<ChallengeInfo> {
    return this.call('GET', '/v1/challenge');
  }

  remeasureBaseline(): Promise<JobInfo> {
    return this.call('POST', '/v1/challenge/baseline');
  }

  submitJob(body: JobBody): Promise<JobInfo> {
    return this.call('POST', '/v1/jobs', body);
  }

  job(id: string): Promise<JobInfo> {
    return this.call('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  jobs(query: JobListQuery = {}): Promise<JobList> {
    return this.call('GET', `/v1/jobs${queryString(query)}`);
  }

  /** `agent`: the organizer reads any agent's; an agent reads its own. */
  quota(agent?: string): Promise<QuotaInfo> {
    return this.call('GET', `/v1/jobs/quota${queryString({ agent })}`);
  }

  cancelJob(id: string): Promise<JobInfo> {
    return this.call('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  /** The public jobs:run: a submission folder of your scratch; the run folder receives job_status.json and the rest. */
  runJob(body: JobsRunBody): Promise<JobsRunResponse> {
    return this.call('POST', '/v1/jobs:run', body);
  }

  // ---- workspace ---------------------------------------------------------------------------------------------
  // Async all: a path refused before sending rejects like any other refusal, never throws at the call.

  async writeScratch(agent: string, path: string, content: string | Uint8Array): Promise<ScratchWritten> {
    return this.call('PUT', `/v1/scratch/${encodeURIComponent(agent)}/${encodePath(path)}`, undefined, {
      // Bytes over a shared buffer cannot be sent as they are; everything else goes without a copy.
      body:
        typeof content === 'string'
          ? content
          : new Blob([
              content.buffer instanceof ArrayBuffer ? (content as Uint8Array<ArrayBuffer>) : new Uint8Array(content),
            ]),
      contentType: typeof content === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream',
    });
  }

  async readScratch(agent: string, path: string): Promise<HubFile> {
    return this.file(`/v1/scratch/${encodeURIComponent(agent)}/${encodePath(path)}`, `scratch/${agent}/${path}`);
  }

  async listScratch(agent: string, path = '', recursive = false): Promise<FolderListing> {
    const sub = encodePath(path);
    return this.listing(
      `/v1/scratch/${encodeURIComponent(agent)}${sub ? `/${sub}` : ''}${queryString({ recursive: recursive || undefined })}`,
      `scratch/${agent}/${path}`,
    );
  }

  async deleteScratch(agent: string, path: string): Promise<void> {
    await this.call('DELETE', `/v1/scratch/${encodeURIComponent(agent)}/${encodePath(path)}`);
  }

  async readCentral(path: string): Promise<HubFile> {
    return this.file(`/v1/central/${encodePath(path)}`, `central/${path}`);
  }

  async listCentral(path = '', recursive = false): Promise<FolderListing> {
    const sub = encodePath(path);
    return this.listing(
      `/v1/central${sub ? `/${sub}` : ''}${queryString({ recursive: recursive || undefined })}`,
      `central/${path}`,
    );
  }

  syncArtifact(body: ArtifactSyncBody): Promise<SyncResponse> {
    return this.call('POST', '/v1/artifacts:sync', body);
  }

  syncSharedResource(body: SharedResourceSyncBody): Promise<SyncResponse> {
    return this.call('POST', '/v1/shared-resources:sync', body);
  }

  // ---- traces and stats --------------------------------------------------------------------------------------

  /** Shares a session bundle (traces/<session>/ in your scratch folder): stats by default, full with its log. */
  shareTrace(body: TracePostBody): Promise<TracePosted> {
    return this.call('POST', '/v1/traces', body);
  }

  traces(query: TraceListQuery = {}): Promise<TraceList> {
    return this.call('GET', `/v1/traces${queryString(query)}`);
  }

  sharedTrace(agent: string, session: string): Promise<TraceRecord> {
    return this.call('GET', `/v1/traces/${encodeURIComponent(agent)}/${encodeURIComponent(session)}`);
  }

  stats(): Promise<TraceStats> {
    return this.call('GET', '/v1/stats');
  }

  // ---- channels ----------------------------------------------------------------------------------------------

  channels(query: ChannelListQuery = {}): Promise<ChannelList> {
    return this.call('GET', `/v1/channels${queryString(query)}`);
  }

  channel(name: string): Promise<ChannelDetail> {
    return this.call('GET', `/v1/channels/${encodeURIComponent(name)}`);
  }

  /** Creates a channel (its theme in `body` or `source`), or updates the theme of one you created. */
  createChannel(body: ChannelCreateBody): Promise<ChannelCreated> {
    return this.call('POST', '/v1/channels', body);
  }

  /** Idempotent; with a token the body may be empty, a tokenless agent proves itself with `source`. */
  subscribeChannel(name: string, body: ChannelSubscribeBody = {}): Promise<ChannelSubscription> {
    return this.call('POST', `/v1/channels/${encodeURIComponent(name)}/subscribe`, body);
  }

  unsubscribeChannel(name: string, body: ChannelSubscribeBody = {}): Promise<ChannelSubscription> {
    return this.call('POST', `/v1/channels/${encodeURIComponent(name)}/unsubscribe`, body);
  }

  channelMessages(name: string, query: MessageListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.call('GET', `/v1/channels/${encodeURIComponent(name)}/messages${queryString(query)}`);
  }

  /** Every channel `query.as` subscribes to, as one list (the list grammar; `after=` the newest filename seen). */
  channelFeed(query: ChannelFeedQuery): Promise<ListResponse<RecordItem>> {
    return this.call('GET', `/v1/channels/feed${queryString(query)}`);
  }

  // ---- taskforces --------------------------------------------------------------------------------------------

  taskforces(query: TaskforceListQuery = {}): Promise<TaskforceList> {
    return this.call('GET', `/v1/taskforces${queryString(query)}`);
  }

  taskforce(name: string): Promise<TaskforceDetail> {
    return this.call('GET', `/v1/taskforces/${encodeURIComponent(name)}`);
  }

  createTaskforce(body: TaskforceBody): Promise<TaskforceCreated> {
    return this.call('POST', '/v1/taskforces', body);
  }

  postTaskforceNote(name: string, body: TaskforceFileBody): Promise<TaskforceNoteCreated> {
    return this.call('POST', `/v1/taskforces/${encodeURIComponent(name)}/files`, body);
  }

  taskforceNotes(name: string, query: MessageListQuery = {}): Promise<ListResponse<RecordItem>> {
    return this.call('GET', `/v1/taskforces/${encodeURIComponent(name)}/notes${queryString(query)}`);
  }

  taskforceFiles(name: string): Promise<TaskforceFileList> {
    return this.call('GET', `/v1/taskforces/${encodeURIComponent(name)}/files`);
  }

  async readTaskforceFile(name: string, path: string): Promise<HubFile> {
    return this.file(
      `/v1/taskforces/${encodeURIComponent(name)}/files/${encodePath(path)}`,
      `taskforces/${name}/${path}`,
    );
  }

  // ---- the swarm ---------------------------------------------------------------------------------------------

  swarm(): Promise<SwarmStatus> {
    return this.call('GET', '/v1/swarm');
  }

  spawnAgents(body: SpawnAgentsBody): Promise<SpawnedAgents> {
    return this.call('POST', '/v1/swarm/agents', body);
  }

  /** The models a server the person runs lists (the key, if given, goes to that server only, through the hub). */
  endpointModels(body: EndpointModelsBody): Promise<EndpointModels> {
    return this.call('POST', '/v1/swarm/endpoint-models', body);
  }

  /** One agent (`agentId`) or the whole swarm. */
  swarmAction(action: SwarmAction, agentId?: string): Promise<SwarmStatus> {
    return this.call(
      'POST',
      agentId === undefined ? `/v1/swarm/${action}` : `/v1/swarm/agents/${encodeURIComponent(agentId)}/${action}`,
    );
  }

  trace(agentId: string, query: TraceQuery = {}): Promise<TracePage> {
    return this.call('GET', `/v1/swarm/agents/${encodeURIComponent(agentId)}/trace${queryString(query)}`);
  }

  exportTrace(agentId: string, share?: 'stats' | 'full'): Promise<TraceExport> {
    return this.call('POST', `/v1/swarm/agents/${encodeURIComponent(agentId)}/trace/export${queryString({ share })}`);
  }

  // ---- models and settings -----------------------------------------------------------------------------------

  models(): Promise<ModelsInfo> {
    return this.call('GET', '/v1/models');
  }

  pullModel(body: PullModelBody): Promise<DownloadResponse> {
    return this.call('POST', '/v1/models/pull', body);
  }

  cancelDownload(id: string): Promise<DownloadResponse> {
    return this.call('DELETE', `/v1/models/downloads/${encodeURIComponent(id)}`);
  }

  deleteModel(id: string, force = false): Promise<ModelDeleted> {
    return this.call('DELETE', `/v1/models/${encodeURIComponent(id)}${queryString({ force: force || undefined })}`);
  }

  settings(): Promise<SettingsInfo> {
    return this.call('GET', '/v1/settings');
  }

  saveAgentDefaults(defaults: AgentDefaults): Promise<AgentDefaultsSaved> {
    return this.call('PUT', '/v1/settings/agent-defaults', defaults);
  }

  welcomeSeen(): Promise<WelcomeSeen> {
    return this.call('PUT', '/v1/settings/welcome', {});
  }

  packs(): Promise<PacksInfo> {
    return this.call('GET', '/v1/packs');
  }

  installPack(body: InstallPackBody): Promise<PackInstall> {
    return this.call('POST', '/v1/packs/install', body);
  }

  cancelPackInstall(): Promise<PackInstall> {
    return this.call('POST', '/v1/packs/install/cancel', {});
  }

  // ---- transport ---------------------------------------------------------------------------------------------

  /**
   * A JSON call to any route, for paths the typed methods above do not cover (yet). `body` is sent as JSON;
   * `options.body` sends bytes or text as they are. Resolves with the parsed answer (undefined for an empty one).
   */
  async call<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const o =
      body === undefined ? options : { ...options, body: JSON.stringify(body), contentType: 'application/json' };
    return this.exchange(method, path, o, async (res) => (await this.parse(res)) as T);
  }

  /**
   * One request, answered: a response with a 2xx status (its body not yet read, so a file can be streamed), or a
   * HubClientError with the hub's refusal; an unreachable hub is status 0, HUB_UNREACHABLE.
   */
  send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    return this.exchange(method, path, options, (res) => Promise.resolve(res));
  }

  #bearer(): string | undefined {
    const value = typeof this.#token === 'function' ? this.#token() : this.#token;
    return value?.trim() || undefined;
  }

  #label(): string {
    return this.url ? `the hub at ${this.url}` : 'the hub';
  }

  /** Sends, then `read`s a 2xx answer under the same time limit; everything that goes wrong becomes a HubClientError. */
  private async exchange<T>(
    method: string,
    path: string,
    o: RequestOptions,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: o.accept ?? 'application/json' };
    const bearer = this.#bearer();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (o.contentType) headers['content-type'] = o.contentType;
    const limit = o.timeoutMs ?? this.#timeoutMs;
    const deadline = limit > 0 ? AbortSignal.timeout(limit) : undefined;
    const signal = o.signal && deadline ? AbortSignal.any([o.signal, deadline]) : (o.signal ?? deadline);
    try {
      const res = await fetch(this.url + path, {
        method,
        headers,
        ...(o.body !== undefined ? { body: o.body } : {}),
        ...(signal ? { signal } : {}),
      });
      if (!res.ok) throw await this.refusal(res);
      return await read(res);
    } catch (err) {
      if (err instanceof HubClientError || o.signal?.aborted) throw err;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = deadline?.aborted ? `no answer within ${limit} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new HubClientError(
        0,
        'HUB_UNREACHABLE',
        `${this.#label()} could not be reached (${why})`,
        'start it with `collab-desk hub` (or the desktop app), or check the hub URL',
        { cause: err },
      );
    }
  }

  /**
   * A file download. The hub serves folders as a JSON listing on the same route; files (and only files) carry the
   * sandboxing Content-Security-Policy, which is how a listing is told apart from a .json file.
   */
  private file(path: string, label: string): Promise<HubFile> {
    return this.exchange('GET', path, {}, async (res) => {
      if (!res.headers.has('content-security-policy') && (res.headers.get('content-type') ?? '').includes('json')) {
        await res.body?.cancel();
        throw new HubClientError(
          400,
          'IS_A_FOLDER',
          `${label} is a folder, not a file`,
          'list the folder to see its files',
        );
      }
      return {
        path: label,
        content_type: res.headers.get('content-type') ?? 'application/octet-stream',
        bytes: new Uint8Array(await res.arrayBuffer()),
      };
    });
  }

  /**
   * A folder listing. The route serves a file at the same path, so a path that became a file (or always was one)
   * is refused by the same mark `file` uses, rather than its text failing as JSON or a .json file passing for a listing.
   */
  private listing(path: string, label: string): Promise<FolderListing> {
    return this.exchange('GET', path, {}, async (res) => {
      if (res.headers.has('content-security-policy')) {
        await res.body?.cancel();
        throw new HubClientError(400, 'NOT_A_FOLDER', `${label} is a file, not a folder`, 'read it as a file');
      }
      return (await this.parse(res)) as FolderListing;
    });
  }

  private async parse(res: Response): Promise<unknown> {
    const text = await res.text();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new HubClientError(
        res.status,
        'BAD_RESPONSE',
        `${this.#label()} answered ${res.status} with something that is not JSON`,
        NOT_A_HUB_HINT,
      );
    }
  }

  /** The hub's `{error}` body as a HubClientError; an answer without one (a proxy, another server) says so. */
  private async refusal(res: Response): Promise<HubClientError> {
    const text = await res.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (isErrorBody(value))
      return new HubClientError(res.status, value.error.code, value.error.message, value.error.hint);
    return new HubClientError(
      res.status,
      'BAD_RESPONSE',
      `${this.#label()} answered HTTP ${res.status} without an error body`,
      NOT_A_HUB_HINT,
    );
  }
}
