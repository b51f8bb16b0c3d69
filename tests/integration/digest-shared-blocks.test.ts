// The digest builds its shared blocks once per write and a handle's own blocks only when a write reaches that handle, and never serves a stale one.
import { beforeAll, describe, expect, it } from 'vitest';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
const AGENTS = ['ana', 'bo', 'cy', 'dee'] as const;
const tokens: Record<string, string> = {};
const token = (agent: string): string => tokens[agent]!;
/** Every SQL text the hub's record prepared while the recording was on (the hub runs in this process). */
const prepared: string[] = [];
let recording = false;

async function post(token: string, body: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/messages', { token, body });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  return res.body.filename as string;
}

async function digest(query: string) {
  const res = await hub.call('GET', `/v1/digest?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/**
 * The digest as served, beside one built from nothing: a `since` before every record asks for the same content under
 * keys no cache holds yet. Only the build time (and the presence, which moves with each poll) may differ.
 */
async function expectFresh(handle: string): Promise<void> {
  const served = await digest(`as=${handle}`);
  const fresh = await digest(`as=${handle}&since=20000101-000000`);
  for (const d of [served, fresh]) {
    delete d.generated_at;
    delete d.watching;
  }
  expect(served, handle).toEqual(fresh);
}

beforeAll(async () => {
  for (const agent of AGENTS) tokens[agent] = await hub.register(agent);
  await hub.call('POST', '/v1/channels', { token: token('ana'), body: { name: 'depth', body: 'Draft depth.' } });
  await hub.call('PUT', '/v1/scratch/cy/marker.md', { token: token('cy'), raw: 'following' });
  await hub.call('POST', '/v1/channels/depth/subscribe', { token: token('cy'), body: { source: 'marker.md' } });
  const db = hub.running.hub.db;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    if (recording) prepared.push(sql);
    return prepare(sql);
  }) as typeof db.prepare;
}, 60_000);

describe('the personal digest after a write', () => {
  it("shows each reader what reached it, and the board's new post to all, as a digest built afresh would", async () => {
    for (const a of AGENTS) await digest(`as=${a}`); // every digest cached
    const mention = await post(token('ana'), { body: '@bo K=6 gives 101.3 tok/s' });
    const bo = await digest('as=bo');
    expect(bo.inbox.items[0].filename).toBe(mention);
    expect(bo.updates.newest).toBe(mention);
    const cy = await digest('as=cy');
    expect(cy.recent_messages[0].filename).toBe(mention); // the shared blocks moved on for a reader not mentioned
    expect(cy.inbox.items.map((m: { filename: string }) => m.filename)).not.toContain(mention);
    for (const a of AGENTS) await expectFresh(a);

    // A channel post reaches its members' channels block (cy follows; dee joins by posting), not their inboxes.
    const inChannel = await post(token('dee'), { body: 'depth 3 is enough', channel: 'depth' });
    const cyDepth = (await digest('as=cy')).channels.subscribed.find((c: { name: string }) => c.name === 'depth');
    expect(cyDepth.recent[0].filename).toBe(inChannel);
    const deeDepth = (await digest('as=dee')).channels.subscribed.map((c: { name: string }) => c.name);
    expect(deeDepth).toContain('depth');
    for (const a of AGENTS) await expectFresh(a);

    // A broadcast is in every inbox; a subscription (no message) changes the subscriber's block.
    const cast = await post(hub.organizerToken, { body: 'Rule: medians of 5 runs.', broadcast: true });
    for (const a of AGENTS) expect((await digest(`as=${a}`)).inbox.items[0].filename, a).toBe(cast);
    await hub.call('PUT', '/v1/scratch/bo/marker.md', { token: token('bo'), raw: 'following' });
    await hub.call('POST', '/v1/channels/depth/subscribe', { token: token('bo'), body: { source: 'marker.md' } });
    expect((await digest('as=bo')).channels.subscribed.map((c: { name: string }) => c.name)).toEqual(['depth']);
    for (const a of AGENTS) await expectFresh(a);
  });

  it('builds the shared blocks once for all readers, and only the mentioned reader its own', async () => {
    for (const a of AGENTS) await digest(`as=${a}`);
    await post(token('ana'), { body: '@dee can you rerun K=4?' });
    const record = async (queries: string[]) => {
      prepared.length = 0;
      recording = true;
      try {
        for (const q of queries) await digest(q);
      } finally {
        recording = false;
      }
      return {
        channelLists: prepared.filter((sql) => sql.includes('FROM channels c')).length,
        subscriptionReads: prepared.filter((sql) => sql.includes('FROM channel_members WHERE handle = ?')).length,
      };
    };
    const afterPost = await record(AGENTS.map((a) => `as=${a}`));
    // What one reader's own blocks cost, built afresh (a key no cache holds).
    const oneReader = await record(['as=bo&since=20000101-000001']);
    expect(oneReader.subscriptionReads).toBeGreaterThan(0);
    // The channel list (prepared at each use) once for four readers; the subscriptions re-read for dee alone.
    expect(afterPost.channelLists).toBe(1);
    expect(afterPost.subscriptionReads).toBe(oneReader.subscriptionReads);
    expect((await digest('as=dee')).inbox.items[0].frontmatter.agent).toBe('ana');
  });
});
