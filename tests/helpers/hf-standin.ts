// A Hugging Face Hub stand-in on loopback: the resolve endpoint as the Hub answers it, its CDN serving byte ranges, and faults to inject.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinFile {
  bytes: Buffer;
  /** Stored with Git LFS (the Hub redirects to its CDN) or as a small regular git file (served by the Hub itself). Default: LFS. */
  lfs?: boolean;
}

export interface StandinRepo {
  files: Record<string, Buffer | StandinFile>;
  /** A gated repo: only tokens of accounts that accepted its license may download. */
  gated?: { accepted: string[] };
  /** Branches and tags; `main` points at a commit derived from the repo name unless given. */
  revisions?: Record<string, string>;
}

export interface StandinRequest {
  /** `hub`: the resolve endpoint; `cdn`: the separate host the Hub redirects LFS downloads to. */
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range: string | null;
  /** Whether an Authorization header came with it (never its value). */
  authorization: boolean;
  status: number;
}

export interface HfStandin {
  /** The endpoint to use as hubUrl / HF_ENDPOINT. */
  url: string;
  /** The CDN's origin: another port, so that it is another host to a client, as cdn-lfs.hf.co is to huggingface.co. */
  cdnUrl: string;
  requests: StandinRequest[];
  /** File bytes the CDN (and the Hub, for regular files) actually wrote to sockets. */
  bytesSent: number;
  commitOf(repo: string, revision?: string): string;
  sha256Of(repo: string, file: string): string;
  /** The next transfer of this file stops after `bytes` bytes of its body and the connection is dropped (once). */
  cutAfter(repo: string, file: string, bytes: number): void;
  /** Serve other bytes of the same size for this file, while the Hub still announces the true sha256. */
  corrupt(repo: string, file: string): void;
  /** A CDN that ignores Range headers and always answers 200 with the whole file. */
  ignoreRange(on: boolean): void;
  /** Limit the CDN's sending rate, so transfers last long enough to watch (null: as fast as loopback goes). */
  throttle(bytesPerSecond: number | null): void;
  /** Forget recorded requests and byte counts. */
  reset(): void;
  close(): Promise<void>;
}

/** Bytes from a seeded generator (xorshift32): the same file every run, no fixture on disk. */
export function seededBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size + 3);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out.subarray(0, size);
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const gitOid = (b: Buffer | string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(b)}\0`)
    .update(b)
    .digest('hex');

/** The headers the Hub lets browsers read, as it sends them on every resolve answer. */
const EXPOSE_HEADERS =
  'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash';
const CHUNK = 64 * 1024;

interface FileEntry {
  repo: string;
  path: string;
  bytes: Buffer;
  lfs: boolean;
  sha256: string;
  /** The git oid of what is in the repo's tree: the file itself, or its LFS pointer. */
  gitOid: string;
  cutAfter: number | null;
  corrupt: boolean;
}

export async function startHfStandin(options: {
  repos: Record<string, StandinRepo>;
  tokens?: string[];
  /**
   * Repos renamed on the Hub, old name -> new: the Hub answers the old name's resolve URLs with a 307 to the same
   * path under the new name, a relative Location (what huggingface_hub follows and a CDN redirect never is).
   */
  renamed?: Record<string, string>;
}): Promise<HfStandin> {
  const secret = randomBytes(16);
  const files = new Map<string, FileEntry>();
  const bySha = new Map<string, FileEntry>();
  const commits = new Map<string, Record<string, string>>();
  const validTokens = new Set(options.tokens ?? []);
  for (const [repo, spec] of Object.entries(options.repos)) {
    const main = gitOid(`commit of ${repo}`);
    commits.set(repo, { main, ...spec.revisions });
    for (const t of spec.gated?.accepted ?? []) validTokens.add(t);
    for (const [path, f] of Object.entries(spec.files)) {
      const { bytes, lfs = true } = Buffer.isBuffer(f) ? { bytes: f } : f;
      const sha = sha256(bytes);
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${bytes.length}\n`;
      const entry: FileEntry = {
        repo,
        path,
        bytes,
        lfs,
        sha256: sha,
        gitOid: lfs ? gitOid(pointer) : gitOid(bytes),
        cutAfter: null,
        corrupt: false,
      };
      files.set(`${repo}\0${path}`, entry);
      bySha.set(sha, entry);
    }
  }

  const state = { requests: [] as StandinRequest[], bytesSent: 0, ignoreRange: false, rate: null as number | null };
  const record = (server: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse) =>
    // 'close' rather than 'finish': a response cut off by an injected fault is recorded too.
    res.on('close', () =>
      state.requests.push({
        server,
        method: req.method ?? '',
        path: req.url ?? '',
        range: req.headers.range ?? null,
        authorization: !!req.headers.authorization,
        status: res.statusCode,
      }),
    );
  const file = (repo: string, path: string) => {
    const f = files.get(`${repo}\0${path}`);
    if (!f) throw new Error(`stand-in has no ${repo}/${path}`);
    return f;
  };

  /** The Hub's refusals: status, X-Error-Code and X-Error-Message, and the message as a plain-text body. */
  function hubError(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string | null,
    message: string,
    extra: Record<string, string> = {},
  ) {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'x-request-id': `Root=1-${randomBytes(12).toString('hex')}`,
      'access-control-expose-headers': EXPOSE_HEADERS,
      ...(code ? { 'x-error-code': code } : {}),
      'x-error-message': message,
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : message);
  }

  function signedCdnPath(f: FileEntry): string {
    const path = `/repos/${f.sha256.slice(0, 2)}/${f.sha256.slice(2, 4)}/${f.sha256}`;
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const disposition = encodeURIComponent(
      `inline; filename*=UTF-8''${f.path.split('/').pop()}; filename="${f.path.split('/').pop()}";`,
    );
    const signature = createHmac('sha256', secret).update(`${path}${expires}`).digest('hex');
    return `${path}?response-content-disposition=${disposition}&Expires=${expires}&Signature=${signature}&Key-Pair-Id=K3RPWS32NSSJCE`;
  }

  const hub = createServer((req, res) => {
    record('hub', req, res);
    const url = new URL(req.url ?? '/', 'http://hub');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const at = parts.indexOf('resolve');
    if ((req.method !== 'GET' && req.method !== 'HEAD') || (at !== 1 && at !== 2) || parts.length < at + 3) {
      return hubError(req, res, 404, null, 'Not Found');
    }
    const repo = parts.slice(0, at).join('/');
    const revision = parts[at + 1]!;
    const path = parts.slice(at + 2).join('/');
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    if (auth !== null && !validTokens.has(auth))
      return hubError(req, res, 401, null, 'Invalid credentials in Authorization header');
    const movedTo = options.renamed?.[repo];
    if (movedTo) {
      const location = `/${movedTo}/resolve/${parts
        .slice(at + 1)
        .map(encodeURIComponent)
        .join('/')}`;
      res.writeHead(307, {
        location,
        'x-request-id': `Root=1-${randomBytes(12).toString('hex')}`,
        'access-control-expose-headers': EXPOSE_HEADERS,
        'content-type': 'text/plain; charset=utf-8',
      });
      res.end(req.method === 'HEAD' ? undefined : `Temporary Redirect. Redirecting to ${location}`);
      return;
    }
    const spec = options.repos[repo];
    // Without a token the Hub answers 401 for a repo that does not exist, so private repos cannot be told apart.
    if (!spec)
      return auth
        ? hubError(req, res, 404, 'RepoNotFound', 'Repository not found')
        : hubError(req, res, 401, 'RepoNotFound', 'Invalid username or password.');
    if (spec.gated && !auth) {
      return hubError(
        req,
        res,
        401,
        'GatedRepo',
        `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
    }
    if (spec.gated && !spec.gated.accepted.includes(auth!)) {
      return hubError(
        req,
        res,
        403,
        'GatedRepo',
        `Access to model ${repo} is restricted and you are not in the authorized list. Visit https://huggingface.co/${repo} to ask for access.`,
      );
    }
    const revisions = commits.get(repo)!;
    const commit = revisions[revision] ?? (Object.values(revisions).includes(revision) ? revision : null);
    if (!commit) return hubError(req, res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    const f = files.get(`${repo}\0${path}`);
    if (!f) return hubError(req, res, 404, 'EntryNotFound', 'Entry not found', { 'x-repo-commit': commit });

    const common = {
      'x-repo-commit': commit,
      'x-request-id': `Root=1-${randomBytes(12).toString('hex')}`,
      'access-control-expose-headers': EXPOSE_HEADERS,
      vary: 'Origin, Accept',
      'accept-ranges': 'bytes',
    };
    if (f.lfs) {
      // An LFS file: the Hub answers with a redirect to the CDN, and the file's own sha256 and size ride on it.
      const location = `${cdnUrl}${signedCdnPath(f)}`;
      const body = `Found. Redirecting to ${location}`;
      res.writeHead(302, {
        ...common,
        location,
        etag: `"${f.gitOid}"`,
        'x-linked-etag': `"${f.sha256}"`,
        'x-linked-size': String(f.bytes.length),
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    void sendBytes(req, res, f, { ...common, etag: `"${f.gitOid}"`, 'content-type': 'text/plain; charset=utf-8' });
  });

  const cdn = createServer((req, res) => {
    record('cdn', req, res);
    const url = new URL(req.url ?? '/', 'http://cdn');
    const m = /^\/repos\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(url.pathname);
    const expected = createHmac('sha256', secret)
      .update(`${url.pathname}${url.searchParams.get('Expires')}`)
      .digest('hex');
    const f = m ? bySha.get(m[1]!) : undefined;
    if (!f || url.searchParams.get('Signature') !== expected || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>',
      );
      return;
    }
    const name = f.path.split('/').pop();
    void sendBytes(req, res, f, {
      etag: `"${f.sha256}"`,
      'content-type': 'application/octet-stream',
      'content-disposition': `inline; filename*=UTF-8''${name}; filename="${name}";`,
      'accept-ranges': 'bytes',
      'x-cache': 'Miss from cloudfront',
    });
  });

  /** The file's bytes, honouring a single `bytes=a-` / `bytes=a-b` range, with the injected faults applied. */
  async function sendBytes(req: IncomingMessage, res: ServerResponse, f: FileEntry, headers: Record<string, string>) {
    let bytes = f.bytes;
    if (f.corrupt) {
      bytes = Buffer.from(f.bytes);
      bytes[bytes.length >> 1]! ^= 0xff;
    }
    const size = bytes.length;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && !state.ignoreRange) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        res.writeHead(416, { 'content-range': `bytes */${size}`, ...headers });
        res.end();
        return;
      }
      status = 206;
      headers = { ...headers, 'content-range': `bytes ${start}-${end}/${size}` };
    }
    res.writeHead(status, { ...headers, 'content-length': String(end - start + 1) });
    if (req.method === 'HEAD') return void res.end();
    const cut = f.cutAfter;
    f.cutAfter = null;
    let pos = start;
    while (pos <= end) {
      const stop = Math.min(end + 1, pos + CHUNK, cut !== null ? start + cut : Infinity);
      if (stop <= pos) break;
      const chunk = bytes.subarray(pos, stop);
      // Counted once the socket took them: what a client can have received.
      const ok = await new Promise<boolean>((resolve) => res.write(chunk, (err) => resolve(!err)));
      if (!ok) return;
      state.bytesSent += chunk.length;
      pos = stop;
      if (state.rate) await new Promise((r) => setTimeout(r, (chunk.length / state.rate!) * 1000));
      if (req.socket.destroyed) return;
    }
    if (pos <= end) {
      // The injected cut: the connection drops mid-body, as a flaky network or a killed proxy would.
      req.socket.destroy();
      return;
    }
    res.end();
  }

  const listen = (s: Server) =>
    new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const cdnUrl = `http://127.0.0.1:${await listen(cdn)}`;
  const hubUrl = `http://127.0.0.1:${await listen(hub)}`;

  return {
    url: hubUrl,
    cdnUrl,
    get requests() {
      return state.requests;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    commitOf: (repo, revision = 'main') => commits.get(repo)![revision]!,
    sha256Of: (repo, path) => file(repo, path).sha256,
    cutAfter: (repo, path, n) => void (file(repo, path).cutAfter = n),
    corrupt: (repo, path) => void (file(repo, path).corrupt = true),
    ignoreRange: (on) => void (state.ignoreRange = on),
    throttle: (rate) => void (state.rate = rate),
    reset() {
      state.requests = [];
      state.bytesSent = 0;
    },
    async close() {
      for (const s of [hub, cdn]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}
