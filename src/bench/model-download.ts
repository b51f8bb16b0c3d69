// Pulls one model file from the Hugging Face Hub into the shared HF cache, with progress, resume and a sha256 check.
import { HUB_URL } from '@huggingface/hub';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, statfs as fsStatfs, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_VERSION } from '../shared/version';
import { fileSha256 } from '../platform/file-hash';
import { processStamp, stampHolder } from '../platform/process-alive';
import {
  blobPath,
  CACHE_NAME,
  cachedSnapshot,
  defaultCacheDir,
  linkSnapshot,
  pullLockPath,
  readRef,
  repoFolder,
  snapshotPath,
  writeRef,
  type CachedSnapshot,
} from './hf-cache';
import { ModelDownloadError } from './model-download-error';

export interface ModelRef {
  /** "owner/name" on the Hub (a legacy top-level name such as "gpt2" works too). */
  repo: string;
  /** The file's path inside the repo, '/'-separated. */
  file: string;
  /** Branch, tag or commit; "main" when absent. */
  revision?: string;
  /** The sha256 the bytes must have; pins the exact file whatever the revision points to today. */
  sha256?: string;
  /** The size the file must have. */
  bytes?: number;
}

export interface PullProgress {
  bytes: number;
  total: number | null;
  /** Bytes per second over the last few seconds, so a stall shows quickly. */
  rate: number;
  eta_s: number | null;
}

/** What `fs.statfs` reports that the free-space check needs. */
export type StatFs = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

export interface PullOptions {
  /** Default: $HF_ENDPOINT, else https://huggingface.co. */
  hubUrl?: string;
  /** Default: the cache huggingface_hub uses ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  accessToken?: string;
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  /**
   * How often a transfer that breaks off is resumed within this pull before it gives up (default 2). Whatever
   * this says, the bytes already received stay on disk and the next pull resumes from them.
   */
  retries?: number;
  /** The free-space probe; tests give a small disk here. */
  statfs?: StatFs;
}

export interface PulledModel {
  /** The snapshot path (a symlink into blobs/), the same path huggingface_hub's hf_hub_download returns. */
  path: string;
  sha256: string;
  bytes: number;
  commit: string;
  fromCache: boolean;
}

const DEFAULT_REVISION = 'main';
/** huggingface_hub's HF_HUB_ETAG_TIMEOUT: the metadata request is small, so a silent hub is an unreachable one. */
const METADATA_TIMEOUT_MS = 10_000;
/** Room left on the disk after the download: the record, logs and the OS still need to write. */
const DISK_HEADROOM = 64 * 2 ** 20;
const PROGRESS_INTERVAL_MS = 100;
const RATE_WINDOW_MS = 5_000;
/** huggingface_hub waits one second before resuming a transfer that broke off. */
const RETRY_DELAY_MS = 1_000;

const SHA256 = /^[0-9a-f]{64}$/;
const GIT_SHA1 = /^[0-9a-f]{40}$/;
/** The Hub's repo id rules (huggingface_hub's validate_repo_id): word characters, '.', '-', at most one '/'. */
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]+$/;

/**
 * Makes `ref.file` available locally: from the cache when it is already there, otherwise streamed from the Hub
 * into `blobs/{etag}.incomplete` (resumed with a Range request when bytes are already there), hashed while it
 * streams, and only moved into `blobs/` once its sha256 is the expected one.
 */
export async function pullModel(ref: ModelRef, options: PullOptions = {}): Promise<PulledModel> {
  const input = checkInput(ref, options);
  const { repo, file, revision } = input;
  const storage = repoFolder(options.cacheDir ?? defaultCacheDir(), repo);
  const ctx: RequestContext = { ...input, signal: options.signal };

  // A pinned sha256 (or a commit) names exactly one file: if the cache has it, the network has nothing to add,
  // so a cached model loads offline.
  const pinned = await cachedWithoutNetwork(storage, input);
  if (pinned) return pinned;

  const url = resolveUrl(input.hubUrl, repo, revision, file);
  let meta: FileMetadata;
  try {
    meta = await fileMetadata(url, ctx);
  } catch (err) {
    // huggingface_hub's rule: when the Hub cannot be asked, the last file this revision resolved to will do.
    // A Hub that answers "no" (not found, gated) is believed.
    if (err instanceof ModelDownloadError && (err.code === 'OFFLINE' || err.code === 'HTTP')) {
      const commit = await readRef(storage, revision);
      const cached = commit ? pulledFromCache(await cachedSnapshot(storage, commit, file)) : null;
      if (cached && (!input.sha256 || cached.sha256 === input.sha256)) return cached;
    }
    throw err;
  }

  const lfsSha256 = SHA256.test(meta.etag) ? meta.etag : null;
  if (input.sha256 && lfsSha256 && lfsSha256 !== input.sha256) {
    throw new ModelDownloadError(
      'HASH_MISMATCH',
      `${repo}/${file} at ${revision} has sha256 ${lfsSha256} on the Hub, not the expected ${input.sha256}: the file changed there; pin the revision the expected hash was taken from`,
      { expected: input.sha256, actual: lfsSha256, changedOnHub: true },
    );
  }
  if (ref.bytes !== undefined && ref.bytes !== meta.size) {
    throw new ModelDownloadError(
      'SIZE_MISMATCH',
      `${repo}/${file} at ${revision} is ${meta.size} bytes on the Hub, not the expected ${ref.bytes}`,
    );
  }

  // A commit never changes, so its snapshot file, when there, is this file.
  const cached = pulledFromCache(await cachedSnapshot(storage, meta.commit, file, lfsSha256));
  if (cached) {
    // Best effort: a read-only cache still serves what it has.
    await writeRef(storage, revision, meta.commit).catch(() => undefined);
    return cached;
  }
  const pointer = snapshotPath(storage, meta.commit, file);
  const blob = blobPath(storage, meta.etag);
  // The snapshot folder exists before its ref names it, as huggingface_hub does: its cache scan calls a ref to a
  // missing snapshot a corrupted cache.
  await mkdir(dirname(pointer), { recursive: true });
  await writeRef(storage, revision, meta.commit);

  const unlock = await lock(pullLockPath(storage, meta.etag), `${repo}/${file}`);
  try {
    // The blob may be there without this snapshot's link (another revision of the same bytes, or a pull that
    // stopped between the two steps).
    if (await isFile(blob)) {
      await linkSnapshot(blob, pointer);
      return {
        path: pointer,
        sha256: lfsSha256 ?? (await fileSha256(blob)),
        bytes: meta.size,
        commit: meta.commit,
        fromCache: true,
      };
    }
    const sha256 = await transfer(meta, blob, {
      ...ctx,
      expectedSha256: input.sha256 ?? lfsSha256,
      onProgress: options.onProgress,
      retries: options.retries ?? 2,
      statfs: options.statfs ?? fsStatfs,
    });
    await linkSnapshot(blob, pointer);
    return { path: pointer, sha256, bytes: meta.size, commit: meta.commit, fromCache: false };
  } finally {
    await unlock();
  }
}

/**
 * The file the cache already holds for `ref`, asking no one: only when a sha256 (or a commit) names exactly one file,
 * as a pull would serve it offline; null otherwise.
 */
export async function cachedModel(
  ref: ModelRef,
  options: Pick<PullOptions, 'cacheDir' | 'hubUrl'> = {},
): Promise<PulledModel | null> {
  const input = checkInput(ref, options);
  return cachedWithoutNetwork(repoFolder(options.cacheDir ?? defaultCacheDir(), input.repo), input);
}

/** What the Hub says of a file before any download. */
export interface RemoteFileInfo {
  size: number;
  /** The commit the revision resolved to. */
  commit: string;
}

/**
 * The file's size and commit from the Hub's answer to HEAD on its resolve URL, read exactly as a pull reads it
 * (relative redirects followed, the CDN's not; X-Linked-Size, else Content-Length). Refusals are the pull's
 * ModelDownloadErrors, whose messages say why (offline, not found, gated) and never hold the token.
 */
export async function remoteFileInfo(
  ref: Pick<ModelRef, 'repo' | 'file' | 'revision'>,
  options: Pick<PullOptions, 'hubUrl' | 'accessToken' | 'signal'> = {},
): Promise<RemoteFileInfo> {
  const input = checkInput(ref, options);
  const url = resolveUrl(input.hubUrl, input.repo, input.revision, input.file);
  const meta = await fileMetadata(url, { ...input, signal: options.signal });
  return { size: meta.size, commit: meta.commit };
}

/** What the Hub says of a file and its first bytes, fetched before a download is committed to. */
export interface RemoteFileHead extends RemoteFileInfo {
  /** The file's sha256 when the Hub announces it (an LFS file's X-Linked-Etag), else null. */
  sha256: string | null;
  /** The first bytes of the file (fewer for a smaller file): enough to read a GGUF's first metadata keys. */
  head: Buffer;
}

/**
 * The file's metadata and its first `bytes` bytes (one Range request where the bytes are), so a caller can refuse a
 * wrong file (another sha256, another GGUF architecture) before gigabytes are downloaded. `check` sees the metadata
 * first and may throw: then not one byte of the file is fetched.
 */
export async function remoteFileHead(
  ref: Pick<ModelRef, 'repo' | 'file' | 'revision'>,
  bytes: number,
  options: Pick<PullOptions, 'hubUrl' | 'accessToken' | 'signal'> = {},
  check?: (info: Omit<RemoteFileHead, 'head'>) => void,
): Promise<RemoteFileHead> {
  const input = checkInput(ref, options);
  const ctx: RequestContext = { ...input, signal: options.signal };
  const meta = await fileMetadata(resolveUrl(input.hubUrl, input.repo, input.revision, input.file), ctx);
  const info = { size: meta.size, commit: meta.commit, sha256: SHA256.test(meta.etag) ? meta.etag : null };
  check?.(info);
  if (bytes <= 0) return { ...info, head: Buffer.alloc(0) };
  const headers = hubHeaders(meta.sendToken ? ctx.token : null);
  headers['range'] = `bytes=0-${Math.max(0, Math.min(bytes, meta.size) - 1)}`;
  const res = await send(meta.location, { headers, signal: ctx.signal }, ctx);
  if (!res.ok) throw await httpError(res, ctx);
  // A server that ignores Range sends the whole file: only the first bytes are read, then the transfer is dropped.
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of res.body ?? []) {
    chunks.push(Buffer.from(chunk));
    got += chunk.byteLength;
    if (got >= bytes) break;
  }
  await res.body?.cancel().catch(() => undefined);
  return { ...info, head: Buffer.concat(chunks).subarray(0, bytes) };
}

interface CheckedInput {
  repo: string;
  file: string;
  revision: string;
  sha256: string | null;
  hubUrl: string;
  token: string | null;
}

interface RequestContext extends CheckedInput {
  signal: AbortSignal | undefined;
}

function checkInput(ref: ModelRef, options: PullOptions): CheckedInput {
  const bad = (message: string) => new ModelDownloadError('INVALID_INPUT', message);
  if (typeof ref.repo !== 'string' || typeof ref.file !== 'string')
    throw bad('a model reference needs a repo and a file');
  if (!REPO_ID.test(ref.repo) || /--|\.\./.test(ref.repo) || /^[.-]|[.-]$/.test(ref.repo))
    throw bad(`not a Hugging Face repo id: "${ref.repo}" (expected owner/name)`);
  // The file and revision name paths in the cache: nothing may climb out of it (huggingface_hub#4540).
  const file = ref.file;
  if (
    !file ||
    file.includes('\\') ||
    file.startsWith('/') ||
    /^[A-Za-z]:/.test(file) ||
    file.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw bad(`not a file path inside a repo: "${file}"`);
  }
  const revision = ref.revision ?? DEFAULT_REVISION;
  if (!revision || revision.includes('\\') || revision.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw bad(`not a revision: "${revision}"`);
  const sha256 = ref.sha256?.toLowerCase() ?? null;
  if (sha256 !== null && !SHA256.test(sha256)) throw bad(`not a sha256 (64 hex digits): "${ref.sha256}"`);
  const hubUrl = (options.hubUrl ?? process.env['HF_ENDPOINT'] ?? HUB_URL).replace(/\/+$/, '');
  if (!URL.canParse(hubUrl) || !/^https?:$/.test(new URL(hubUrl).protocol))
    throw bad(`not an http(s) URL for the Hub: "${hubUrl}"`);
  // A token read from a file often ends with a newline; anything else a header cannot carry is refused here,
  // because fetch would quote the header value (the token) in its own error message.
  const token = options.accessToken?.trim() || null;
  if (token && !/^[\x21-\x7e]+$/.test(token))
    throw bad('the access token contains characters an HTTP header cannot carry (check HF_TOKEN)');
  return { repo: ref.repo, file, revision, sha256, hubUrl, token };
}

export function resolveUrl(hubUrl: string, repo: string, revision: string, file: string): string {
  // As huggingface_hub's hf_hub_url: the revision is one path segment (refs/pr/1 -> refs%2Fpr%2F1).
  return `${hubUrl}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export function hubHeaders(token: string | null): Record<string, string> {
  return {
    'user-agent': `collab-desk/${APP_VERSION}`,
    // A compressed answer has no usable size and breaks byte offsets, so resume could not work.
    'accept-encoding': 'identity',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

interface FileMetadata {
  commit: string;
  /** The sha256 for an LFS file, the git blob sha1 for a small regular one: the blob's name in the cache. */
  etag: string;
  size: number;
  /** Where the bytes are: the CDN for an LFS file, the resolve URL itself otherwise. */
  location: string;
  /** Whether the token may go along to `location`: only to the Hub's own host, never to a CDN. */
  sendToken: boolean;
}

/**
 * The Hub's answer to HEAD on the resolve URL, read like huggingface_hub's get_hf_file_metadata: relative redirects
 * (a renamed repo) are followed, an absolute one (the CDN) is not, because that redirect carries the metadata.
 */
async function fileMetadata(url: string, ctx: RequestContext): Promise<FileMetadata> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const timeout = AbortSignal.timeout(METADATA_TIMEOUT_MS);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    const res = await send(
      current,
      { method: 'HEAD', redirect: 'manual', headers: hubHeaders(ctx.token), signal },
      ctx,
      timeout,
    );
    const location = res.headers.get('location');
    const redirect = res.status >= 300 && res.status < 400 && location !== null;
    if (redirect && isRelative(location) && hop < 5) {
      current = new URL(location, current).href;
      continue;
    }
    if (!redirect && !res.ok) throw await httpError(res, ctx);
    const host = new URL(current).host;
    const notHub = (what: string) =>
      new ModelDownloadError(
        'BAD_RESPONSE',
        `${host} did not answer like a Hugging Face Hub for ${ctx.repo}/${ctx.file} (${what}); check HF_ENDPOINT or --hub-url (a proxy or captive portal may be answering instead)`,
      );
    const commit = res.headers.get('x-repo-commit');
    if (!commit || !CACHE_NAME.test(commit)) throw notHub('no X-Repo-Commit header');
    const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    if (!etag || !CACHE_NAME.test(etag)) throw notHub('no usable ETag');
    // The size of an LFS file is X-Linked-Size; a redirect's own Content-Length is its short body's.
    const size = Number(
      res.headers.get('x-linked-size') ?? (redirect ? null : res.headers.get('content-length')) ?? NaN,
    );
    if (!Number.isSafeInteger(size) || size < 0) throw notHub('no file size');
    const target = redirect ? new URL(location, current) : new URL(current);
    return {
      commit,
      etag,
      size,
      location: target.href,
      sendToken: target.host === new URL(url).host && target.protocol === new URL(url).protocol,
    };
  }
}

function isRelative(location: string): boolean {
  return !/^[a-z][a-z\d+.-]*:/i.test(location) && !location.startsWith('//');
}

/** huggingface_hub's _normalize_etag: W/"abc" and "abc" both name the blob abc. */
function normalizeEtag(etag: string | null): string | null {
  return etag === null ? null : etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** fetch, with its failures said in words a user can act on. */
async function send(url: string, init: RequestInit, ctx: RequestContext, timeout?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (ctx.signal?.aborted) throw cancelled(ctx);
    const host = new URL(url).host;
    const why = timeout?.aborted ? `no answer within ${METADATA_TIMEOUT_MS / 1000} s` : networkReason(err);
    throw new ModelDownloadError(
      'OFFLINE',
      `cannot reach ${host}: ${why}; check the connection, or set HF_ENDPOINT to a Hub mirror you can reach`,
      { cause: err },
    );
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its name does not resolve (offline, or DNS is down)';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'the connection timed out';
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return 'the network is unreachable';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  return cause?.message ?? (err as Error).message;
}

function cancelled(ctx: { repo: string; file: string }, at = ''): ModelDownloadError {
  return new ModelDownloadError('CANCELLED', `pull of ${ctx.repo}/${ctx.file} cancelled${at}`);
}

/**
 * The Hub's refusals, read from the X-Error-Code / X-Error-Message headers it sets (the codes huggingface_hub's
 * hf_raise_for_status dispatches on). Without a token the Hub answers 401 for a repo that does not exist, so that
 * private repos stay unseen.
 */
async function httpError(res: Response, ctx: RequestContext): Promise<ModelDownloadError> {
  await res.body?.cancel().catch(() => undefined);
  const code = res.headers.get('x-error-code');
  const message = res.headers.get('x-error-message') ?? '';
  const host = new URL(res.url || ctx.hubUrl).host;
  const { repo, file, revision } = ctx;
  const page = `${ctx.hubUrl}/${repo}`;
  if (code === 'GatedRepo') {
    const why = ctx.token ? 'the account of HF_TOKEN has no access to it yet' : 'it needs a token';
    return new ModelDownloadError(
      'GATED',
      `${repo} is a gated model and ${why}: accept the license on the model page (${page}) and set HF_TOKEN to a token of that account`,
    );
  }
  if (code === 'RevisionNotFound')
    return new ModelDownloadError('NOT_FOUND', `revision "${revision}" not found in ${repo} on ${host}`);
  if (code === 'EntryNotFound')
    return new ModelDownloadError(
      'NOT_FOUND',
      `file ${file} not found in ${repo} at revision "${revision}" on ${host}`,
    );
  if (res.status === 401 && message === 'Invalid credentials in Authorization header') {
    return new ModelDownloadError(
      'UNAUTHORIZED',
      `${host} rejected the token (invalid or expired): set HF_TOKEN to a valid read token`,
    );
  }
  if (code === 'RepoNotFound' || res.status === 401 || res.status === 404) {
    const hint = ctx.token ? '' : ' (if it is private, set HF_TOKEN to a token that can read it)';
    return new ModelDownloadError('NOT_FOUND', `repository ${repo} not found on ${host}${hint}`);
  }
  if (res.status === 403)
    return new ModelDownloadError(
      'UNAUTHORIZED',
      `${host} refused access to ${repo}/${file} (403${message ? `: ${message}` : ''})`,
    );
  if (res.status === 429)
    return new ModelDownloadError(
      'HTTP',
      `${host} is rate-limiting this machine (429): wait a minute and pull again${ctx.token ? '' : '; a token (HF_TOKEN) raises the limit'}`,
    );
  return new ModelDownloadError(
    'HTTP',
    `${host} answered ${res.status} ${res.statusText} for ${repo}/${file}${message ? `: ${message}` : ''}; try again later`,
  );
}

interface TransferContext extends RequestContext {
  expectedSha256: string | null;
  onProgress: ((p: PullProgress) => void) | undefined;
  retries: number;
  statfs: StatFs;
}

/**
 * Streams the bytes into `{blob}.incomplete`, continuing from what is already there, and moves the file to `blob`
 * only once it is complete and hashes right. Returns its sha256.
 */
async function transfer(meta: FileMetadata, blob: string, ctx: TransferContext): Promise<string> {
  const incomplete = `${blob}.incomplete`;
  const total = meta.size;
  await mkdir(dirname(blob), { recursive: true });
  let offset = (await fileSize(incomplete)) ?? 0;
  if (offset > total) {
    await rm(incomplete, { force: true });
    offset = 0;
  }
  await checkFreeSpace(dirname(blob), total - offset, ctx.statfs);

  const meter = new Meter(total, ctx.onProgress);
  meter.update(offset, true);
  // The git blob sha1 checks a small regular file, whose etag is that sha1 rather than a sha256.
  const gitEtag = GIT_SHA1.test(meta.etag) ? meta.etag : null;
  let hashes = newHashes(total, gitEtag !== null);
  // The resumed prefix is hashed from disk, so the final hash covers every byte of the file.
  if (offset > 0) {
    for await (const chunk of createReadStream(incomplete, { end: offset - 1 })) hashes.update(chunk as Buffer);
  }
  const restart = async () => {
    await rm(incomplete, { force: true });
    offset = 0;
    hashes = newHashes(total, gitEtag !== null);
    meter.reset(0);
  };

  for (let attempt = 0; offset < total; attempt++) {
    const headers = hubHeaders(meta.sendToken ? ctx.token : null);
    if (offset > 0) headers['range'] = `bytes=${offset}-`;
    const res = await send(meta.location, { headers, signal: ctx.signal }, ctx);
    if (offset > 0 && res.status === 200) {
      // The server ignored the Range header and sends the whole file: start over rather than append it.
      await restart();
    } else if (offset > 0 && res.status === 206) {
      if (!contentRangeMatches(res.headers.get('content-range'), offset, total)) {
        await res.body?.cancel().catch(() => undefined);
        await restart();
        continue;
      }
    } else if (offset > 0 && res.status === 416) {
      await res.body?.cancel().catch(() => undefined);
      await restart();
      continue;
    } else if (!res.ok) {
      throw await httpError(res, ctx);
    }

    const fh = await open(incomplete, 'a');
    let failure: unknown = null;
    try {
      for await (const chunk of res.body ?? []) {
        if (offset + chunk.byteLength > total) {
          throw new ModelDownloadError(
            'BAD_RESPONSE',
            `${new URL(meta.location).host} sent more than the ${total} bytes the Hub announced for ${ctx.repo}/${ctx.file}`,
          );
        }
        await writeChunk(fh, chunk, incomplete);
        hashes.update(chunk);
        offset += chunk.byteLength;
        meter.update(offset);
      }
      // A complete file is flushed before it is renamed, so a crash never leaves a short blob under a verified name.
      if (offset === total) await fh.datasync();
    } catch (err) {
      failure = err;
    } finally {
      await fh.close();
    }
    if (failure instanceof ModelDownloadError) {
      if (failure.code === 'BAD_RESPONSE') await rm(incomplete, { force: true });
      throw failure;
    }
    // A file-system error (fetch's own carry their reason in `cause`) is no network blip: retrying cannot help.
    if (typeof (failure as NodeJS.ErrnoException | null)?.syscall === 'string') throw failure;
    if (ctx.signal?.aborted)
      throw cancelled(ctx, ` at ${formatBytes(offset)} of ${formatBytes(total)}; pull again to resume`);
    if (offset === total) break;
    // The body ended early or the connection broke: resume from what is on disk, as huggingface_hub's http_get does.
    if (attempt >= ctx.retries) {
      const reason = failure ? networkReason(failure) : 'the server closed the connection early';
      throw new ModelDownloadError(
        'NETWORK',
        `the transfer of ${ctx.repo}/${ctx.file} broke off at ${formatBytes(offset)} of ${formatBytes(total)} (${reason}); pull again to resume from there`,
        { cause: failure ?? undefined },
      );
    }
    try {
      await sleep(RETRY_DELAY_MS, undefined, { signal: ctx.signal });
    } catch {
      throw cancelled(ctx, ` at ${formatBytes(offset)} of ${formatBytes(total)}; pull again to resume`);
    }
  }
  meter.update(offset, true);

  const { sha256, gitSha1 } = hashes.digest();
  const expected = ctx.expectedSha256 ?? null;
  if ((expected && sha256 !== expected) || (gitEtag && gitSha1 !== gitEtag)) {
    // A wrong file must never be found in blobs/, nor resumed from: it is deleted whole.
    await rm(incomplete, { force: true });
    const [got, want] = expected ? [`sha256 ${sha256}`, expected] : [`git sha1 ${gitSha1}`, gitEtag];
    throw new ModelDownloadError(
      'HASH_MISMATCH',
      `${ctx.repo}/${ctx.file} arrived with ${got} but ${want} was expected; the download was deleted (corrupted in transit, or altered by a proxy): pull again`,
      expected ? { expected, actual: sha256 } : {},
    );
  }
  await rename(incomplete, blob);
  return sha256;
}

function newHashes(total: number, withGitSha1: boolean) {
  const sha256 = createHash('sha256');
  const git: Hash | null = withGitSha1 ? createHash('sha1').update(`blob ${total}\0`) : null;
  return {
    update(chunk: Uint8Array) {
      sha256.update(chunk);
      git?.update(chunk);
    },
    digest: () => ({ sha256: sha256.digest('hex'), gitSha1: git?.digest('hex') ?? null }),
  };
}

function contentRangeMatches(header: string | null, offset: number, total: number): boolean {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return !!m && Number(m[1]) === offset && Number(m[2]) === total - 1 && (m[3] === '*' || Number(m[3]) === total);
}

async function writeChunk(fh: Awaited<ReturnType<typeof open>>, chunk: Uint8Array, path: string): Promise<void> {
  try {
    await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new ModelDownloadError(
        'NO_SPACE',
        `the disk holding ${dirname(path)} is full; free some space and pull again to resume`,
        { cause: err },
      );
    }
    throw err;
  }
}

async function checkFreeSpace(dir: string, remaining: number, statfs: StatFs): Promise<void> {
  const fs = await statfs(dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (free < remaining + DISK_HEADROOM) {
    throw new ModelDownloadError(
      'NO_SPACE',
      `not enough disk space in ${dir}: the download needs ${formatBytes(remaining)} (plus ${formatBytes(DISK_HEADROOM)} to spare) and ${formatBytes(free)} is free; free some space, or set HF_HUB_CACHE to a bigger disk`,
    );
  }
}

/** Bytes in the units a person reads (decimal, as disk tools and the Hub show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** Progress events at most every PROGRESS_INTERVAL_MS; the rate is measured over the last RATE_WINDOW_MS. */
class Meter {
  private samples: Array<[number, number]> = [];
  private lastEmit = -Infinity;

  constructor(
    private readonly total: number,
    private readonly onProgress: ((p: PullProgress) => void) | undefined,
  ) {}

  reset(bytes: number): void {
    this.samples = [];
    this.update(bytes, true);
  }

  update(bytes: number, force = false): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastEmit < PROGRESS_INTERVAL_MS) return;
    this.lastEmit = now;
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > RATE_WINDOW_MS) this.samples.shift();
    const [t0, b0] = this.samples[0]!;
    const rate = now > t0 ? ((bytes - b0) * 1000) / (now - t0) : 0;
    this.onProgress({
      bytes,
      total: this.total,
      rate,
      eta_s: rate > 0 ? (this.total - bytes) / rate : bytes === this.total ? 0 : null,
    });
  }
}

/** Whether the cache already holds the exact file a pinned sha256 or a commit names. */
async function cachedWithoutNetwork(storage: string, input: CheckedInput): Promise<PulledModel | null> {
  const commit = GIT_SHA1.test(input.revision) ? input.revision : await readRef(storage, input.revision);
  if (!commit) return null;
  const cached = pulledFromCache(await cachedSnapshot(storage, commit, input.file));
  if (!cached) return null;
  if (GIT_SHA1.test(input.revision) && !input.sha256) return cached;
  return input.sha256 && cached.sha256 === input.sha256 ? cached : null;
}

/** A file the cache already holds, answered as a pull that transferred nothing. */
function pulledFromCache(snapshot: CachedSnapshot | null): PulledModel | null {
  return snapshot && { ...snapshot, fromCache: true };
}

/**
 * One pull per blob at a time: two writers appending to one .incomplete file would waste the download. The lock
 * holds the owner's pid and start time, so a lock left by a crashed pull is taken over rather than blocking forever,
 * even once another process got that pid.
 */
async function lock(path: string, what: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  for (let tries = 0; tries < 3; tries++) {
    try {
      await writeFile(path, processStamp(), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const { pid: holder, alive } = stampHolder(await readFile(path, 'utf8').catch(() => ''));
    // An empty lock may be one another pull has just created and not yet written to.
    const young = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? 0) < 5_000;
    if (alive || (!holder && young)) {
      throw new ModelDownloadError(
        'BUSY',
        `another pull of ${what} is running${holder ? ` (process ${holder})` : ''}; wait for it to finish, or delete ${path} if no pull is running`,
      );
    }
    await rm(path, { force: true });
  }
  throw new ModelDownloadError('BUSY', `could not take the download lock ${path} for ${what}`);
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

async function fileSize(path: string): Promise<number | null> {
  return (await stat(path).catch(() => null))?.size ?? null;
}
