// The Hugging Face bucket stand-in, driven by the real @huggingface/hub client: what it uploads through Xet comes back byte for byte.
import {
  createRepo,
  deleteFile,
  downloadFile,
  HubApiError,
  listFiles,
  uploadFile,
  uploadFiles,
  whoAmI,
  type ListFileEntry,
} from '@huggingface/hub';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { seededBytes } from '../helpers/hf-standin';

const MB = 1024 * 1024;
const ALICE = 'hf_aliceWriteTokenDoNotPrint';
const BOB = 'hf_bobReadMemberTokenDoNotPrint';
const ORG = 'gemma-collab';
const BUCKET = `${ORG}/alice-agent-1`;
const repo = { type: 'bucket' as const, name: BUCKET };

// A multi-MB file whose 1.5 MB block comes three times: content-defined chunks repeat, so the client dedups them.
const block = seededBytes(1.5 * MB, 7);
const BIG = Buffer.concat([block, block, seededBytes(1 * MB, 8), block]);
// Counters: byte grouping then LZ4 beats plain LZ4 on them. Text: plain LZ4 wins. Random bytes: stored uncompressed.
const COUNTERS = Buffer.from(new Uint32Array(Array.from({ length: 256 * 1024 }, (_, i) => i * 3)).buffer);
const NOTES = Buffer.from(
  Array.from({ length: 2000 }, (_, i) => `- run ${i}: ${(i * 1.37).toFixed(2)} tok/s on rtx-4090\n`).join(''),
);
const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
const blob = (b: Buffer) => new Blob([new Uint8Array(b)]);

let hf: HfBucketStandin;
const auth = (accessToken: string) => ({ accessToken, hubUrl: hf.url });
const kinds = (kind: string) => hf.requests.filter((r) => r.kind === kind);

async function rejection(p: Promise<unknown>): Promise<HubApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HubApiError);
  return err as HubApiError;
}

async function list(path?: string, recursive = true): Promise<ListFileEntry[]> {
  const out: ListFileEntry[] = [];
  for await (const e of listFiles({ repo, recursive, ...(path && { path }), ...auth(ALICE) })) out.push(e);
  return out;
}

beforeAll(async () => {
  hf = await startHfBucketStandin({
    users: [
      { name: 'alice', token: ALICE, orgs: [{ name: ORG, role: 'write' }] },
      { name: 'bob', token: BOB, orgs: [{ name: ORG, role: 'read' }] },
    ],
    treePageSize: 2,
  });
});
afterAll(() => hf?.close());

describe('the Hugging Face bucket stand-in, through @huggingface/hub', () => {
  it('answers whoami-v2 for known tokens and 401 otherwise', async () => {
    const me = await whoAmI(auth(ALICE));
    expect(me).toMatchObject({ type: 'user', name: 'alice', auth: { type: 'access_token' } });
    expect(me.auth.accessToken?.role).toBe('write');
    expect(me.type === 'user' && me.orgs.map((o) => [o.name, (o as { roleInOrg?: string }).roleInOrg])).toEqual([
      [ORG, 'write'],
    ]);
    expect((await rejection(whoAmI(auth('hf_unknown')))).statusCode).toBe(401);
  });

  it('creates a bucket in an org where the token may write; 409 again; 403 for a read-only member', async () => {
    const created = await createRepo({ repo, ...auth(ALICE) });
    expect(created).toEqual({ repoUrl: `${hf.url}/buckets/${BUCKET}`, id: BUCKET });
    expect(hf.bucket(BUCKET)).toEqual({ private: false });
    expect((await rejection(createRepo({ repo, ...auth(ALICE) }))).statusCode).toBe(409);
    const forbidden = await rejection(createRepo({ repo: { type: 'bucket', name: `${ORG}/bob-agent` }, ...auth(BOB) }));
    expect(forbidden.statusCode).toBe(403);
    expect(hf.bucket(`${ORG}/bob-agent`)).toBeNull();
  });

  it('decodes the xorbs and shards of an upload back to the exact bytes, with dedup and every compression', async () => {
    await uploadFiles({
      repo,
      files: [
        { path: 'runs/big.bin', content: blob(BIG) },
        { path: 'runs/counters.bin', content: blob(COUNTERS) },
      ],
      ...auth(ALICE),
    });
    await uploadFile({ repo, file: { path: 'notes.md', content: blob(NOTES) }, ...auth(ALICE) });

    const files = hf.files(BUCKET);
    expect([...files.keys()].sort()).toEqual(['notes.md', 'runs/big.bin', 'runs/counters.bin']);
    expect(sha256(files.get('runs/big.bin')!)).toBe(sha256(BIG));
    expect(sha256(files.get('runs/counters.bin')!)).toBe(sha256(COUNTERS));
    expect(sha256(files.get('notes.md')!)).toBe(sha256(NOTES));

    const stats = hf.stats();
    // The repeated block was sent once: far fewer bytes than the files hold, in many chunks.
    expect(stats.xorbBytesReceived).toBeLessThan(0.7 * (BIG.length + COUNTERS.length + NOTES.length));
    expect(stats.chunksStored).toBeGreaterThan(20);
    expect(stats.compression.none).toBeGreaterThan(0);
    expect(stats.compression.lz4).toBeGreaterThan(0);
    expect(stats.compression.byteGroupingLz4).toBeGreaterThan(0);
    expect(kinds('shard').every((r) => r.status === 200)).toBe(true);
    expect(kinds('batch').map((r) => r.status)).toEqual([200, 200]);
  });

  it('answers chunk dedup queries: the same bytes again upload no xorb', async () => {
    const xorbsBefore = kinds('xorb').length;
    const hitsBefore = hf.stats().dedupHits;
    await uploadFile({ repo, file: { path: 'copy/big.bin', content: blob(BIG) }, ...auth(ALICE) });
    expect(kinds('xorb').length).toBe(xorbsBefore);
    expect(hf.stats().dedupHits).toBeGreaterThan(hitsBefore);
    expect(sha256(hf.files(BUCKET).get('copy/big.bin')!)).toBe(sha256(BIG));
  });

  it('lists the tree with Link pagination, recursively and by folder', async () => {
    const treeCalls = kinds('tree').length;
    const all = await list();
    expect(all.map((e) => [e.type, e.path, e.size])).toEqual([
      ['file', 'copy/big.bin', BIG.length],
      ['file', 'notes.md', NOTES.length],
      ['file', 'runs/big.bin', BIG.length],
      ['file', 'runs/counters.bin', COUNTERS.length],
    ]);
    expect(all.every((e) => /^[0-9a-f]{64}$/.test(e.xetHash ?? ''))).toBe(true);
    expect(kinds('tree').length - treeCalls).toBe(2); // two pages of two
    expect((await list(undefined, false)).map((e) => [e.type, e.path])).toEqual([
      ['directory', 'copy'],
      ['file', 'notes.md'],
      ['directory', 'runs'],
    ]);
    expect((await list('runs', false)).map((e) => e.path)).toEqual(['runs/big.bin', 'runs/counters.bin']);
  });

  it('serves downloads through resolve and the CAS reconstruction, retrying an injected 429 as the library does', async () => {
    hf.inject({ kind: 'transfer', status: 429, retryAfter: 1 });
    const big = await downloadFile({ repo, path: 'runs/big.bin', ...auth(ALICE) });
    expect(sha256(new Uint8Array(await big!.arrayBuffer()))).toBe(sha256(BIG));
    const transfers = kinds('transfer');
    expect(transfers.filter((r) => r.injected).map((r) => r.status)).toEqual([429]);
    expect(transfers.some((r) => r.status === 206)).toBe(true);

    const notes = await downloadFile({ repo, path: 'notes.md', ...auth(ALICE) });
    expect(Buffer.from(await notes!.arrayBuffer()).equals(NOTES)).toBe(true);
    expect(await downloadFile({ repo, path: 'missing.md', ...auth(ALICE) })).toBeNull();
    expect(kinds('resolve').every((r) => r.authorization)).toBe(true);
  });

  it('surfaces an injected 429 on the batch commit (the library does not retry it) and keeps nothing half-added', async () => {
    hf.inject({ kind: 'batch', status: 429, retryAfter: 2 });
    const limited = await rejection(
      uploadFile({ repo, file: { path: 'late.md', content: blob(Buffer.from('late\n')) }, ...auth(ALICE) }),
    );
    expect(limited.statusCode).toBe(429);
    expect(hf.files(BUCKET).has('late.md')).toBe(false);
    await uploadFile({ repo, file: { path: 'late.md', content: blob(Buffer.from('late\n')) }, ...auth(ALICE) });
    expect(hf.files(BUCKET).get('late.md')?.toString()).toBe('late\n');
  });

  it('answers a batch with some unknown hashes 422 with the failures, keeping the rest', async () => {
    const known = (await list()).find((e) => e.path === 'late.md')!.xetHash;
    const res = await fetch(`${hf.url}/api/buckets/${BUCKET}/batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ALICE}`, 'Content-Type': 'application/x-ndjson' },
      body: [
        { type: 'addFile', path: 'again.md', xetHash: known },
        { type: 'addFile', path: 'ghost.md', xetHash: 'f'.repeat(64) },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      success: false,
      processed: 2,
      succeeded: 1,
      failed: [{ path: 'ghost.md' }],
    });
    expect(hf.files(BUCKET).get('again.md')?.toString()).toBe('late\n');
  });

  it('rejects xorbs and shards the CAS would reject', async () => {
    const { accessToken, casUrl } = (await (
      await fetch(`${hf.url}/api/buckets/${BUCKET}/xet-write-token`, { headers: { Authorization: `Bearer ${ALICE}` } })
    ).json()) as { accessToken: string; casUrl: string };
    const post = (path: string, body: Buffer) =>
      fetch(`${casUrl}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}` },
        body: blob(body),
      });
    // One uncompressed chunk: an 8-byte header (version 0, 3-byte lengths, scheme 0), then the bytes.
    const data = Buffer.from('a chunk that does not hash to the name it is sent under');
    const header = Buffer.from([0, data.length, 0, 0, 0, data.length, 0, 0]);
    const wrongName = await post(`/v1/xorbs/default/${'0'.repeat(64)}`, Buffer.concat([header, data]));
    expect(wrongName.status).toBe(400);
    expect(((await wrongName.json()) as { error: string }).error).toMatch(/hash mismatch/);
    expect((await post(`/v1/xorbs/default/${'0'.repeat(64)}`, Buffer.concat([header, data.subarray(3)]))).status).toBe(
      400,
    );
    expect((await post('/v1/shards', Buffer.from('not a shard'))).status).toBe(400);
    expect((await fetch(`${casUrl}/v1/shards`, { method: 'POST', body: 'x' })).status).toBe(401);
  });

  it('deletes a file', async () => {
    await deleteFile({ repo, path: 'notes.md', ...auth(ALICE) });
    expect(hf.files(BUCKET).has('notes.md')).toBe(false);
    expect((await list()).map((e) => e.path)).not.toContain('notes.md');
  });

  it('refuses writes by a member without write rights with 403, as the Hub does', async () => {
    const denied = await rejection(
      uploadFile({ repo, file: { path: 'bob.md', content: blob(Buffer.from('bob\n')) }, ...auth(BOB) }),
    );
    expect(denied.statusCode).toBe(403);
    expect(hf.files(BUCKET).has('bob.md')).toBe(false);
    const token = await fetch(`${hf.url}/api/buckets/${BUCKET}/xet-write-token`, {
      headers: { Authorization: `Bearer ${BOB}` },
    });
    expect(token.status).toBe(403);
  });

  it('stops honouring a revoked token, and never logs a token', async () => {
    hf.revokeToken(BOB);
    expect((await rejection(whoAmI(auth(BOB)))).statusCode).toBe(401);
    const log = JSON.stringify(hf.requests);
    for (const secret of [ALICE, BOB, 'xet_', 'Bearer']) expect(log).not.toContain(secret);
    expect(kinds('xorb').every((r) => r.authorization)).toBe(true);
    expect(kinds('unknown')).toEqual([]);
  });
});
