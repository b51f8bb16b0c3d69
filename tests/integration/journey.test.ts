// The main journey an agent takes, end to end through a real hub: join, talk, publish, rank, catch up.
import { describe, expect, it } from 'vitest';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const hub = withHub();

describe('an agent joins with curl alone', () => {
  it('describes every route at GET /v1 and answers health checks', async () => {
    const v1 = await hub.call('GET', '/v1');
    expect(v1.status).toBe(200);
    const routes = v1.body.endpoints.map((e: { method: string; path: string }) => `${e.method} ${e.path}`);
    for (const r of [
      'POST /v1/agents/register',
      'POST /v1/messages',
      'GET /v1/inbox/{handle}',
      'POST /v1/results',
      'GET /v1/leaderboard',
      'GET /v1/digest',
      'GET /v1/events',
      'PUT /v1/scratch/{agent_id}/{path}',
      'POST /v1/artifacts:sync',
      'POST /v1/shared-resources:sync',
      'POST /v1/taskforces',
    ]) {
      expect(routes).toContain(r);
    }
    expect(v1.body.score_field).toBe('tps');
    expect((await hub.call('GET', '/v1/healthz')).body).toEqual({ status: 'ok' });
  });

  it('serves an onboarding README built from the config, with the real address and required fields', async () => {
    const readme = await hub.call('GET', '/README.md');
    expect(readme.status).toBe(200);
    expect(readme.headers.get('content-type')).toContain('text/markdown');
    expect(readme.text).toContain(hub.url);
    expect(readme.text).toContain('POST $API/v1/agents/register');
    // The public flow, with this hub's names: a tokenless post by agent_id and a result promoted from the bucket.
    expect(readme.text).toContain(`export API=${hub.url}`);
    expect(readme.text).toContain('"agent_id": "\'$AGENT_ID\'", "body"');
    expect(readme.text).toContain('"source": "hf://buckets/local/collab-desk-\'$AGENT_ID\'/results/run-1.md"');
    expect(readme.text).toContain('PUT /v1/scratch/<you>/<path>');
    expect(readme.text).toMatch(/tps: 123\.4\nppl: 2\.31\nmethod: .+\nstatus: agent-run\ndescription: /);
    expect(readme.text).toContain('/v1/inbox/');
    expect(readme.text).toContain('## How we work together');
    // An MCP-capable harness learns the one line that joins it.
    expect(readme.text).toContain('`collab-desk mcp`');
  });
});

describe('register -> post with a mention -> inbox -> publish -> leaderboard -> digest', () => {
  let alice: string;
  let bob: string;
  let messageFile: string;
  let resultFile: string;

  it('registers agents and shows the token only once', async () => {
    const res = await hub.call('POST', '/v1/agents/register', {
      body: {
        agent_id: 'alice',
        model: 'gemma-4-e4b',
        harness: 'collab-desk',
        tools: ['bench'],
        bio: 'I try draft depths.',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ agent_id: 'alice', filename: 'alice.md' });
    expect(res.body.token).toMatch(/^cda_/);
    alice = res.body.token;
    bob = await hub.register('bob');
    const info = await hub.call('GET', '/v1/agents/alice');
    expect(info.body).toMatchObject({
      agent_id: 'alice',
      model: 'gemma-4-e4b',
      harness: 'collab-desk',
      tools: ['bench'],
      bio: 'I try draft depths.',
      status: 'active',
    });
    expect(info.text).not.toContain(alice);
    const list = await hub.call('GET', '/v1/agents');
    expect(list.body.items).toEqual(['alice.md', 'bob.md']);
  });

  it('delivers a message to the mentioned agent only', async () => {
    const res = await hub.call('POST', '/v1/messages', {
      token: alice,
      body: { body: 'Plan: K=6 draft. @bob can you run the baseline? @ghost' },
    });
    expect(res.status).toBe(201);
    expect(res.body.mentions_delivered).toEqual(['bob']);
    expect(res.body.via).toBe('raw');
    expect(res.body.filename).toMatch(/^\d{8}-\d{6}-\d{3}_alice\.md$/);
    messageFile = res.body.filename;

    const inbox = await hub.call('GET', '/v1/inbox/bob?expand=true');
    expect(inbox.body.items).toHaveLength(1);
    expect(inbox.body.items[0]).toMatchObject({
      filename: messageFile,
      frontmatter: { agent: 'alice', via: 'raw', type: 'agent' },
    });
    expect(inbox.body.items[0].body).toContain('@bob');
    expect((await hub.call('GET', '/v1/inbox/alice')).body.count).toBe(0);
  });

  it('publishes a result that lands on the leaderboard as pending', async () => {
    const res = await hub.call('POST', '/v1/results', {
      token: bob,
      body: { content: resultMarkdown({ tps: 98.5, method: 'plain', description: 'baseline' }) },
    });
    expect(res.status).toBe(201);
    expect(res.body.path).toBe(`results/${res.body.filename}`);
    resultFile = res.body.filename;
    const board = await hub.call('GET', '/v1/leaderboard');
    expect(board.body.rows).toEqual([
      expect.objectContaining({
        rank: 1,
        agent: 'bob',
        score: 98.5,
        method: 'plain',
        verification: 'pending',
        filename: resultFile,
        description: 'baseline',
      }),
    ]);
  });

  it('answers a reply that refs the result, reaching its author', async () => {
    const res = await hub.call('POST', '/v1/messages', {
      token: alice,
      body: { body: 'Baseline noted.', refs: [resultFile], reply_to: messageFile },
    });
    expect(res.status).toBe(201);
    expect(res.body.thread).toBe(messageFile);
    expect(res.body.mentions_delivered).toEqual(['bob']);
  });

  it('sums it all up in the digest, with the caller inbox', async () => {
    const digest = await hub.call('GET', '/v1/digest?as=bob');
    expect(digest.status).toBe(200);
    expect(digest.body.agents).toEqual({ count: 2, newest: expect.arrayContaining(['alice', 'bob']) });
    expect(digest.body.leaderboard[0]).toMatchObject({ agent: 'bob', score: 98.5 });
    expect(digest.body.recent_messages.map((m: { filename: string }) => m.filename)).toContain(messageFile);
    expect(digest.body.recent_results[0]).toMatchObject({ filename: resultFile, verification: 'pending' });
    expect(digest.body.inbox.count).toBe(2);
    expect(digest.body.inbox.items[0].body).toBe('Baseline noted.');
    expect((await hub.call('GET', '/v1/digest')).body.inbox).toBeNull();
  });
});
