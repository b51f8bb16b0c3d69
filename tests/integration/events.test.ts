// The live event stream (GET /v1/events) through a real hub and a real SSE client: every write arrives once,
// in order, with its record; every subscriber gets it; a client that reconnects with Last-Event-ID misses nothing.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventData, SseClient, type HubEventData, type SseEvent } from '../helpers/sse-client';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
const open: SseClient[] = [];

async function subscribe(
  options: Parameters<typeof SseClient.connect>[1] = {},
  path = '/v1/events',
): Promise<SseClient> {
  const client = await SseClient.connect(hub.url + path, options);
  open.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Posts a message and returns its filename. */
async function post(token: string, body: string): Promise<string> {
  const res = await hub.call('POST', '/v1/messages', { token, body: { body } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

/** A write every subscriber must see, used to prove nothing else (no duplicate) arrived before it. */
async function sentinel(token: string, label: string): Promise<string> {
  return post(token, `sentinel ${label}`);
}

const summary = (events: SseEvent[]) => events.map((e) => `${e.type} ${eventData(e).target}`);

describe('GET /v1/events delivers every write, once and in order', () => {
  it('answers with a text/event-stream that stays open', async () => {
    const client = await subscribe();
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream\b/);
    expect(client.headers.get('cache-control')).toContain('no-store');
    expect(client.endedWith).toBeNull();
  });

  it('streams registrations, messages, results, verdicts, taskforces, scratch uploads and artifact syncs with their records', async () => {
    const a = await subscribe();
    const b = await subscribe();

    const aliceReg = await hub.call('POST', '/v1/agents/register', {
      body: { agent_id: 'alice', model: 'gemma-4-e4b', harness: 'vitest', bio: 'I try draft depths.' },
    });
    expect(aliceReg.status).toBe(201);
    const alice = aliceReg.body.token as string;
    const bob = await hub.register('bob');

    const text = 'Plan: K=6 draft, @bob please run the baseline.';
    const message = await post(alice, text);

    const published = await hub.call('POST', '/v1/results', {
      token: bob,
      body: {
        content: resultMarkdown(
          { tps: 98.5, ppl: 2.31, method: 'plain decode', description: 'baseline' },
          'Measured with llama-bench.',
        ),
      },
    });
    expect(published.status, published.text).toBe(201);
    const result = published.body.filename as string;

    const verdict = await hub.call('POST', `/v1/results/${result}/verdict`, {
      token: hub.organizerToken,
      body: { verdict: 'valid' },
    });
    expect(verdict.status, verdict.text).toBe(200);

    const tf = await hub.call('POST', '/v1/taskforces', {
      token: alice,
      body: { name: 'draft-depth', body: '# Draft depth\nWe sweep K.' },
    });
    expect(tf.status, tf.text).toBe(201);

    const scratchBytes = 'K,tps\n4,120\n6,131\n';
    const put = await hub.call('PUT', '/v1/scratch/alice/sweep/k.csv', {
      token: alice,
      raw: scratchBytes,
      headers: { 'content-type': 'text/csv' },
    });
    expect(put.status, put.text).toBe(201);

    const sync = await hub.call('POST', '/v1/artifacts:sync', {
      token: alice,
      body: { source: 'sweep', dest_slug: 'k-sweep' },
    });
    expect(sync.status, sync.text).toBe(200);
    expect(sync.body.dest).toBe('artifacts/k-sweep_alice/');

    const end = await sentinel(alice, 'journey');

    const expected = [
      'agent.registered alice',
      'agent.registered bob',
      `message.created ${message}`,
      `result.created ${result}`,
      `result.verdict ${result}`,
      'taskforce.created draft-depth',
      'scratch.written alice/sweep/k.csv',
      'artifact.synced artifacts/k-sweep_alice/',
      `message.created ${end}`,
    ];
    // Exactly these events, in write order, and nothing else (no duplicate) before the sentinel.
    await a.waitFor((e) => eventData(e).target === end, 'the sentinel message');
    await b.waitFor((e) => eventData(e).target === end, 'the sentinel message');
    expect(summary(a.received)).toEqual(expected);
    const events = a.received;

    // Ids are the resume points: numeric, strictly increasing.
    const ids = events.map((e) => Number(e.id));
    for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);

    // Both subscribers got the very same events.
    expect(b.received).toEqual(a.received);

    const [regA, regB, msg, res, ver, task, scratch, art] = events.map((e) => eventData(e)) as [
      HubEventData,
      HubEventData,
      HubEventData,
      HubEventData,
      HubEventData,
      HubEventData,
      HubEventData,
      HubEventData,
    ];
    expect(regA).toMatchObject({
      actor: 'alice',
      target: 'alice',
      record: { agent_id: 'alice', model: 'gemma-4-e4b', bio: 'I try draft depths.', status: 'active' },
    });
    expect(new Date(regA.at).toISOString()).toBe(regA.at);
    expect(regB.record?.agent_id).toBe('bob');
    // A token is shown once, to its owner: never on the public stream.
    for (const e of events) {
      expect(e.data).not.toContain(alice);
      expect(e.data).not.toContain(bob);
    }

    expect(msg).toMatchObject({
      actor: 'alice',
      target: message,
      record: { filename: message, body: text, frontmatter: { agent: 'alice', via: 'raw', type: 'agent' } },
    });

    expect(res).toMatchObject({
      actor: 'bob',
      target: result,
      detail: { score: 98.5, status: 'agent-run' },
      record: {
        filename: result,
        verification: 'pending',
        frontmatter: { tps: 98.5, ppl: 2.31, method: 'plain decode', description: 'baseline', agent: 'bob' },
      },
    });
    expect(res.record?.body).toContain('Measured with llama-bench.');

    expect(ver).toMatchObject({
      actor: 'human-organizer',
      target: result,
      detail: { verdict: 'valid' },
      record: { filename: result, verification: 'valid' },
    });
    expect(task).toMatchObject({ actor: 'alice', target: 'draft-depth' });
    expect(scratch).toMatchObject({
      actor: 'alice',
      target: 'alice/sweep/k.csv',
      detail: { bytes: Buffer.byteLength(scratchBytes), sha256: put.body.sha256 },
    });
    expect(art).toMatchObject({
      actor: 'alice',
      target: 'artifacts/k-sweep_alice/',
      detail: { files: 1, bytes: Buffer.byteLength(scratchBytes) },
    });
  });

  it('announces an organizer suspension with the agent as it now is', async () => {
    const client = await subscribe();
    const res = await hub.call('POST', '/v1/agents/bob/suspend', { token: hub.organizerToken });
    expect(res.status, res.text).toBe(200);
    const e = await client.next();
    expect(e.type).toBe('agent.suspended');
    expect(eventData(e)).toMatchObject({
      actor: 'human-organizer',
      target: 'bob',
      record: { agent_id: 'bob', status: 'suspended' },
    });
    expect((await hub.call('POST', '/v1/agents/bob/reinstate', { token: hub.organizerToken })).status).toBe(200);
    expect((await client.next()).type).toBe('agent.reinstated');
  });

  it('does not stream a write that was refused', async () => {
    const token = await hub.register('carol');
    const client = await subscribe();
    const refused = await hub.call('POST', '/v1/results', { token, body: { content: resultMarkdown({ tps: -1 }) } });
    expect(refused.status).toBe(400);
    const end = await sentinel(token, 'after-refusal');
    await client.waitFor((e) => eventData(e).target === end, 'the sentinel message');
    expect(summary(client.received)).toEqual([`message.created ${end}`]);
  });
});

describe('a client that reconnects with Last-Event-ID', () => {
  let token: string;
  beforeAll(async () => {
    token = await hub.register('dana');
  });

  it('gets exactly the events it missed, then the live ones', async () => {
    const first = await subscribe();
    const before = await post(token, 'seen live before the disconnect');
    const seen = await first.waitFor((e) => eventData(e).target === before, 'the first message');
    await first.close();

    const missed = [];
    for (let i = 0; i < 5; i++) missed.push(await post(token, `written while disconnected #${i}`));

    const again = await subscribe({ lastEventId: seen.id! });
    const replayed = await again.take(missed.length);
    expect(summary(replayed)).toEqual(missed.map((f) => `message.created ${f}`));
    expect(replayed.map((e) => eventData(e).record?.body)).toEqual(
      missed.map((_, i) => `written while disconnected #${i}`),
    );
    expect(Number(replayed[0]!.id)).toBeGreaterThan(Number(seen.id));

    const live = await post(token, 'live after the reconnect');
    const end = await sentinel(token, 'resume');
    await again.waitFor((e) => eventData(e).target === end, 'the sentinel message');
    expect(summary(again.received)).toEqual([...missed, live, end].map((f) => `message.created ${f}`));
    const ids = again.received.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('also resumes from ?last_event_id= (for clients that cannot set headers)', async () => {
    const first = await subscribe();
    const before = await post(token, 'query resume: seen');
    const seen = await first.waitFor((e) => eventData(e).target === before, 'the first message');
    await first.close();
    const missed = [await post(token, 'query resume: missed 1'), await post(token, 'query resume: missed 2')];

    const again = await subscribe({}, `/v1/events?last_event_id=${seen.id}`);
    expect(summary(await again.take(2))).toEqual(missed.map((f) => `message.created ${f}`));
    const end = await sentinel(token, 'query-resume');
    await again.waitFor((e) => eventData(e).target === end, 'the sentinel message');
    expect(summary(again.received)).toEqual([...missed, end].map((f) => `message.created ${f}`));
  });

  it('replays nothing when it missed nothing', async () => {
    const first = await subscribe();
    const last = await post(token, 'nothing missed after this');
    const seen = await first.waitFor((e) => eventData(e).target === last, 'the message');
    await first.close();
    const again = await subscribe({ lastEventId: seen.id! });
    const end = await sentinel(token, 'nothing-missed');
    await again.waitFor((e) => eventData(e).target === end, 'the sentinel message');
    expect(summary(again.received)).toEqual([`message.created ${end}`]);
  });

  it('refuses a Last-Event-ID that is not an event id, with a JSON error', async () => {
    const res = await hub.call('GET', '/v1/events', { headers: { 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Last-Event-ID');
  });
});
