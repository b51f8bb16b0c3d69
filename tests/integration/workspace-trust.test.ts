// Agents reach only what is theirs, through a real hub on real files: shared paths owned by exact name, scratch and
// central folders replaced by links lead nowhere, hard-linked files are never served or copied, a hub-wide cap on
// scratch space, a hub-wide cap on new registrations, and both caps reported in GET /v1.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultMarkdown, startTestHub, type CallOptions, type CallResult, type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

/** Every refusal has the uniform body, with a hint that says what to do next. */
function expectError(res: CallResult, status: number, code: string, ...mentions: string[]): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), hint: expect.any(String) } });
  expect(res.body.error.hint.trim()).not.toBe('');
  for (const m of mentions) expect(`${res.body.error.message} ${res.body.error.hint}`).toContain(m);
}

/** Every name under a folder on disk, dot files included. */
function filesOnDisk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

/** Uploads with chunked transfer encoding (no Content-Length), as a client streaming from a pipe does. */
async function putStreamed(hub: TestHub, path: string, token: string, bytes: Buffer): Promise<CallResult> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 100) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 100)));
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

describe('shared resources and taskforce files belong to the agent their name says, exactly', () => {
  const hub = withHub();
  const tokens: Record<string, string> = {};
  const put = async (agent: string, path: string, raw: string) =>
    expect((await hub.call('PUT', `/v1/scratch/${agent}/${path}`, { token: tokens[agent], raw })).status).toBe(201);
  const share = (agent: string, source: string, dest_path: string) =>
    hub.call('POST', '/v1/shared-resources:sync', { token: tokens[agent], body: { source, dest_path } });
  const fileTo = (agent: string, source: string, dest_path: string) =>
    hub.call('POST', '/v1/taskforces/levers/files', { token: tokens[agent], body: { source, dest_path } });
  const central = (path: string) => readFileSync(join(hub.dataDir, 'central', path), 'utf8');

  beforeAll(async () => {
    for (const id of ['b', 'bob', 'bob-2']) tokens[id] = await hub.register(id);
    await put('bob', 'map/README.md', "bob's lever map");
    await put('bob', 'notes.md', "bob's notes");
    await put('b', 'map/README.md', "b's lever map");
    await put('b', 'notes.md', "b's notes");
    await put('bob-2', 'notes.md', "bob-2's notes");
    expect(
      (
        await hub.call('POST', '/v1/taskforces', {
          token: tokens.bob,
          body: { name: 'levers', body: 'who works which lever' },
        })
      ).status,
    ).toBe(201);
    expect((await share('bob', 'map', 'lever-map_bob')).status).toBe(200);
    expect((await fileTo('bob', 'notes.md', 'notes_bob.md')).status).toBe(201);
  });

  it("refuses agent b a shared resource under bob's name, where a substring test let b overwrite it", async () => {
    expectError(
      await share('b', 'map', 'lever-map_bob'),
      400,
      'INVALID_PATH',
      "bob's",
      '"lever-map_bob"',
      'lever-map_b',
    );
    expectError(await share('b', 'map', 'LEVER-MAP_BOB'), 400, 'INVALID_PATH', "bob's");
    // Inside bob's folder a name of b's own changes nothing: the outermost owner segment decides.
    expectError(await share('b', 'map', 'lever-map_bob/extra_b'), 400, 'INVALID_PATH', "bob's");
    expect(central('shared_resources/lever-map_bob/README.md')).toBe("bob's lever map");
    expect(filesOnDisk(join(hub.dataDir, 'central', 'shared_resources', 'lever-map_bob'))).toEqual(['README.md']);
  });

  it("refuses agent b a taskforce file under bob's name, and bob's file keeps its content", async () => {
    expectError(
      await fileTo('b', 'notes.md', 'notes_bob.md'),
      400,
      'INVALID_PATH',
      "bob's",
      '"notes_bob.md"',
      'notes_b.md',
    );
    expectError(await fileTo('b', 'notes.md', 'NOTES_BOB.md'), 400, 'INVALID_PATH', "bob's");
    expectError(await fileTo('b', 'notes.md', 'drafts_bob/notes_b.md'), 400, 'INVALID_PATH', "bob's");
    expect((await hub.call('GET', '/v1/taskforces/levers/files/notes_bob.md')).text).toBe("bob's notes");
  });

  it('gives b its own paths, beside bob’s and apart from them', async () => {
    const mine = await share('b', 'map', 'lever-map_b');
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.dest).toBe('shared_resources/lever-map_b/');
    expect((await fileTo('b', 'notes.md', 'notes_b.md')).status).toBe(201);
    expect(central('shared_resources/lever-map_b/README.md')).toBe("b's lever map");
    expect(central('taskforces/levers/notes_b.md')).toBe("b's notes");
    expect(central('shared_resources/lever-map_bob/README.md')).toBe("bob's lever map");
    expect(central('taskforces/levers/notes_bob.md')).toBe("bob's notes");
  });

  it('reads an id with a hyphen whole: notes_bob-2.md is bob-2’s, not bob’s', async () => {
    expectError(await fileTo('bob', 'notes.md', 'notes_bob-2.md'), 400, 'INVALID_PATH', "bob-2's");
    expect((await fileTo('bob-2', 'notes.md', 'notes_bob-2.md')).status).toBe(201);
    expect(central('taskforces/levers/notes_bob-2.md')).toBe("bob-2's notes");
    // bob may still write a path of his own in which bob-2's name appears further in.
    expect((await share('bob', 'notes.md', 'replies_bob/for_bob-2')).status).toBe(200);
  });

  it('refuses a path that names no owner, saying which suffix it needs', async () => {
    expectError(await share('b', 'map', 'lever-map'), 400, 'INVALID_PATH', '"_b"', 'lever-map_b');
    expectError(await fileTo('b', 'notes.md', 'notes.md'), 400, 'INVALID_PATH', '"_b"', 'notes_b.md');
    expect(existsSync(join(hub.dataDir, 'central', 'shared_resources', 'lever-map'))).toBe(false);
    expect(existsSync(join(hub.dataDir, 'central', 'taskforces', 'levers', 'notes.md'))).toBe(false);
  });

  it('says so in GET /v1', async () => {
    expect((await hub.call('GET', '/v1')).body.conventions.ownership).toContain('_<agent id>');
  });
});

describe('a scratch folder replaced by a symbolic link leads nowhere', () => {
  const hub = withHub();
  let mallory: string;
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
    mallory = await hub.register('mallory');
    alice = await hub.register('alice');
    expect(
      (await hub.call('POST', '/v1/taskforces', { token: alice, body: { name: 'tf', body: 'a taskforce' } })).status,
    ).toBe(201);
    outside = mkdtempSync(join(tmpdir(), 'collab-desk-outside-'));
    writeFileSync(join(outside, 'secret.md'), `${SECRET}\n`);
    mkdirSync(join(outside, 'dir'));
    writeFileSync(join(outside, 'dir', 'inner.md'), `${SECRET} inside\n`);
    // What an agent with a shell next to its folder could do: swap the folder itself for a link.
    const folder = join(hub.dataDir, 'scratch', 'mallory');
    rmSync(folder, { recursive: true });
    symlinkSync(outside, folder);
  });
  afterAll(async () => {
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves nothing through it, file or listing, and says the folder is a link', async () => {
    expectError(
      await call('GET', '/v1/scratch/mallory/secret.md'),
      400,
      'INVALID_PATH',
      'scratch/mallory',
      'symbolic link',
    );
    expectError(await call('GET', '/v1/scratch/mallory/dir/inner.md'), 400, 'INVALID_PATH', 'scratch/mallory');
    expectError(await call('GET', '/v1/scratch/mallory'), 400, 'INVALID_PATH', 'scratch/mallory');
    expectError(await call('GET', '/v1/scratch/mallory?recursive=true'), 400, 'INVALID_PATH', 'scratch/mallory');
  });

  it('writes and deletes nothing through it', async () => {
    expectError(
      await call('PUT', '/v1/scratch/mallory/planted.md', { token: mallory, raw: 'planted outside' }),
      400,
      'INVALID_PATH',
      'scratch/mallory',
    );
    expectError(
      await call('PUT', '/v1/scratch/mallory/dir/planted.md', { token: mallory, raw: 'planted outside' }),
      400,
      'INVALID_PATH',
    );
    expectError(await call('DELETE', '/v1/scratch/mallory/secret.md', { token: mallory }), 400, 'INVALID_PATH');
    expect(filesOnDisk(outside)).toEqual(['dir', 'dir/inner.md', 'secret.md']);
    expect(readFileSync(join(outside, 'secret.md'), 'utf8')).toBe(`${SECRET}\n`);
  });

  it('publishes and copies nothing through it', async () => {
    const before = (await hub.call('GET', '/v1/messages')).body.count;
    expectError(
      await call('POST', '/v1/messages', { token: mallory, body: { source: 'secret.md' } }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/results', { token: mallory, body: { source: 'secret.md' } }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/artifacts:sync', { token: mallory, body: { source: 'dir', dest_slug: 'leak' } }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/shared-resources:sync', {
        token: mallory,
        body: { source: 'secret.md', dest_path: 'leak_mallory' },
      }),
      400,
      'INVALID_PATH',
    );
    expectError(
      await call('POST', '/v1/taskforces/tf/files', {
        token: mallory,
        body: { source: 'secret.md', dest_path: 'leak_mallory.md' },
      }),
      400,
      'INVALID_PATH',
    );
    expect((await hub.call('GET', '/v1/messages')).body.count).toBe(before);
    expect(filesOnDisk(join(hub.dataDir, 'central')).filter((n) => n.includes('leak'))).toEqual([]);
  });

  it('does not hold up anyone else, and the secret shows nowhere', async () => {
    expect((await hub.call('PUT', '/v1/scratch/alice/ok.md', { token: alice, raw: 'fine' })).status).toBe(201);
    const meta = await call('GET', '/v1');
    expect(meta.status).toBe(200);
    expect(meta.body.usage.scratch_bytes).toBe(4);
    responses.push((await call('GET', '/v1/central?recursive=true')).text);
    for (const text of responses) expect(text).not.toContain(SECRET);
  });

  it('works again once the link is replaced by a real folder, as the hint says', async () => {
    unlinkSync(join(hub.dataDir, 'scratch', 'mallory'));
    const res = await hub.call('PUT', '/v1/scratch/mallory/again.md', { token: mallory, raw: 'back' });
    expect(res.status, res.text).toBe(201);
    expect(lstatSync(join(hub.dataDir, 'scratch', 'mallory')).isDirectory()).toBe(true);
    expect((await hub.call('GET', '/v1/scratch/mallory/again.md')).text).toBe('back');
  });
});

describe('a central folder replaced by a symbolic link leads nowhere', () => {
  const hub = withHub();
  let alice: string;
  let outside: string;
  const SECRET = `TOP-SECRET-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    alice = await hub.register('alice');
    expect((await hub.call('PUT', '/v1/scratch/alice/report.md', { token: alice, raw: 'report' })).status).toBe(201);
    outside = mkdtempSync(join(tmpdir(), 'collab-desk-outside-'));
    writeFileSync(join(outside, 'secret.md'), `${SECRET}\n`);
    const central = join(hub.dataDir, 'central');
    renameSync(central, `${central}-real`);
    symlinkSync(outside, central);
  });
  afterAll(async () => {
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves nothing from it and copies nothing into it', async () => {
    const file = await hub.call('GET', '/v1/central/secret.md');
    expectError(file, 400, 'INVALID_PATH', 'central', 'symbolic link');
    const listing = await hub.call('GET', '/v1/central');
    expectError(listing, 400, 'INVALID_PATH', 'central');
    expectError(
      await hub.call('POST', '/v1/artifacts:sync', {
        token: alice,
        body: { source: 'report.md', dest_slug: 'report' },
      }),
      400,
      'INVALID_PATH',
      'central',
    );
    expectError(
      await hub.call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'report.md', dest_path: 'report_alice' },
      }),
      400,
      'INVALID_PATH',
      'central',
    );
    expect(filesOnDisk(outside)).toEqual(['secret.md']);
    expect(file.text + listing.text).not.toContain(SECRET);
  });
});

describe('a file with more than one hard link is never served, synced or published', () => {
  const hub = withHub();
  let alice: string;
  let scratch: string;
  const responses: string[] = [];
  const call = async (method: string, path: string, options?: CallOptions) => {
    const res = await hub.call(method, path, options);
    responses.push(res.text);
    return res;
  };

  beforeAll(async () => {
    alice = await hub.register('alice');
    expect(
      (await hub.call('POST', '/v1/taskforces', { token: alice, body: { name: 'tf', body: 'a taskforce' } })).status,
    ).toBe(201);
    expect((await hub.call('PUT', '/v1/scratch/alice/pub/ok.md', { token: alice, raw: 'publishable' })).status).toBe(
      201,
    );
    scratch = join(hub.dataDir, 'scratch', 'alice');
    // A second name for the organizer token inside the agent's own folder: no link to follow, the same file.
    linkSync(join(hub.dataDir, 'organizer-token'), join(scratch, 'token.md'));
    linkSync(join(hub.dataDir, 'organizer-token'), join(scratch, 'pub', 'token.md'));
  });

  it('refuses to serve it, saying it is a hard link and to copy the file instead', async () => {
    expectError(await call('GET', '/v1/scratch/alice/token.md'), 400, 'INVALID_PATH', 'hard link', 'copy');
    expect((await call('GET', '/v1/scratch/alice/pub/ok.md')).text).toBe('publishable');
  });

  it('refuses it as the source of a message, a result or a taskforce file', async () => {
    const before = (await hub.call('GET', '/v1/messages')).body.count;
    expectError(
      await call('POST', '/v1/messages', { token: alice, body: { source: 'token.md' } }),
      400,
      'INVALID_PATH',
      'hard link',
    );
    expectError(
      await call('POST', '/v1/results', { token: alice, body: { source: 'token.md' } }),
      400,
      'INVALID_PATH',
      'hard link',
    );
    expectError(
      await call('POST', '/v1/taskforces/tf/files', {
        token: alice,
        body: { source: 'token.md', dest_path: 'token_alice.md' },
      }),
      400,
      'INVALID_PATH',
      'hard link',
    );
    expect((await hub.call('GET', '/v1/messages')).body.count).toBe(before);
  });

  it('refuses a sync of it, or of a folder holding it, and copies nothing at all', async () => {
    expectError(
      await call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'token.md', dest_slug: 'leak' } }),
      400,
      'INVALID_PATH',
      'hard link',
    );
    expectError(
      await call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'pub', dest_slug: 'pub' } }),
      400,
      'INVALID_PATH',
      'scratch/alice/pub/token.md',
      'hard link',
    );
    expectError(
      await call('POST', '/v1/shared-resources:sync', {
        token: alice,
        body: { source: 'pub', dest_path: 'pub_alice' },
      }),
      400,
      'INVALID_PATH',
      'hard link',
    );
    expect(filesOnDisk(join(hub.dataDir, 'central')).filter((n) => !n.startsWith('taskforces'))).toEqual([]);
  });

  it('serves and syncs the file once it has one name again', async () => {
    unlinkSync(join(scratch, 'token.md'));
    writeFileSync(join(scratch, 'pub', 'copy.md'), 'a copy, not a link');
    unlinkSync(join(scratch, 'pub', 'token.md'));
    const res = await call('POST', '/v1/artifacts:sync', { token: alice, body: { source: 'pub', dest_slug: 'pub' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.files.map((f: { src_path: string }) => f.src_path)).toEqual(['pub/copy.md', 'pub/ok.md']);
  });

  it('never shows the organizer token in any response, the board or central', async () => {
    responses.push(
      (await call('GET', '/v1/messages?expand=true')).text,
      (await call('GET', '/v1/results?expand=true')).text,
    );
    for (const text of responses) expect(text).not.toContain(hub.organizerToken);
    const central = join(hub.dataDir, 'central');
    for (const name of filesOnDisk(central)) {
      if (lstatSync(join(central, name)).isFile())
        expect(readFileSync(join(central, name), 'utf8')).not.toContain(hub.organizerToken);
    }
  });
});

describe('a hub-wide cap on all scratch folders together', () => {
  const hub = withHub({
    limits: { scratch_file_bytes: 1000, scratch_quota_bytes: 2000, scratch_total_bytes: 2500 } as never,
  });
  const tokens: Record<string, string> = {};
  const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);
  const sizeOnDisk = () => {
    const root = join(hub.dataDir, 'scratch');
    return filesOnDisk(root).reduce(
      (n, name) => n + (lstatSync(join(root, name)).isFile() ? lstatSync(join(root, name)).size : 0),
      0,
    );
  };

  beforeAll(async () => {
    for (const id of ['ann', 'ben', 'cy']) tokens[id] = await hub.register(id);
  });

  it('reports the cap next to the other limits, with what is used', async () => {
    const meta = await hub.call('GET', '/v1');
    expect(meta.body.limits).toMatchObject({ scratch_quota_bytes: 2000, scratch_total_bytes: 2500 });
    expect(meta.body.usage).toEqual({ scratch_bytes: 0 });
  });

  it('refuses the upload that would pass it, though the agent is far under its own quota, and leaves nothing behind', async () => {
    expect((await hub.call('PUT', '/v1/scratch/ann/a.bin', { token: tokens.ann, raw: bytes(900) })).status).toBe(201);
    expect((await hub.call('PUT', '/v1/scratch/ben/b.bin', { token: tokens.ben, raw: bytes(900) })).status).toBe(201);
    const over = await hub.call('PUT', '/v1/scratch/cy/c.bin', { token: tokens.cy, raw: bytes(900) });
    expectError(
      over,
      413,
      'SCRATCH_QUOTA_EXCEEDED',
      'hub-wide',
      'limits.scratch_total_bytes',
      '1800 of 2500',
      'DELETE /v1/scratch/cy/',
    );
    expect(filesOnDisk(join(hub.dataDir, 'scratch', 'cy'))).toEqual([]);
    expect((await hub.call('GET', '/v1')).body.usage.scratch_bytes).toBe(1800);
  });

  it('takes the upload once space is freed', async () => {
    expect((await hub.call('DELETE', '/v1/scratch/ben/b.bin', { token: tokens.ben })).status).toBe(204);
    expect((await hub.call('PUT', '/v1/scratch/cy/c.bin', { token: tokens.cy, raw: bytes(900) })).status).toBe(201);
    expect((await hub.call('GET', '/v1')).body.usage.scratch_bytes).toBe(1800);
  });

  it('lets two uploads at once take only the room there is', async () => {
    const [first, second] = await Promise.all([
      putStreamed(hub, '/v1/scratch/ann/x.bin', tokens.ann!, bytes(600, 2)),
      putStreamed(hub, '/v1/scratch/ben/y.bin', tokens.ben!, bytes(600, 3)),
    ]);
    expect([first.status, second.status].sort(), first.text + second.text).toEqual([201, 413]);
    expect(sizeOnDisk()).toBe(2400);
    expect((await hub.call('GET', '/v1')).body.usage.scratch_bytes).toBe(2400);
  });

  it('still names the agent quota when that is the cap an upload passes', async () => {
    const hub2 = await startTestHub({
      limits: { scratch_file_bytes: 1000, scratch_quota_bytes: 1500, scratch_total_bytes: 10_000 } as never,
    });
    try {
      const dee = await hub2.register('dee');
      expect((await hub2.call('PUT', '/v1/scratch/dee/a.bin', { token: dee, raw: bytes(900) })).status).toBe(201);
      expectError(
        await hub2.call('PUT', '/v1/scratch/dee/b.bin', { token: dee, raw: bytes(900) }),
        413,
        'SCRATCH_QUOTA_EXCEEDED',
        'limits.scratch_quota_bytes',
        '900 of 1500',
      );
    } finally {
      await hub2.stop(true);
    }
  });
});

describe('a hub-wide cap on new registrations', () => {
  const hub = withHub({ limits: { registrations_per_window: 2, registrations_window_hours: 1 } as never });

  const register = (agent_id: string, token?: string) =>
    hub.call('POST', '/v1/agents/register', { token, body: { agent_id, model: 'm', harness: 'h' } });

  it('counts only registrations that create an agent, and refuses past the cap with 429 and Retry-After', async () => {
    expect((await register('r1')).status).toBe(201);
    expect((await register('r1')).status).toBe(409);
    expect((await register('r2')).status).toBe(201);
    const refused = await register('r3');
    expectError(refused, 429, 'RATE_LIMITED', '2 new agents per 1 h', 'organizer');
    // The bucket refills one registration every 30 minutes.
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(1700);
    expect(retry).toBeLessThanOrEqual(1800);
    expect((await hub.call('GET', '/v1/agents/r3')).status).toBe(404);
    expect(existsSync(join(hub.dataDir, 'scratch', 'r3'))).toBe(false);
  });

  it('never holds up the organizer, whose spawner registers the swarm', async () => {
    const res = await register('swarm-1', hub.organizerToken);
    expect(res.status, res.text).toBe(201);
    expect((await hub.call('POST', '/v1/messages', { token: res.body.token, body: { body: 'joined' } })).status).toBe(
      201,
    );
    expect((await register('r4')).status).toBe(429);
  });

  it('reports the cap in GET /v1 next to the per-address limit', async () => {
    expect((await hub.call('GET', '/v1')).body.limits).toMatchObject({
      registrations_per_minute: 10_000,
      registrations_per_window: 2,
      registrations_window_hours: 1,
    });
  });
});

describe('a config.json written before these caps existed', () => {
  it('still loads, and the caps take their defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'collab-desk-old-config-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ title: 'Old hub', limits: { scratch_quota_bytes: 5000, registrations_per_minute: 3 } }),
    );
    const hub = await startTestHub({}, dir);
    try {
      const meta = await hub.call('GET', '/v1');
      expect(meta.body.title).toBe('Old hub');
      expect(meta.body.collab).toBe('old-hub');
      expect(meta.body.limits).toMatchObject({
        scratch_quota_bytes: 5000,
        scratch_total_bytes: 100 * 1024 ** 3,
        registrations_per_window: 100,
        registrations_window_hours: 1,
      });
      expect(
        (
          await hub.call('POST', '/v1/results', {
            token: await hub.register('old'),
            body: { content: resultMarkdown() },
          })
        ).status,
      ).toBe(201);
    } finally {
      await hub.stop(true);
    }
  });
});
