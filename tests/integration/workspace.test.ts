// The workspace an agent relies on, through a real hub: its own scratch folder (write, read, list, delete),
// who may write there, size limits that leave nothing behind, links that are never followed, the sync routes
// into the read-only central folder, and files served inert.
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallOptions, type CallResult, type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Every error the hub gives has this body; a hint tells the agent what to do next. */
function expectError(res: CallResult, status: number, code: string, soft = false): void {
  const check = soft ? expect.soft : expect;
  check(res.status, res.text).toBe(status);
  check(res.body).toEqual({ error: { code, message: expect.any(String), hint: expect.any(String) } });
  check(res.body?.error?.hint?.trim()).not.toBe('');
}

/** Like hub.call, but a connection the hub drops without answering comes back as status 0 with the reason. */
async function callOrDrop(hub: TestHub, method: string, path: string, options?: CallOptions): Promise<CallResult> {
  try {
    return await hub.call(method, path, options);
  } catch (err) {
    return {
      status: 0,
      headers: new Headers(),
      body: null,
      text: `no HTTP answer: ${String((err as Error).cause ?? err)}`,
    };
  }
}

/** Uploads with chunked transfer encoding (no Content-Length), as curl does when it streams from a pipe. */
async function putStreamed(hub: TestHub, path: string, token: string, chunks: Buffer[]): Promise<CallResult> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new Uint8Array(c));
      controller.close();
    },
  });
  try {
    const res = await fetch(hub.url + path, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body,
      duplex: 'half',
    } as RequestInit);
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
      text,
    };
  } catch (err) {
    return {
      status: 0,
      headers: new Headers(),
      body: null,
      text: `no HTTP answer: ${String((err as Error).cause ?? err)}`,
    };
  }
}

/** The exact bytes of a download (hub.call decodes text, which would hide a mangled binary file). */
async function download(hub: TestHub, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(hub.url + path);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every name under a folder on disk, dot files included. */
function filesOnDisk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

describe('an agent keeps files in its own scratch folder', () => {
  const hub = withHub();
  let alice: string;
  let bob: string;
  const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096)]);

  beforeAll(async () => {
    alice = await hub.register('alice');
    bob = await hub.register('bob');
  });

  it('stores a raw upload of any content type and reports its size and sha256', async () => {
    const text = '# Plan\n\nTry K=6 drafts.\n';
    const md = await hub.call('PUT', '/v1/scratch/alice/plan.md', {
      token: alice,
      raw: text,
      headers: { 'content-type': 'text/markdown' },
    });
    expect(md.status).toBe(201);
    expect(md.body).toEqual({
      path: 'plan.md',
      bytes: Buffer.byteLength(text),
      sha256: sha256(text),
      url: '/v1/scratch/alice/plan.md',
    });

    const bin = await hub.call('PUT', '/v1/scratch/alice/runs/2026/weights.bin', {
      token: alice,
      raw: binary,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(bin.status).toBe(201);
    expect(bin.body).toMatchObject({ path: 'runs/2026/weights.bin', bytes: binary.length, sha256: sha256(binary) });
    // The nested folders now exist on disk, holding exactly the bytes sent.
    expect(readFileSync(join(hub.dataDir, 'scratch', 'alice', 'runs', '2026', 'weights.bin')).equals(binary)).toBe(
      true,
    );

    const json = await hub.call('PUT', '/v1/scratch/alice/runs/config.json', {
      token: alice,
      raw: '{"k": 6}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(201);
    expect(json.body).toMatchObject({ path: 'runs/config.json', bytes: 8, sha256: sha256('{"k": 6}') });
  });

  it('gives back the exact bytes, text and binary alike', async () => {
    const md = await download(hub, '/v1/scratch/alice/plan.md');
    expect(md.status).toBe(200);
    expect(md.bytes.toString('utf8')).toBe('# Plan\n\nTry K=6 drafts.\n');
    expect(md.headers.get('content-type')).toContain('text/markdown');

    const bin = await download(hub, '/v1/scratch/alice/runs/2026/weights.bin');
    expect(bin.status).toBe(200);
    expect(bin.bytes.length).toBe(binary.length);
    expect(sha256(bin.bytes)).toBe(sha256(binary));
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('lists the folder, one level or recursively, and a sub-folder', async () => {
    for (const path of ['/v1/scratch/alice', '/v1/scratch/alice/']) {
      const top = await hub.call('GET', path);
      expect(top.status).toBe(200);
      expect(top.body).toMatchObject({ root: 'scratch/alice/', path: '' });
      expect(top.body.entries.map((e: { path: string; type: string }) => [e.path, e.type])).toEqual([
        ['plan.md', 'file'],
        ['runs', 'dir'],
      ]);
    }

    const all = await hub.call('GET', '/v1/scratch/alice?recursive=true');
    expect(all.status).toBe(200);
    expect(all.body.entries.map((e: { path: string }) => e.path)).toEqual([
      'plan.md',
      'runs',
      'runs/2026',
      'runs/2026/weights.bin',
      'runs/config.json',
    ]);
    expect(all.body.entries.find((e: { path: string }) => e.path === 'runs/2026/weights.bin')).toMatchObject({
      type: 'file',
      bytes: binary.length,
    });

    const sub = await hub.call('GET', '/v1/scratch/alice/runs');
    expect(sub.status).toBe(200);
    expect(sub.body.path).toBe('runs');
    expect(sub.body.entries.map((e: { path: string }) => e.path)).toEqual(['runs/2026', 'runs/config.json']);

    const subRecursive = await hub.call('GET', '/v1/scratch/alice/runs/?recursive=true');
    expect(subRecursive.body.entries.map((e: { path: string }) => e.path)).toEqual([
      'runs/2026',
      'runs/2026/weights.bin',
      'runs/config.json',
    ]);
  });

  it('replaces the content on overwrite', async () => {
    const next = 'second version, longer than the first one was';
    const res = await hub.call('PUT', '/v1/scratch/alice/plan.md', {
      token: alice,
      raw: next,
      headers: { 'content-type': 'text/markdown' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ bytes: Buffer.byteLength(next), sha256: sha256(next) });
    expect((await hub.call('GET', '/v1/scratch/alice/plan.md')).text).toBe(next);
    const listing = await hub.call('GET', '/v1/scratch/alice');
    expect(listing.body.entries.find((e: { path: string }) => e.path === 'plan.md').bytes).toBe(
      Buffer.byteLength(next),
    );
  });

  it('deletes a file (204) and a later read is 404', async () => {
    await hub.call('PUT', '/v1/scratch/alice/tmp/old.log', { token: alice, raw: 'old' });
    const del = await hub.call('DELETE', '/v1/scratch/alice/tmp/old.log', { token: alice });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectError(await hub.call('GET', '/v1/scratch/alice/tmp/old.log'), 404, 'NOT_FOUND');
    expect(existsSync(join(hub.dataDir, 'scratch', 'alice', 'tmp', 'old.log'))).toBe(false);
    // Deleting what is not there says so.
    expectError(await hub.call('DELETE', '/v1/scratch/alice/tmp/old.log', { token: alice }), 404, 'NOT_FOUND');
  });

  it('lets only the owner write: other agents and the organizer get 403, no token or a forged one 401', async () => {
    const before = readFileSync(join(hub.dataDir, 'scratch', 'alice', 'plan.md'));
    const attempts: Array<[string, string | undefined, number, string]> = [
      ['bob', bob, 403, 'NOT_YOUR_SCRATCH'],
      ['the organizer', hub.organizerToken, 403, 'NOT_YOUR_SCRATCH'],
      ['no token', undefined, 401, 'UNAUTHORIZED'],
      ['a forged token', 'cda_forged-token-that-nobody-was-given', 401, 'UNAUTHORIZED'],
    ];
    for (const [, token, status, code] of attempts) {
      expectError(await hub.call('PUT', '/v1/scratch/alice/plan.md', { token, raw: 'overwritten' }), status, code);
      expectError(await hub.call('PUT', '/v1/scratch/alice/new-file.md', { token, raw: 'planted' }), status, code);
      expectError(await hub.call('DELETE', '/v1/scratch/alice/plan.md', { token }), status, code);
    }
    expect(readFileSync(join(hub.dataDir, 'scratch', 'alice', 'plan.md')).equals(before)).toBe(true);
    expect(existsSync(join(hub.dataDir, 'scratch', 'alice', 'new-file.md'))).toBe(false);
    expectError(await hub.call('GET', '/v1/scratch/alice/new-file.md'), 404, 'NOT_FOUND');
  });

  it("lets anyone read another agent's scratch folder without a token", async () => {
    expect((await hub.call('PUT', '/v1/scratch/bob/notes.md', { token: bob, raw: 'bob notes' })).status).toBe(201);
    const read = await hub.call('GET', '/v1/scratch/bob/notes.md');
    expect(read.status).toBe(200);
    expect(read.text).toBe('bob notes');
    const withOtherToken = await hub.call('GET', '/v1/scratch/bob/notes.md', { token: alice });
    expect(withOtherToken.text).toBe('bob notes');
    expect((await hub.call('GET', '/v1/scratch/bob')).body.entries.map((e: { path: string }) => e.path)).toEqual([
      'notes.md',
    ]);
  });

  it('serves files inert: nosniff and a sandboxing CSP, so an HTML file cannot run script on the hub origin', async () => {
    const html = '<html><body><script>fetch("/v1/audit")</script></body></html>';
    expect(
      (
        await hub.call('PUT', '/v1/scratch/alice/page.html', {
          token: alice,
          raw: html,
          headers: { 'content-type': 'text/html' },
        })
      ).status,
    ).toBe(201);
    const res = await hub.call('GET', '/v1/scratch/alice/page.html');
    expect(res.status).toBe(200);
    expect(res.text).toBe(html);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/\bsandbox\b/);
    expect(res.headers.get('content-type')).not.toContain('text/html');

    const md = await hub.call('GET', '/v1/scratch/alice/plan.md');
    expect(md.headers.get('x-content-type-options')).toBe('nosniff');
    expect(md.headers.get('content-security-policy')).toMatch(/\bsandbox\b/);
  });
});

describe('size limits leave nothing behind', () => {
  const hub = withHub({ limits: { scratch_file_bytes: 1000, scratch_quota_bytes: 3000 } as never });
  let alice: string;
  let scratch: string;
  const file = (fill: number, n = 900) => Buffer.alloc(n, fill);

  beforeAll(async () => {
    alice = await hub.register('alice');
    scratch = join(hub.dataDir, 'scratch', 'alice');
  });

  it('refuses a file over the per-file limit with 413 PAYLOAD_TOO_LARGE and writes nothing', async () => {
    const res = await callOrDrop(hub, 'PUT', '/v1/scratch/alice/big/too-big.bin', { token: alice, raw: file(7, 1001) });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect((await hub.call('GET', '/v1/healthz')).status).toBe(200);
    expect(filesOnDisk(scratch).filter((n) => n.includes('too-big') || n.includes('.upload-'))).toEqual([]);
    expectError(await hub.call('GET', '/v1/scratch/alice/big/too-big.bin'), 404, 'NOT_FOUND');
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a streamed upload (no Content-Length) over the limit, leaving no temp file', async () => {
    const res = await putStreamed(
      hub,
      '/v1/scratch/alice/streamed/too-big.bin',
      alice,
      Array.from({ length: 20 }, () => file(3, 100)),
    );
    expect((await hub.call('GET', '/v1/healthz')).status).toBe(200);
    // Soft: report both a missing answer and a leftover file, each is its own failure.
    expectError(res, 413, 'PAYLOAD_TOO_LARGE', true);
    expect.soft(filesOnDisk(scratch).filter((n) => n.includes('too-big') || n.includes('.upload-'))).toEqual([]);
  });

  it('accepts a streamed upload within the limit', async () => {
    const chunks = [file(1, 300), file(2, 300)];
    const res = await putStreamed(hub, '/v1/scratch/alice/streamed/ok.bin', alice, chunks);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ bytes: 600, sha256: sha256(Buffer.concat(chunks)) });
    expect((await hub.call('DELETE', '/v1/scratch/alice/streamed/ok.bin', { token: alice })).status).toBe(204);
  });

  it('refuses the upload that would pass the quota with 413 SCRATCH_QUOTA_EXCEEDED; earlier files stay intact', async () => {
    for (const [name, fill] of [
      ['q/a.bin', 1],
      ['q/b.bin', 2],
      ['q/c.bin', 3],
    ] as const) {
      const res = await hub.call('PUT', `/v1/scratch/alice/${name}`, { token: alice, raw: file(fill) });
      expect(res.status, res.text).toBe(201);
    }
    // 2700 of 3000 bytes used: 900 more would pass the quota, though the file alone is under the per-file limit.
    const over = await callOrDrop(hub, 'PUT', '/v1/scratch/alice/q/d.bin', { token: alice, raw: file(4) });
    expect((await hub.call('GET', '/v1/healthz')).status).toBe(200);
    const leftovers = filesOnDisk(scratch).filter((n) => n.includes('d.bin') || n.includes('.upload-'));
    const listing = await hub.call('GET', '/v1/scratch/alice/q');
    const intact = await Promise.all(['a', 'b', 'c'].map((n) => download(hub, `/v1/scratch/alice/q/${n}.bin`)));

    expectError(over, 413, 'SCRATCH_QUOTA_EXCEEDED', true);
    expect.soft(leftovers).toEqual([]);
    expect(listing.body.entries.map((e: { path: string }) => e.path)).toEqual(['q/a.bin', 'q/b.bin', 'q/c.bin']);
    intact.forEach((d, i) => expect(d.bytes.equals(file(i + 1))).toBe(true));
  });

  it('still lets the owner overwrite a file within the quota, and write again after deleting', async () => {
    // Replacing a 900-byte file with 950 bytes needs only 50 more: within the 3000-byte quota.
    const res = await hub.call('PUT', '/v1/scratch/alice/q/a.bin', { token: alice, raw: file(9, 950) });
    expect(res.status, res.text).toBe(201);
    expect((await hub.call('DELETE', '/v1/scratch/alice/q/b.bin', { token: alice })).status).toBe(204);
    const after = await hub.call('PUT', '/v1/scratch/alice/q/d.bin', { token: alice, raw: file(4) });
    expect(after.status, after.text).toBe(201);
  });
});

describe('symbolic links planted in a scratch folder are never followed', () => {
  const hub = withHub();
  let alice: string;
  let outside: string;
  const SECRET = `TOP-SECRET-${randomBytes(8).toString('hex')}`;
  const responses: string[] = [];
  const call = async (method: string, path: string, options?: CallOptions) => {
    const res = await hub.call(method, path, options);
    responses.push(res.text);
    return res;
  };

  beforeAll(async () => {
    alice = await hub.register('alice');
    outside = mkdtempSync(join(tmpdir(), 'collab-desk-outside-'));
    writeFileSync(join(outside, 'secret.md'), `${SECRET}\n`);
    mkdirSync(join(outside, 'dir'));
    writeFileSync(join(outside, 'dir', 'inner.md'), `${SECRET} inside a folder\n`);
    // Real files next to the links, so a refusal is about the link, not an empty folder.
    expect((await hub.call('PUT', '/v1/scratch/alice/real.md', { token: alice, raw: 'real note' })).status).toBe(201);
    expect((await hub.call('PUT', '/v1/scratch/alice/pub/ok.md', { token: alice, raw: 'publishable' })).status).toBe(
      201,
    );
    // What an external agent with a shell in its scratch folder could do.
    const scratch = join(hub.dataDir, 'scratch', 'alice');
    symlinkSync(join(outside, 'secret.md'), join(scratch, 'link.md'));
    symlinkSync(join(outside, 'dir'), join(scratch, 'linkdir'));
    symlinkSync(join(outside, 'secret.md'), join(scratch, 'pub', 'leak.md'));
    symlinkSync(join(outside, 'dir'), join(scratch, 'pub', 'leakdir'));
  });
  afterAll(async () => {
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses to serve a file through a link, or a file inside a linked folder', async () => {
    expectError(await call('GET', '/v1/scratch/alice/link.md'), 400, 'INVALID_PATH');
    expectError(await call('GET', '/v1/scratch/alice/linkdir/inner.md'), 400, 'INVALID_PATH');
    expectError(await call('GET', '/v1/scratch/alice/linkdir'), 400, 'INVALID_PATH');
    expectError(await call('GET', '/v1/scratch/alice/pub/leak.md'), 400, 'INVALID_PATH');
  });

  it('leaves links out of listings', async () => {
    const all = await call('GET', '/v1/scratch/alice?recursive=true');
    expect(all.status).toBe(200);
    expect(all.body.entries.map((e: { path: string }) => e.path)).toEqual(['pub', 'pub/ok.md', 'real.md']);
    const pub = await call('GET', '/v1/scratch/alice/pub');
    expect(pub.body.entries.map((e: { path: string }) => e.path)).toEqual(['pub/ok.md']);
  });

  it('refuses a link as the source of a message or a result', async () => {
    const before = (await hub.call('GET', '/v1/messages')).body.count;
    expectError(await call('POST', '/v1/messages', { token: alice, body: { source: 'link.md' } }), 400, 'INVALID_PATH');
    expectError(
      await call('POST', '/v1/messages', { token: alice, body: { source: 'linkdir/inner.md' } }),
      400,
      'INVALID_PATH',
    );
    expectError(await call('POST', '/v1/results', { token: alice, body: { source: 'link.md' } }), 400, 'INVALID_PATH');
    expect((await hub.call('GET', '/v1/messages')).body.count).toBe(before);
    expect((await call('GET', '/v1/messages?expand=true')).text).not.toContain(SECRET);
  });

  it('refuses to sync a link or a linked folder, and skips links inside a synced folder', async () => {
    expectError(
      await call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'link.md', dest_slug: 'leak' } }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'linkdir', dest_slug: 'leak' } }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/artifacts:sync', {
        token: alice,
        body: { source: 'linkdir/inner.md', dest_slug: 'leak' },
      }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'link.md', dest_path: 'leak_alice' },
      }),
      400,
      'INVALID_PATH',
    );
    expect(existsSync(join(hub.dataDir, 'central', 'artifacts', 'leak_alice'))).toBe(false);

    const pub = await call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'pub', dest_slug: 'pub' } });
    expect(pub.status).toBe(200);
    expect(pub.body.files).toEqual([{ src_path: 'pub/ok.md', dest_path: 'artifacts/pub_alice/ok.md', bytes: 11 }]);
    expectError(await call('GET', '/v1/central/artifacts/pub_alice/leak.md'), 404, 'NOT_FOUND');
    expect(filesOnDisk(join(hub.dataDir, 'central', 'artifacts', 'pub_alice'))).toEqual(['ok.md']);
  });

  it('refuses to write through a link, so an upload cannot land outside the folder', async () => {
    expectError(
      await call('PUT', '/v1/scratch/alice/link.md', { token: alice, raw: 'overwrite the target' }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('PUT', '/v1/scratch/alice/linkdir/planted.md', { token: alice, raw: 'planted outside' }),
      400,
      'INVALID_PATH',
    );
    expect(readFileSync(join(outside, 'secret.md'), 'utf8')).toBe(`${SECRET}\n`);
    expect(existsSync(join(outside, 'dir', 'planted.md'))).toBe(false);
  });

  it('never shows the secret in any response, nor copies it into central', async () => {
    responses.push((await call('GET', '/v1/central?recursive=true')).text);
    for (const text of responses) expect(text).not.toContain(SECRET);
    const central = join(hub.dataDir, 'central');
    const files = readdirSync(central, { recursive: true, withFileTypes: true }).filter((d) => !d.isDirectory());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f.isSymbolicLink()).toBe(false);
      expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(SECRET);
    }
  });
});

describe('syncing work into the read-only central folder', () => {
  const hub = withHub();
  let alice: string;
  const report = '# Report\n\nK=6 wins.\n';
  const table = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);

  beforeAll(async () => {
    alice = await hub.register('alice');
    await hub.register('bob');
    for (const [path, raw] of [
      ['report/README.md', report],
      ['report/data/table.bin', table],
      ['notes/plan.md', 'plan'],
    ] as const) {
      expect((await hub.call('PUT', `/v1/scratch/alice/${path}`, { token: alice, raw })).status).toBe(201);
    }
  });

  it('copies every file of a folder to artifacts/{slug}_{agent}/ and serves the same bytes', async () => {
    const res = await hub.call('POST', '/v1/artifacts:sync', {
      token: alice,
      body: { source: 'report', dest_slug: 'k6-report' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dest: 'artifacts/k6-report_alice/',
      files: [
        {
          src_path: 'report/README.md',
          dest_path: 'artifacts/k6-report_alice/README.md',
          bytes: Buffer.byteLength(report),
        },
        {
          src_path: 'report/data/table.bin',
          dest_path: 'artifacts/k6-report_alice/data/table.bin',
          bytes: table.length,
        },
      ],
      bytes_copied: Buffer.byteLength(report) + table.length,
    });
    const readme = await download(hub, '/v1/central/artifacts/k6-report_alice/README.md');
    expect(readme.status).toBe(200);
    expect(readme.bytes.toString('utf8')).toBe(report);
    const bin = await download(hub, '/v1/central/artifacts/k6-report_alice/data/table.bin');
    expect(bin.bytes.equals(table)).toBe(true);
    expect(bin.headers.get('x-content-type-options')).toBe('nosniff');
    expect(bin.headers.get('content-security-policy')).toMatch(/\bsandbox\b/);

    const listing = await hub.call('GET', '/v1/central/artifacts/k6-report_alice?recursive=true');
    expect(listing.body.entries.map((e: { path: string }) => e.path)).toEqual([
      'artifacts/k6-report_alice/README.md',
      'artifacts/k6-report_alice/data',
      'artifacts/k6-report_alice/data/table.bin',
    ]);
  });

  it('lands a single file at dest + its full source path', async () => {
    const res = await hub.call('POST', '/v1/artifacts:sync', {
      token: alice,
      body: { source: 'notes/plan.md', dest_slug: 'plan' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dest: 'artifacts/plan_alice/',
      files: [{ src_path: 'notes/plan.md', dest_path: 'artifacts/plan_alice/notes/plan.md', bytes: 4 }],
      bytes_copied: 4,
    });
    expect((await hub.call('GET', '/v1/central/artifacts/plan_alice/notes/plan.md')).text).toBe('plan');
  });

  it('refuses a source that does not exist with 404 SOURCE_NOT_FOUND', async () => {
    expectError(
      await hub.call('POST', '/v1/artifacts:sync', {
        token: alice,
        body: { source: 'nothing/here', dest_slug: 'none' },
      }),
      404,
      'SOURCE_NOT_FOUND',
    );
    expectError(
      await hub.call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'nothing.md', dest_path: 'none_alice' },
      }),
      404,
      'SOURCE_NOT_FOUND',
    );
    expect(existsSync(join(hub.dataDir, 'central', 'artifacts', 'none_alice'))).toBe(false);
  });

  it('shares a resource only under a dest_path that names its owner', async () => {
    expectError(
      await hub.call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'report', dest_path: 'lever-map' },
      }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await hub.call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'report', dest_path: 'lever-map_bob' },
      }),
      400,
      'INVALID_PATH',
    );
    expect(existsSync(join(hub.dataDir, 'central', 'shared_resources'))).toBe(false);

    const res = await hub.call('POST', '/v1/shared-resources:sync', {
      token: alice,
      body: { source: 'report', dest_path: 'lever-map_alice' },
    });
    expect(res.status).toBe(200);
    expect(res.body.dest).toBe('shared_resources/lever-map_alice/');
    expect(res.body.files.map((f: { dest_path: string }) => f.dest_path)).toEqual([
      'shared_resources/lever-map_alice/README.md',
      'shared_resources/lever-map_alice/data/table.bin',
    ]);
    expect(res.body.bytes_copied).toBe(Buffer.byteLength(report) + table.length);
    expect((await hub.call('GET', '/v1/central/shared_resources/lever-map_alice/README.md')).text).toBe(report);
    expect(
      readFileSync(join(hub.dataDir, 'central', 'shared_resources', 'lever-map_alice', 'data', 'table.bin')).equals(
        table,
      ),
    ).toBe(true);
  });

  it('is read-only over HTTP: PUT, POST and DELETE under /v1/central are refused and write nothing', async () => {
    const central = join(hub.dataDir, 'central');
    const before = filesOnDisk(central);
    const existing = '/v1/central/artifacts/k6-report_alice/README.md';
    for (const token of [alice, hub.organizerToken, undefined]) {
      for (const [method, path] of [
        ['PUT', '/v1/central/planted.md'],
        ['PUT', existing],
        ['POST', '/v1/central/planted.md'],
        ['POST', existing],
        ['DELETE', existing],
        ['PATCH', existing],
      ] as const) {
        const res = await hub.call(method, path, {
          token,
          raw: 'overwritten by a client',
          headers: { 'content-type': 'text/markdown' },
        });
        expectError(res, 404, 'NOT_FOUND');
      }
    }
    expect(filesOnDisk(central)).toEqual(before);
    expect((await hub.call('GET', existing)).text).toBe(report);
  });

  it('leaves the organizer out: it has no scratch folder to sync from', async () => {
    expectError(
      await hub.call('POST', '/v1/artifacts:sync', {
        token: hub.organizerToken,
        body: { source: 'report', dest_slug: 'org' },
      }),
      400,
      'INVALID_BODY',
    );
    expectError(
      await hub.call('POST', '/v1/artifacts:sync', { body: { source: 'report', dest_slug: 'anon' } }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('sync limits', () => {
  const hub = withHub({ limits: { sync_files: 2, sync_bytes: 1000 } as never });
  let alice: string;

  beforeAll(async () => {
    alice = await hub.register('alice');
    const uploads: Array<[string, Buffer]> = [
      ['three/a.txt', Buffer.alloc(10, 97)],
      ['three/b.txt', Buffer.alloc(10, 98)],
      ['three/c.txt', Buffer.alloc(10, 99)],
      ['heavy/a.bin', Buffer.alloc(600, 1)],
      ['heavy/b.bin', Buffer.alloc(600, 2)],
      ['fits/a.bin', Buffer.alloc(400, 1)],
      ['fits/b.bin', Buffer.alloc(400, 2)],
    ];
    for (const [path, raw] of uploads)
      expect((await hub.call('PUT', `/v1/scratch/alice/${path}`, { token: alice, raw })).status).toBe(201);
  });

  it('refuses a sync over limits.sync_files or limits.sync_bytes with 413 SYNC_TOO_LARGE and copies nothing', async () => {
    expectError(
      await hub.call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'three', dest_slug: 'three' } }),
      413,
      'SYNC_TOO_LARGE',
    );
    expectError(
      await hub.call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'heavy', dest_slug: 'heavy' } }),
      413,
      'SYNC_TOO_LARGE',
    );
    expectError(
      await hub.call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'heavy', dest_path: 'heavy_alice' },
      }),
      413,
      'SYNC_TOO_LARGE',
    );
    expect(filesOnDisk(join(hub.dataDir, 'central'))).toEqual([]);
  });

  it('copies a folder within both limits', async () => {
    const res = await hub.call('POST', '/v1/artifacts:sync', {
      token: alice,
      body: { source: 'fits', dest_slug: 'fits' },
    });
    expect(res.status).toBe(200);
    expect(res.body.bytes_copied).toBe(800);
    expect(res.body.files).toHaveLength(2);
  });
});
