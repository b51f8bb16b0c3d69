// Identity as the public collab derives it: registration with an HF bearer, tokenless writes from hf://buckets/...
// sources and raw posts on a loopback hub, tokens required on a strict or non-loopback one, humans only as themselves.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type RunningHub } from '../../src/hub/server';
import { call, resultMarkdown, RELAXED_LIMITS } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

/** Looks like a Hugging Face token: what a public client sends to register. This hub never issued it. */
const HF_BEARER = 'hf_PublicClientTokenThatThisHubNeverIssued0123';
const BUCKET = 'hf://buckets/local/collab-desk';

/** Every byte under a folder, for "the bearer is stored nowhere" (the record, its WAL, the audit, scratch, central). */
function bytesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) parts.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

describe('registration with a Hugging Face bearer', () => {
  const logLines: string[] = [];
  let running: RunningHub;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-test-'));
    // Every request logged at the most verbose level, to show the bearer reaches no log line.
    const logger = { level: 'trace', stream: { write: (line: string) => void logLines.push(line) } };
    running = await startHub({
      dataDir,
      port: 0,
      logger: logger as never,
      config: { limits: RELAXED_LIMITS as never },
    });
  }, 60_000);
  afterAll(async () => {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('works with a bearer this hub does not know: the public shape plus its token, and the bearer kept nowhere', async () => {
    const res = await call(running.url, 'POST', '/v1/agents/register', {
      headers: { authorization: `Bearer ${HF_BEARER}` },
      body: { agent_id: 'public-bot', model: 'gemma-3', harness: 'claude-code', tools: ['bash', 'hf'] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      filename: 'public-bot.md',
      agent_bucket: 'local/collab-desk-public-bot',
      hf_user: null,
      token: expect.any(String),
    });
    expect(res.body.token).not.toBe(HF_BEARER);
    expect(res.text).not.toContain(HF_BEARER);
    const record = await call(running.url, 'GET', '/v1/agents/public-bot');
    expect(record.body).toMatchObject({ agent_id: 'public-bot', agent_bucket: 'local/collab-desk-public-bot' });
    const listed = await call(running.url, 'GET', '/v1/agents?expand=true');
    expect(listed.body.items).toMatchObject([{ agent_id: 'public-bot', agent_bucket: 'local/collab-desk-public-bot' }]);
    const organizer = readFileSync(running.organizerTokenPath, 'utf8').trim();
    const audit = await call(running.url, 'GET', '/v1/audit?limit=1000', { token: organizer });
    expect(audit.text).toContain('public-bot');
    expect(audit.text).not.toContain(HF_BEARER);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(HF_BEARER);
    expect(bytesUnder(dataDir).includes(HF_BEARER)).toBe(false);
  });
});

describe('a public-collab agent on a loopback hub', () => {
  const hub = withHub({ limits: { raw_messages_per_minute: 4 } as never });
  /** Writes a file into an agent's scratch folder the way a local agent does: on the file system. */
  const writeScratch = (agent: string, path: string, text: string) => {
    const file = join(hub.running.hub.layout.scratch, agent, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  let aliceToken: string;

  beforeAll(async () => {
    aliceToken = await hub.register('alice');
    await hub.register('bob');
  });

  it('says in GET /v1 that it accepts tokenless writes', async () => {
    const v1 = await hub.call('GET', '/v1');
    expect(v1.body).toMatchObject({ tokenless_writes: true, org: 'local', collab: 'collab-desk' });
  });

  it('posts a message from a hf://buckets/... source without a token, as the bucket’s agent', async () => {
    writeScratch('alice', 'notes/plan.md', '---\ntype: plan\n---\nI will try K=6 drafts.\n');
    const res = await hub.call('POST', '/v1/messages', { body: { source: `${BUCKET}-alice/notes/plan.md` } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.via).toBe('bucket');
    const msg = await hub.call('GET', `/v1/messages/${res.body.filename}`);
    expect(msg.body.frontmatter).toMatchObject({ agent: 'alice', via: 'bucket', type: 'plan' });
    expect(res.body.filename).toMatch(/_alice\.md$/);
  });

  it('publishes a result from a hf://buckets/... source without a token', async () => {
    writeScratch('alice', 'results/run-1.md', resultMarkdown({ tps: 123.4, description: 'K=6 drafts' }));
    const res = await hub.call('POST', '/v1/results', { body: { source: `${BUCKET}-alice/results/run-1.md` } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ via: 'bucket', path: `results/${res.body.filename}` });
    const result = await hub.call('GET', `/v1/results/${res.body.filename}`);
    expect(result.body.frontmatter).toMatchObject({ agent: 'alice', tps: 123.4 });
    // Inline content proves nothing without the token, as on the public collab (results come from a bucket).
    const inline = await hub.call('POST', '/v1/results', {
      body: { agent_id: 'alice', content: resultMarkdown({ tps: 999 }) },
    });
    expect(inline.status).toBe(401);
    // The same bytes again: the public answer to a retry.
    const again = await hub.call('POST', '/v1/results', { body: { source: `${BUCKET}-alice/results/run-1.md` } });
    expect(again.body.error.code).toBe('ALREADY_PROMOTED');
  });

  it('syncs an artifact folder named by its bucket URI without a token', async () => {
    writeScratch('alice', 'runs/exp-3/log.txt', 'tps 123.4\n');
    const res = await hub.call('POST', '/v1/artifacts:sync', {
      body: { source: `${BUCKET}-alice/runs/exp-3/`, dest_slug: 'exp-3' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dest: 'artifacts/exp-3_alice/', files: [{ dest_path: expect.any(String) }] });
  });

  it('posts a raw message by agent_id without a token, as the agent it names', async () => {
    const res = await hub.call('POST', '/v1/messages', { body: { agent_id: 'bob', body: 'joining; @alice hi' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ via: 'raw', mentions_delivered: ['alice'] });
    expect((await hub.call('GET', `/v1/messages/${res.body.filename}`)).body.frontmatter.agent).toBe('bob');
  });

  it('refuses a tokenless write for an agent that is not registered (404) or is suspended (403)', async () => {
    const raw = await hub.call('POST', '/v1/messages', { body: { agent_id: 'nobody', body: 'hi' } });
    expect(raw.status).toBe(404);
    expect(raw.body.error.code).toBe('NOT_REGISTERED');
    const sourced = await hub.call('POST', '/v1/results', { body: { source: `${BUCKET}-nobody/r.md` } });
    expect(sourced.body.error.code).toBe('NOT_REGISTERED');
    await hub.register('shady');
    await hub.call('POST', '/v1/agents/shady/suspend', { token: hub.organizerToken });
    const suspended = await hub.call('POST', '/v1/messages', { body: { agent_id: 'shady', body: 'still here' } });
    expect(suspended.status).toBe(403);
    expect(suspended.body.error.code).toBe('AGENT_SUSPENDED');
  });

  it('refuses a tokenless write with nothing to go on, or a bare path, with 401 and a hint naming both ways', async () => {
    for (const body of [{ body: 'who am I?' }, { source: 'notes/plan.md' }]) {
      const res = await hub.call('POST', '/v1/messages', { body });
      expect(res.status, res.text).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.body.error.hint).toContain('Authorization: Bearer');
      expect(res.body.error.hint).toContain(`${BUCKET}-`);
    }
    // Scratch uploads carry no source to derive an author from: they take the token, as documented.
    expect((await hub.call('PUT', '/v1/scratch/alice/x.md', { raw: 'x' })).status).toBe(401);
  });

  it('refuses a source in another agent’s bucket with 403 BUCKET_NOT_OWNED_BY_CALLER', async () => {
    writeScratch('bob', 'notes/mine.md', 'bob wrote this');
    const res = await hub.call('POST', '/v1/messages', {
      token: aliceToken,
      body: { source: `${BUCKET}-bob/notes/mine.md` },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('BUCKET_NOT_OWNED_BY_CALLER');
    expect(res.body.error.hint).toContain(`${BUCKET}-alice/`);
  });

  it('refuses a bucket of another org or collab with 400 INVALID_PATH and this hub’s bucket prefix', async () => {
    for (const source of [
      'hf://buckets/gemma-challenge/gemma-alice/notes/plan.md',
      'hf://buckets/local/other-alice/notes/plan.md',
    ]) {
      for (const token of [undefined, aliceToken]) {
        const res = await hub.call('POST', '/v1/messages', { ...(token ? { token } : {}), body: { source } });
        expect(res.status, res.text).toBe(400);
        expect(res.body.error.code).toBe('INVALID_PATH');
        expect(res.body.error.hint).toContain('local/collab-desk-<agent>');
      }
    }
  });

  it('refuses a human-* post without a token (401), and the organizer posts only as its own handle', async () => {
    const anon = await hub.call('POST', '/v1/messages', { body: { agent_id: 'human-pat', body: 'I am pat' } });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('UNAUTHORIZED');
    const other = await hub.call('POST', '/v1/messages', {
      token: hub.organizerToken,
      body: { agent_id: 'human-pat', body: 'posing as pat' },
    });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('IDENTITY_MISMATCH');
    const own = await hub.call('POST', '/v1/messages', {
      token: hub.organizerToken,
      body: { agent_id: 'human-organizer', body: 'from the organizer' },
    });
    expect(own.status).toBe(201);
  });

  it('sets aside the Hugging Face bearer a public client sends with every write, but refuses a wrong hub token', async () => {
    // A public client sends its HF token on every call; here the bucket or agent_id proves who writes, as upstream.
    const raw = await hub.call('POST', '/v1/messages', {
      headers: { authorization: `Bearer ${HF_BEARER}` },
      body: { agent_id: 'bob', body: 'hello from a public client' },
    });
    expect(raw.status, raw.text).toBe(201);
    expect(raw.body.filename).toMatch(/_bob\.md$/);
    writeScratch('bob', 'notes/hi.md', 'posted from my bucket\n');
    const fromBucket = await hub.call('POST', '/v1/messages', {
      headers: { authorization: `Bearer ${HF_BEARER}` },
      body: { source: `${BUCKET}-bob/notes/hi.md` },
    });
    expect(fromBucket.status, fromBucket.text).toBe(201);
    // One of this hub's own tokens that matches nobody is a mistake to report, never a silent fallback.
    const wrong = await hub.call('POST', '/v1/messages', {
      headers: { authorization: 'Bearer cda_thisTokenWasNeverIssuedByThisHub0000000000000' },
      body: { agent_id: 'alice', body: 'hi' },
    });
    expect(wrong.status).toBe(401);
    for (const res of [raw, fromBucket, wrong]) expect(res.text).not.toContain(HF_BEARER);
  });

  it('spends the same per-agent raw budget with and without the token', async () => {
    const chattyToken = await hub.register('chatty');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const withToken = i % 2 === 0;
      const res = await hub.call('POST', '/v1/messages', {
        ...(withToken ? { token: chattyToken } : {}),
        body: withToken ? { body: `m${i}` } : { agent_id: 'chatty', body: `m${i}` },
      });
      codes.push(res.status);
    }
    expect(codes).toEqual([201, 201, 201, 201, 429]);
  });
});

describe('a hub that requires tokens', () => {
  const strict = withHub({ strict_identity: true });

  it('with strict_identity refuses tokenless writes with 401 and says why, and says so in GET /v1', async () => {
    const token = await strict.register('alice');
    expect((await strict.call('GET', '/v1')).body.tokenless_writes).toBe(false);
    for (const [path, body] of [
      ['/v1/messages', { agent_id: 'alice', body: 'hi' }],
      ['/v1/messages', { source: `${BUCKET}-alice/notes/plan.md` }],
      ['/v1/results', { source: `${BUCKET}-alice/results/run-1.md` }],
    ] as const) {
      const res = await strict.call('POST', path, { body });
      expect(res.status, res.text).toBe(401);
      expect(res.body.error.hint).toContain('strict_identity');
      expect(res.body.error.hint).toContain('Authorization: Bearer');
    }
    // A foreign bearer proves nothing here: a strict hub refuses it rather than setting it aside.
    const foreign = await strict.call('POST', '/v1/messages', {
      headers: { authorization: `Bearer ${HF_BEARER}` },
      body: { agent_id: 'alice', body: 'hi' },
    });
    expect(foreign.status).toBe(401);
    // With the token, hf:// sources still name files in the caller's own bucket.
    await strict.call('PUT', '/v1/scratch/alice/notes/plan.md', { token, raw: 'plan' });
    const ok = await strict.call('POST', '/v1/messages', {
      token,
      body: { source: `${BUCKET}-alice/notes/plan.md` },
    });
    expect(ok.status, ok.text).toBe(201);
    expect((await strict.call('GET', '/README.md')).text).toContain('This hub requires a token on every write');
  });

  describe('bound beyond loopback', () => {
    let running: RunningHub;
    let dataDir: string;
    let url: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-test-'));
      running = await startHub({ dataDir, host: '0.0.0.0', port: 0, config: { limits: RELAXED_LIMITS as never } });
      url = running.url.replace('0.0.0.0', '127.0.0.1');
    }, 60_000);
    afterAll(async () => {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('refuses tokenless writes with 401 and a hint that it is reachable beyond this machine', async () => {
      expect(running.hub.tokenlessWrites).toBe(false);
      const reg = await call(url, 'POST', '/v1/agents/register', {
        body: { agent_id: 'alice', model: 'm', harness: 'h' },
      });
      expect(reg.status).toBe(201);
      const res = await call(url, 'POST', '/v1/messages', { body: { agent_id: 'alice', body: 'hi' } });
      expect(res.status).toBe(401);
      expect(res.body.error.hint).toContain('reachable beyond this machine');
      const ok = await call(url, 'POST', '/v1/messages', { token: reg.body.token, body: { body: 'hi' } });
      expect(ok.status).toBe(201);
    });
  });
});
