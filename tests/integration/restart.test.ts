// A hub restart keeps everything a user built: agents and their tokens, messages and inboxes, results and
// verdicts, taskforces, scratch files and the organizer token; the record stays sound and holds no raw token.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrityCheck } from '../helpers/sqlite-check';
import { startHub } from '../../src/hub/server';
import type { HubConfig } from '../../src/shared/config';
import { call, resultMarkdown, RELAXED_LIMITS, startTestHub, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let dataDir: string;
let alice: string;
let bob: string;
let organizerFileBefore: string;
let message: string;
let reply: string;
let result: string;
const scratchBytes = randomBytes(4096);
const readme = '# Draft depth\nWe sweep K from 2 to 8.';

function fileBytes(file: string): Buffer {
  return existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
}

beforeAll(async () => {
  hub = await startTestHub();
  dataDir = hub.dataDir;
  organizerFileBefore = readFileSync(join(dataDir, 'organizer-token'), 'utf8');

  alice = (
    await hub.call('POST', '/v1/agents/register', {
      body: {
        agent_id: 'alice',
        model: 'gemma-4-e4b',
        harness: 'collab-desk',
        tools: ['bench'],
        bio: 'I try draft depths.',
      },
    })
  ).body.token;
  bob = await hub.register('bob');

  const m = await hub.call('POST', '/v1/messages', {
    token: alice,
    body: { body: 'Plan: K=6. @bob can you run the baseline?' },
  });
  expect(m.status, m.text).toBe(201);
  message = m.body.filename;

  const r = await hub.call('POST', '/v1/results', {
    token: bob,
    body: { content: resultMarkdown({ tps: 98.5, method: 'plain', description: 'baseline' }) },
  });
  expect(r.status, r.text).toBe(201);
  result = r.body.filename;
  const v = await hub.call('POST', `/v1/results/${result}/verdict`, {
    token: hub.organizerToken,
    body: { verdict: 'valid', note: 'reproduced' },
  });
  expect(v.status, v.text).toBe(200);

  const re = await hub.call('POST', '/v1/messages', {
    token: bob,
    body: { body: 'Baseline posted.', refs: [result], reply_to: message },
  });
  expect(re.status, re.text).toBe(201);
  reply = re.body.filename;

  const tf = await hub.call('POST', '/v1/taskforces', { token: alice, body: { name: 'draft-depth', body: readme } });
  expect(tf.status, tf.text).toBe(201);
  const note = await hub.call('POST', '/v1/taskforces/draft-depth/files', {
    token: bob,
    body: { body: 'Joining: I will take K=8.' },
  });
  expect(note.status, note.text).toBe(201);

  const put = await hub.call('PUT', '/v1/scratch/alice/runs/k6.bin', {
    token: alice,
    raw: scratchBytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(put.status, put.text).toBe(201);

  hub = await hub.restart();
});

afterAll(async () => {
  await hub.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('after a restart', () => {
  it('still knows every agent, and their tokens still work', async () => {
    expect((await hub.call('GET', '/v1/agents')).body.items).toEqual(['alice.md', 'bob.md']);
    expect((await hub.call('GET', '/v1/agents/alice')).body).toMatchObject({
      agent_id: 'alice',
      model: 'gemma-4-e4b',
      harness: 'collab-desk',
      tools: ['bench'],
      bio: 'I try draft depths.',
      status: 'active',
    });
    const a = await hub.call('POST', '/v1/messages', { token: alice, body: { body: 'Back after the restart.' } });
    expect(a.status, a.text).toBe(201);
    const b = await hub.call('PUT', '/v1/scratch/bob/after.txt', { token: bob, raw: 'still me' });
    expect(b.status, b.text).toBe(201);
    // An id already taken stays taken.
    expect(
      (await hub.call('POST', '/v1/agents/register', { body: { agent_id: 'alice', model: 'm', harness: 'h' } })).status,
    ).toBe(409);
  });

  it('still has the messages and the inbox entries', async () => {
    const m = await hub.call('GET', `/v1/messages/${message}`);
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({
      filename: message,
      body: 'Plan: K=6. @bob can you run the baseline?',
      frontmatter: { agent: 'alice' },
    });
    const r = await hub.call('GET', `/v1/messages/${reply}`);
    expect(r.body).toMatchObject({
      body: 'Baseline posted.',
      frontmatter: { reply_to: message, thread: message, refs: [result] },
    });

    expect((await hub.call('GET', '/v1/inbox/bob')).body.items).toEqual([message]);
    expect((await hub.call('GET', '/v1/inbox/alice')).body.items).toEqual([reply]);
  });

  it('still has the result with its verdict, and ranks it as valid', async () => {
    const r = await hub.call('GET', `/v1/results/${result}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      filename: result,
      verification: 'valid',
      frontmatter: { tps: 98.5, agent: 'bob' },
      verdict: { state: 'valid', by: 'human-organizer', note: 'reproduced' },
    });
    expect(r.body.verdict.history).toHaveLength(1);
    const board = await hub.call('GET', '/v1/leaderboard');
    expect(board.body.rows).toEqual([
      expect.objectContaining({ rank: 1, agent: 'bob', score: 98.5, verification: 'valid', filename: result }),
    ]);
  });

  it('still has the taskforce, its README and its notes', async () => {
    const tf = await hub.call('GET', '/v1/taskforces/draft-depth');
    expect(tf.status).toBe(200);
    expect(tf.body).toMatchObject({
      name: 'draft-depth',
      creator: 'alice',
      readme: { body: readme },
      contributors: ['alice', 'bob'],
      note_count: 1,
    });
    expect(tf.body.recent_notes.map((m: { body: string }) => m.body)).toEqual(['Joining: I will take K=8.']);
    // Served as the public collab serves it: the file, frontmatter and all.
    const file = await hub.call('GET', '/v1/taskforces/draft-depth/files/README.md');
    expect(file.text).toMatch(/^---\n[\s\S]*taskforce: draft-depth\n[\s\S]*---\n\n/);
    expect(file.text.endsWith(`${readme}\n`)).toBe(true);
    const notes = await hub.call('GET', '/v1/taskforces/draft-depth/notes?expand=true');
    expect(notes.body.items.map((m: { body: string }) => m.body)).toEqual(['Joining: I will take K=8.']);
  });

  it('still serves the scratch file, byte for byte', async () => {
    const res = await fetch(`${hub.url}/v1/scratch/alice/runs/k6.bin`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(scratchBytes)).toBe(true);
  });

  it('keeps the organizer token file as it was, readable by its owner only, and it still works', async () => {
    const file = join(dataDir, 'organizer-token');
    expect(readFileSync(file, 'utf8')).toBe(organizerFileBefore);
    expect(hub.organizerToken).toBe(organizerFileBefore.trim());
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const v = await hub.call('POST', `/v1/results/${result}/verdict`, {
      token: hub.organizerToken,
      body: { verdict: 'valid', note: 'still valid' },
    });
    expect(v.status, v.text).toBe(200);
  });

  it('stamps new records after the old ones', async () => {
    const m = await hub.call('POST', '/v1/messages', {
      token: alice,
      body: { body: 'A new message after the restart.' },
    });
    const r = await hub.call('POST', '/v1/results', {
      token: bob,
      body: { content: resultMarkdown({ tps: 101, description: 'after restart' }) },
    });
    expect(m.status).toBe(201);
    expect(r.status).toBe(201);
    for (const old of [message, reply, result]) {
      expect(m.body.filename > old, `${m.body.filename} sorts after ${old}`).toBe(true);
      expect(r.body.filename > old, `${r.body.filename} sorts after ${old}`).toBe(true);
    }
    const newest = (await hub.call('GET', '/v1/messages?order=desc&limit=1')).body.items;
    expect(newest).toEqual([m.body.filename]);
  });

  it('stamps new records after the old ones even when the clock stepped back while the hub was down', async () => {
    const lastBefore = (await hub.call('GET', '/v1/messages?order=desc&limit=1')).body.items[0] as string;
    await hub.stop();
    // The machine's clock was set back an hour (NTP, a dead battery) before the hub came back.
    const behind = await startHub({
      dataDir,
      port: 0,
      config: { limits: RELAXED_LIMITS as HubConfig['limits'] },
      clock: () => Date.now() - 3_600_000,
    });
    try {
      const m = await call(behind.url, 'POST', '/v1/messages', {
        token: alice,
        body: { body: 'written with a clock one hour behind' },
      });
      expect(m.status, m.text).toBe(201);
      expect(m.body.filename > lastBefore, `${m.body.filename} sorts after ${lastBefore}`).toBe(true);
      expect((await call(behind.url, 'GET', '/v1/messages?order=desc&limit=1')).body.items).toEqual([m.body.filename]);
    } finally {
      await behind.close();
      hub = await startTestHub({}, dataDir);
    }
  });
});

describe('the record on disk', () => {
  it('never holds a raw token, only what it needs to check one', async () => {
    const carol = await hub.register('carol');
    // While the hub runs, fresh writes sit in the write-ahead log: look there too.
    const running = Buffer.concat([fileBytes(join(dataDir, 'hub.db')), fileBytes(join(dataDir, 'hub.db-wal'))]);
    expect(running.length).toBeGreaterThan(0);
    for (const token of [alice, bob, carol, hub.organizerToken]) {
      expect(token.length).toBeGreaterThan(20);
      expect(running.includes(token), `a raw token is in hub.db / hub.db-wal`).toBe(false);
    }
    expect((await hub.call('POST', '/v1/messages', { token: carol, body: { body: 'carol checks in' } })).status).toBe(
      201,
    );

    await hub.stop();
    const stopped = Buffer.concat([fileBytes(join(dataDir, 'hub.db')), fileBytes(join(dataDir, 'hub.db-wal'))]);
    hub = await startTestHub({}, dataDir);
    for (const token of [alice, bob, carol, hub.organizerToken])
      expect(stopped.includes(token), 'a raw token is in hub.db after a stop').toBe(false);
    expect(
      (await hub.call('POST', '/v1/messages', { token: carol, body: { body: 'carol after another restart' } })).status,
    ).toBe(201);
  });

  it('passes SQLite integrity_check after a clean stop', async () => {
    await hub.stop();
    try {
      expect(integrityCheck(join(dataDir, 'hub.db'))).toBe('ok');
    } finally {
      hub = await startTestHub({}, dataDir);
    }
  });
});

describe('one hub per data folder', () => {
  it('refuses a second hub on a folder a running hub holds, and says which process holds it', async () => {
    const second = startHub({ dataDir, port: 0 });
    await expect(second).rejects.toThrow(
      `the data folder ${dataDir} is in use by another Collab Desk hub (process ${process.pid})`,
    );
    // The refusal left the running hub and its record alone.
    expect((await hub.call('GET', '/v1/messages?limit=1')).status).toBe(200);
  });

  it('takes over the lock a killed hub left behind', async () => {
    await hub.stop();
    // A pid no process has: what a hub killed with kill -9 leaves in the lock file.
    writeFileSync(join(dataDir, 'hub.lock'), '999999999\n');
    hub = await startTestHub({}, dataDir);
    // This process's pid, and its start time where the system says it (a later owner of the pid is told apart).
    expect(readFileSync(join(dataDir, 'hub.lock'), 'utf8').trim()).toMatch(new RegExp(`^${process.pid}( \\d+)?$`));
    await hub.stop();
    expect(existsSync(join(dataDir, 'hub.lock'))).toBe(false);
    hub = await startTestHub({}, dataDir);
  });
});
