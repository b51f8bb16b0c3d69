// Model downloads from the Hugging Face Hub: into the shared cache, resumable, verified, with clear errors; against a local Hub stand-in.
import { scanCacheDir } from '@huggingface/hub';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatBytes, pullModel, remoteFileHead, type PullProgress } from '../../src/bench/model-download';
import { ModelDownloadError } from '../../src/bench/model-download-error';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';

const MB = 1024 * 1024;
const MODEL = { repo: 'collab/tiny-model', file: 'tiny-Q8_0.gguf' };
const NESTED = { repo: 'collab/tiny-model', file: 'q4/tiny-Q4_0.gguf' };
const CONFIG = { repo: 'collab/tiny-model', file: 'config.json' };
const BROKEN = { repo: 'collab/broken-model', file: 'broken.gguf' };
const GATED = { repo: 'google/gated-model', file: 'gated.gguf' };
const TOKEN = 'hf_acceptedLicenseTokenDoNotPrint';
const OTHER_TOKEN = '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';
const BYTES = {
  model: seededBytes(3 * MB, 1),
  nested: seededBytes(1 * MB + 17, 2),
  broken: seededBytes(1 * MB, 3),
  gated: seededBytes(1 * MB, 4),
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let hf: HfStandin;
let root: string;
let n = 0;
/** A fresh, empty cache folder per test: no test sees another's files. */
const freshCache = () => join(root, `cache-${++n}`);
const repoFolder = (cache: string, repo: string) => join(cache, `models--${repo.replace('/', '--')}`);
const cdnGets = () => hf.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');

async function rejection(p: Promise<unknown>): Promise<ModelDownloadError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelDownloadError);
  return err as ModelDownloadError;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-pull-'));
  hf = await startHfStandin({
    repos: {
      'collab/tiny-model': {
        files: {
          [MODEL.file]: BYTES.model,
          [NESTED.file]: BYTES.nested,
          [CONFIG.file]: { bytes: Buffer.from('{"model_type": "llama"}\n'), lfs: false },
        },
        revisions: { v1: 'c0ffee0000000000000000000000000000000001' },
      },
      'collab/broken-model': { files: { [BROKEN.file]: BYTES.broken } },
      'google/gated-model': { files: { [GATED.file]: BYTES.gated }, gated: { accepted: [TOKEN] } },
    },
    tokens: [OTHER_TOKEN],
  });
});

afterAll(async () => {
  await hf?.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  hf.reset();
  hf.throttle(null);
  hf.ignoreRange(false);
});

describe('pullModel from the Hugging Face Hub', () => {
  it('downloads into the standard cache layout, reporting progress as it goes', async () => {
    const cacheDir = freshCache();
    const events: PullProgress[] = [];
    hf.throttle(8 * MB);
    const pulled = await pullModel(MODEL, { hubUrl: hf.url, cacheDir, onProgress: (p) => events.push(p) });

    const sha = sha256(BYTES.model);
    const commit = hf.commitOf(MODEL.repo);
    expect(pulled).toEqual({
      path: join(repoFolder(cacheDir, MODEL.repo), 'snapshots', commit, MODEL.file),
      sha256: sha,
      bytes: BYTES.model.length,
      commit,
      fromCache: false,
    });
    expect(readFileSync(pulled.path).equals(BYTES.model)).toBe(true);

    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const [i, e] of events.entries()) {
      expect(e.total).toBe(BYTES.model.length);
      if (i > 0) expect(e.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
    }
    expect(events[0]!.bytes).toBe(0);
    expect(events.at(-1)!.bytes).toBe(BYTES.model.length);
    const mid = events.find((e) => e.bytes > 0 && e.bytes < BYTES.model.length);
    expect(mid?.rate).toBeGreaterThan(1 * MB);
    expect(mid?.eta_s).toBeGreaterThan(0);

    // The layout huggingface_hub writes: blobs named by sha256, a relative symlink per snapshot file, refs/main.
    const folder = repoFolder(cacheDir, MODEL.repo);
    expect(readdirSync(join(folder, 'blobs'))).toEqual([sha]);
    expect(lstatSync(pulled.path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(pulled.path)).toBe(`../../blobs/${sha}`);
    expect(readFileSync(join(folder, 'refs', 'main'), 'utf8')).toBe(commit);
    // ...and what the huggingface.js port of huggingface_hub's scan_cache_dir reads back from it.
    const scan = await scanCacheDir(cacheDir);
    expect(scan.warnings).toEqual([]);
    expect(scan.repos).toHaveLength(1);
    expect(scan.repos[0]).toMatchObject({ id: { name: MODEL.repo, type: 'model' }, size: BYTES.model.length });
    expect(scan.repos[0]!.revisions).toMatchObject([
      { commitOid: commit, refs: ['main'], files: [{ path: pulled.path, blob: { path: join(folder, 'blobs', sha) } }] },
    ]);
  });

  it('places a file in a repo subfolder, and a tag, as huggingface_hub does', async () => {
    const cacheDir = freshCache();
    const pulled = await pullModel({ ...NESTED, revision: 'v1' }, { hubUrl: hf.url, cacheDir });
    const sha = sha256(BYTES.nested);
    expect(pulled.commit).toBe('c0ffee0000000000000000000000000000000001');
    expect(pulled.path).toBe(
      join(repoFolder(cacheDir, NESTED.repo), 'snapshots', pulled.commit, 'q4', 'tiny-Q4_0.gguf'),
    );
    expect(readlinkSync(pulled.path)).toBe(`../../../blobs/${sha}`);
    expect(readFileSync(join(repoFolder(cacheDir, NESTED.repo), 'refs', 'v1'), 'utf8')).toBe(pulled.commit);
  });

  it('answers a second pull from the cache without asking for the bytes again, and offline once the sha256 is pinned', async () => {
    const cacheDir = freshCache();
    const first = await pullModel(MODEL, { hubUrl: hf.url, cacheDir });
    hf.reset();
    const events: PullProgress[] = [];
    const second = await pullModel(MODEL, { hubUrl: hf.url, cacheDir, onProgress: (p) => events.push(p) });
    expect(second).toEqual({ ...first, fromCache: true });
    expect(cdnGets()).toEqual([]);
    expect(hf.bytesSent).toBe(0);
    expect(events).toEqual([]);

    // With the sha256 pinned, the cached file is the answer whatever the network says: even with no Hub at all.
    const noHub = `http://127.0.0.1:${await closedPort()}`;
    const offline = await pullModel({ ...MODEL, sha256: first.sha256 }, { hubUrl: noHub, cacheDir });
    expect(offline).toEqual({ ...first, fromCache: true });
    // ...but never another file than the pinned one.
    expect((await rejection(pullModel({ ...MODEL, sha256: 'cd'.repeat(32) }, { hubUrl: noHub, cacheDir }))).code).toBe(
      'OFFLINE',
    );
  });

  it('resumes an interrupted transfer on the next pull, fetching only the missing bytes', async () => {
    const cacheDir = freshCache();
    const cut = 1 * MB + 12_345;
    hf.cutAfter(MODEL.repo, MODEL.file, cut);
    const err = await rejection(pullModel(MODEL, { hubUrl: hf.url, cacheDir, retries: 0 }));
    expect(err.code).toBe('NETWORK');
    expect(err.message).toContain('pull again to resume');
    const sha = sha256(BYTES.model);
    const partial = join(repoFolder(cacheDir, MODEL.repo), 'blobs', `${sha}.incomplete`);
    // What the client had read when the connection dropped (at most what the server sent) is what it kept.
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cut);
    expect(err.message).toContain(`broke off at ${formatBytes(kept)} of ${formatBytes(BYTES.model.length)}`);

    hf.reset();
    const pulled = await pullModel(MODEL, { hubUrl: hf.url, cacheDir });
    expect(cdnGets()).toMatchObject([{ range: `bytes=${kept}-`, status: 206 }]);
    expect(hf.bytesSent).toBe(BYTES.model.length - kept);
    expect(pulled.sha256).toBe(sha);
    expect(pulled.fromCache).toBe(false);
    expect(readFileSync(pulled.path).equals(BYTES.model)).toBe(true);
    expect(existsSync(partial)).toBe(false);
  });

  it('resumes within the same pull when the connection drops mid-transfer', async () => {
    const cacheDir = freshCache();
    hf.cutAfter(MODEL.repo, MODEL.file, 700_000);
    const pulled = await pullModel(MODEL, { hubUrl: hf.url, cacheDir });
    const [first, second] = cdnGets();
    expect(cdnGets()).toHaveLength(2);
    expect(first!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(700_000);
    expect(second!.status).toBe(206);
    expect(hf.bytesSent).toBe(700_000 + BYTES.model.length - resumedAt);
    expect(pulled.sha256).toBe(sha256(BYTES.model));
  });

  it('starts over when the server ignores the Range header, rather than appending the whole file', async () => {
    const cacheDir = freshCache();
    hf.cutAfter(MODEL.repo, MODEL.file, 500_000);
    await rejection(pullModel(MODEL, { hubUrl: hf.url, cacheDir, retries: 0 }));
    const kept = statSync(join(repoFolder(cacheDir, MODEL.repo), 'blobs', `${sha256(BYTES.model)}.incomplete`)).size;
    hf.reset();
    hf.ignoreRange(true);
    const pulled = await pullModel(MODEL, { hubUrl: hf.url, cacheDir });
    expect(cdnGets()).toMatchObject([{ range: `bytes=${kept}-`, status: 200 }]);
    expect(pulled.sha256).toBe(sha256(BYTES.model));
    expect(statSync(pulled.path).size).toBe(BYTES.model.length);
  });

  it('rejects bytes that do not match the sha256 and keeps nothing of them', async () => {
    const cacheDir = freshCache();
    hf.corrupt(BROKEN.repo, BROKEN.file);
    const err = await rejection(pullModel(BROKEN, { hubUrl: hf.url, cacheDir }));
    expect(err.code).toBe('HASH_MISMATCH');
    const corrupted = Buffer.from(BYTES.broken);
    corrupted[corrupted.length >> 1]! ^= 0xff;
    expect(err.message).toContain(sha256(corrupted));
    expect(err.message).toContain(sha256(BYTES.broken));
    expect(readdirSync(join(repoFolder(cacheDir, BROKEN.repo), 'blobs'))).toEqual([]);
    expect(
      existsSync(join(repoFolder(cacheDir, BROKEN.repo), 'snapshots', hf.commitOf(BROKEN.repo), BROKEN.file)),
    ).toBe(false);
  });

  it('refuses before downloading when the pinned sha256 is not the file the Hub has', async () => {
    const cacheDir = freshCache();
    const pinned = 'ab'.repeat(32);
    const err = await rejection(pullModel({ ...MODEL, sha256: pinned }, { hubUrl: hf.url, cacheDir }));
    expect(err.code).toBe('HASH_MISMATCH');
    expect(err.message).toContain(pinned);
    expect(err.message).toContain(sha256(BYTES.model));
    expect(cdnGets()).toEqual([]);
  });

  it('says the Hub cannot be reached when nothing listens there', async () => {
    const port = await closedPort();
    const err = await rejection(pullModel(MODEL, { hubUrl: `http://127.0.0.1:${port}`, cacheDir: freshCache() }));
    expect(err.code).toBe('OFFLINE');
    expect(err.message).toBe(
      `cannot reach 127.0.0.1:${port}: connection refused; check the connection, or set HF_ENDPOINT to a Hub mirror you can reach`,
    );
  });

  it('names the missing file, revision or repository', async () => {
    const cacheDir = freshCache();
    const file = await rejection(
      pullModel({ repo: MODEL.repo, file: 'missing-Q2_K.gguf' }, { hubUrl: hf.url, cacheDir }),
    );
    expect(file.code).toBe('NOT_FOUND');
    expect(file.message).toContain(`file missing-Q2_K.gguf not found in ${MODEL.repo} at revision "main"`);
    const revision = await rejection(pullModel({ ...MODEL, revision: 'v9' }, { hubUrl: hf.url, cacheDir }));
    expect(revision.message).toContain(`revision "v9" not found in ${MODEL.repo}`);
    // Anonymous: the Hub answers 401 for a repo that does not exist, as it does for a private one.
    const repo = await rejection(
      pullModel({ repo: 'collab/no-such-model', file: 'x.gguf' }, { hubUrl: hf.url, cacheDir }),
    );
    expect(repo.code).toBe('NOT_FOUND');
    expect(repo.message).toContain('repository collab/no-such-model not found');
    expect(repo.message).toContain('if it is private, set HF_TOKEN');
  });

  it('sends a gated repo to its license page without a token, downloads it with one, and keeps the token off the CDN', async () => {
    const cacheDir = freshCache();
    const anonymous = await rejection(pullModel(GATED, { hubUrl: hf.url, cacheDir }));
    expect(anonymous.code).toBe('GATED');
    expect(anonymous.message).toContain('accept the license on the model page');
    expect(anonymous.message).toContain(`${hf.url}/${GATED.repo}`);
    expect(anonymous.message).toContain('set HF_TOKEN');

    const notAccepted = await rejection(pullModel(GATED, { hubUrl: hf.url, cacheDir, accessToken: OTHER_TOKEN }));
    expect(notAccepted.code).toBe('GATED');
    expect(notAccepted.message).toContain('has no access to it yet');
    expect(notAccepted.message).not.toContain(OTHER_TOKEN);

    const invalid = await rejection(
      pullModel(GATED, { hubUrl: hf.url, cacheDir, accessToken: 'hf_revokedTokenDoNotPrint' }),
    );
    expect(invalid.code).toBe('UNAUTHORIZED');
    expect(invalid.message).not.toContain('hf_revokedTokenDoNotPrint');

    hf.reset();
    const pulled = await pullModel(GATED, { hubUrl: hf.url, cacheDir, accessToken: TOKEN });
    expect(pulled.sha256).toBe(sha256(BYTES.gated));
    const hub = hf.requests.filter((r) => r.server === 'hub');
    expect(hub.length).toBeGreaterThan(0);
    expect(hub.every((r) => r.authorization)).toBe(true);
    expect(cdnGets()).toHaveLength(1);
    expect(cdnGets()[0]!.authorization).toBe(false);
    expect(hf.requests.some((r) => r.path.includes(TOKEN))).toBe(false);
  });

  it('checks a small regular file (served by the Hub itself) against its git sha1, sending the token only there', async () => {
    const cacheDir = freshCache();
    const pulled = await pullModel(CONFIG, { hubUrl: hf.url, cacheDir, accessToken: OTHER_TOKEN });
    const bytes = readFileSync(pulled.path);
    expect(bytes.toString()).toBe('{"model_type": "llama"}\n');
    const oid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    expect(readlinkSync(pulled.path)).toBe(`../../blobs/${oid}`);
    expect(pulled.sha256).toBe(sha256(bytes));
    expect(hf.requests.filter((r) => r.server === 'hub' && r.method === 'GET')).toMatchObject([
      { authorization: true, status: 200 },
    ]);
    expect(cdnGets()).toEqual([]);
  });

  it('refuses a download the disk has no room for, before fetching any byte', async () => {
    const cacheDir = freshCache();
    const statfs = async () => ({ bavail: 1000, bsize: 4096 });
    const err = await rejection(pullModel(MODEL, { hubUrl: hf.url, cacheDir, statfs }));
    expect(err.code).toBe('NO_SPACE');
    expect(err.message).toMatch(/needs 3\.15 MB \(plus [\d.]+ MB to spare\) and 4\.10 MB is free/);
    expect(cdnGets()).toEqual([]);
    expect(hf.bytesSent).toBe(0);
    expect(readdirSync(join(repoFolder(cacheDir, MODEL.repo), 'blobs'))).toEqual([]);
  });

  it('stops on abort, keeping the partial file, and a later pull resumes from it', async () => {
    const cacheDir = freshCache();
    hf.throttle(4 * MB);
    const controller = new AbortController();
    const err = await rejection(
      pullModel(MODEL, {
        hubUrl: hf.url,
        cacheDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytes > 600_000) controller.abort();
        },
      }),
    );
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toContain('pull again to resume');
    const partial = join(repoFolder(cacheDir, MODEL.repo), 'blobs', `${sha256(BYTES.model)}.incomplete`);
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(600_000);
    expect(kept).toBeLessThan(BYTES.model.length);

    hf.reset();
    hf.throttle(null);
    const pulled = await pullModel(MODEL, { hubUrl: hf.url, cacheDir });
    expect(cdnGets().map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    expect(pulled.sha256).toBe(sha256(BYTES.model));
  });

  it('refuses a second pull of the same file while one is running', async () => {
    const cacheDir = freshCache();
    hf.throttle(6 * MB);
    let started!: () => void;
    const transferring = new Promise<void>((r) => (started = r));
    const first = pullModel(MODEL, { hubUrl: hf.url, cacheDir, onProgress: (p) => p.bytes > 0 && started() });
    await transferring;
    const second = await rejection(pullModel(MODEL, { hubUrl: hf.url, cacheDir }));
    expect(second.code).toBe('BUSY');
    expect(second.message).toContain(`process ${process.pid}`);
    expect((await first).sha256).toBe(sha256(BYTES.model));
  });

  it('reads what the Hub says of a file and only its first bytes, or not one byte when the check refuses it', async () => {
    // Requests for this file only: an earlier test's transfer may still be closing.
    const gets = () => cdnGets().filter((r) => r.path.includes(sha256(BYTES.nested)));
    const head = await remoteFileHead(NESTED, 1000, { hubUrl: hf.url });
    expect(head).toMatchObject({
      size: BYTES.nested.length,
      commit: hf.commitOf(NESTED.repo),
      sha256: sha256(BYTES.nested),
    });
    expect(head.head.equals(BYTES.nested.subarray(0, 1000))).toBe(true);
    // The stand-in records a request once its response closed, which may come just after the client is done.
    await vi.waitFor(() => expect(gets().map((r) => r.range)).toEqual(['bytes=0-999']));

    hf.reset();
    const refused = remoteFileHead(NESTED, 1000, { hubUrl: hf.url }, () => {
      throw new Error('not this file');
    });
    await expect(refused).rejects.toThrow('not this file');
    expect(gets()).toEqual([]);
  });

  it('refuses names that would leave the cache folder', async () => {
    for (const ref of [
      { repo: '../etc', file: 'x' },
      { repo: MODEL.repo, file: '../../x' },
      { repo: MODEL.repo, file: 'x', revision: '../..' },
    ]) {
      expect((await rejection(pullModel(ref, { hubUrl: hf.url, cacheDir: freshCache() }))).code).toBe('INVALID_INPUT');
    }
  });
});
