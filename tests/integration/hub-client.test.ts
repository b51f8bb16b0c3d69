// The shared /v1 client against a real hub: typed reads and writes, the hub's refusals as one error, an unreachable
// or silent hub, paths that would leave their folder refused before anything is sent, and a token read at each call.
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { HubClient } from '../../src/shared/hub-client';
import { HubClientError } from '../../src/shared/hub-error';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
let alice: string;
let bob: string;

/** A loopback port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const failure = (promise: Promise<unknown>): Promise<HubClientError> =>
  promise.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (err: unknown) => {
      expect(err).toBeInstanceOf(HubClientError);
      return err as HubClientError;
    },
  );

beforeAll(async () => {
  alice = await hub.register('alice');
  bob = await hub.register('bob');
}, 60_000);

describe('the shared hub client', () => {
  it('reads and writes the board, results and taskforces in the shared response types', async () => {
    const client = hub.client(alice);
    const description = await client.describe();
    expect(description).toMatchObject({ service: 'bucket-sync', product: 'collab-desk', features: { jobs: false } });
    expect(description.endpoints.some((e) => e.method === 'GET' && e.path === '/v1/jobs')).toBe(true);
    expect(await client.health()).toEqual({ status: 'ok' });

    const posted = await client.post({ body: 'hello @bob', type: 'note' });
    expect(posted.mentions_delivered).toEqual(['bob']);
    expect((await client.message(posted.filename)).body).toBe('hello @bob');
    expect((await hub.client(bob).inbox('bob')).items).toContain(posted.filename);

    const published = await client.publishResult(resultMarkdown());
    expect(published.path).toBe(`results/${published.filename}`);
    const record = await client.result(published.filename);
    expect(record.verdict.state).toBe(record.verification);

    const created = await client.createTaskforce({ name: 'drafts', body: 'Which draft model pays.' });
    expect(created).toMatchObject({ name: 'drafts', created: true });
    expect(await client.postTaskforceNote('drafts', { body: 'first note' })).toMatchObject({ kind: 'note' });
    expect((await client.taskforces()).items.map((t) => t.name)).toEqual(['drafts']);
    expect((await client.taskforceFiles('drafts')).items.map((f) => f.path)).toContain('README.md');
    const channel = await client.createChannel({ name: 'drafts-talk', body: 'Which draft model pays.' });
    expect(channel).toMatchObject({ name: 'drafts-talk', created: true });
    await client.post({ body: 'first post', channel: 'drafts-talk' });
    expect(await hub.client(bob).subscribeChannel('drafts-talk')).toMatchObject({ subscribed: true, changed: true });
    expect((await client.channels()).items.map((c) => c.name)).toEqual(['drafts-talk']);
    expect((await client.channel('drafts-talk')).members.map((m) => m.handle)).toEqual(['alice', 'bob']);
    expect((await client.channelFeed({ as: 'bob' })).matched).toBe(1);
    expect((await client.channelMessages('drafts-talk', { expand: true })).items).toHaveLength(1);
    expect(await hub.client(bob).unsubscribeChannel('drafts-talk')).toMatchObject({ subscribed: false });
    expect((await client.digest('alice')).channels.subscribed?.map((c) => c.name)).toEqual(['drafts-talk']);

    const written = await client.writeScratch('alice', 'notes/a b.md', 'plan');
    expect(written).toMatchObject({ path: 'notes/a b.md', bytes: 4 });
    expect(new TextDecoder().decode((await client.readScratch('alice', 'notes/a b.md')).bytes)).toBe('plan');
    await client.deleteScratch('alice', 'notes/a b.md');
    expect((await client.listScratch('alice', 'notes')).entries).toEqual([]);
  });

  it("turns the hub's refusal into one error with its status, code, hint and a display line", async () => {
    const err = await failure(hub.client().agent('nobody'));
    expect(err).toMatchObject({ status: 404, code: 'NOT_REGISTERED' });
    expect(err.hint).toBeTruthy();
    expect(err.display).toBe(`${err.message} — ${err.hint}`);

    const disabled = await failure(hub.client(alice).jobs());
    expect(disabled).toMatchObject({ status: 404, code: 'JOBS_DISABLED' });
  });

  it('reports an unreachable hub as status 0 HUB_UNREACHABLE, naming the hub and never the token', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await failure(new HubClient({ url, token: alice }).me());
    expect(err).toMatchObject({ status: 0, code: 'HUB_UNREACHABLE' });
    expect(err.message).toContain(`the hub at ${url} could not be reached`);
    expect(`${err.message} ${err.hint}`).not.toContain(alice);
  });

  it('refuses a path with a "." or ".." segment before anything is sent', async () => {
    // Pointed at no hub at all: a request that went out would come back HUB_UNREACHABLE.
    const nowhere = new HubClient({ url: `http://127.0.0.1:${await closedPort()}`, token: alice });
    for (const path of ['../bob/notes.md', 'notes/../../bob', './x', 'a/./b']) {
      const err = await failure(nowhere.readScratch('alice', path));
      expect(err).toMatchObject({ status: 400, code: 'INVALID_PATH' });
    }
    expect(await failure(nowhere.writeScratch('alice', '../bob/x.md', 'x'))).toMatchObject({ code: 'INVALID_PATH' });
  });

  it('gives up on a hub that does not finish answering within the time limit', async () => {
    // The event stream never ends: a JSON read of it waits for a body that never completes.
    const slow = new HubClient({ url: hub.url, timeoutMs: 300 });
    const err = await failure(slow.call('GET', '/v1/events'));
    expect(err).toMatchObject({ status: 0, code: 'HUB_UNREACHABLE' });
    expect(err.message).toContain('no answer within 300 ms');
  });

  it("passes the caller's own cancel on as it is, not as a hub error", async () => {
    const controller = new AbortController();
    const stream = await hub
      .client()
      .send('GET', '/v1/events', { accept: 'text/event-stream', signal: controller.signal, timeoutMs: 0 });
    const reading = stream.text();
    controller.abort();
    const err = await reading.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(HubClientError);
    expect((err as Error).name).toBe('AbortError');
  });

  it('reads its token at each call, so signing in and out applies at once', async () => {
    let token: string | null = alice;
    const client = new HubClient({ url: hub.url, token: () => token });
    expect((await client.me()).handle).toBe('alice');
    token = bob;
    expect((await client.me()).handle).toBe('bob');
    token = null;
    expect(client.authenticated).toBe(false);
    expect(await failure(client.me())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('says when an answer is not JSON, as from something that is not a hub', async () => {
    const err = await failure(hub.client().call('GET', '/README.md'));
    expect(err).toMatchObject({ status: 200, code: 'BAD_RESPONSE' });
  });
});
