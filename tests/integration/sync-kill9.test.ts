// The outbox survives kill -9: a hub killed mid-upload and mid-promote resumes after a restart and sends everything once; driven through the `collab-desk sync` commands against the stand-ins.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxItem, OutboxList, PublishPreview } from '../../src/shared/sync-api';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { killAllChildren, runCli, startHubProcess, type HubProcess } from '../helpers/hub-process';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { call, resultMarkdown } from '../helpers/test-hub';

const ORG = 'gemma-challenge';
const ADA = 'hf_ada_kill9_token_0000000000000000000001';
const COLLAB = `${ORG}/gemma`;

let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let dataDir: string;
let hfHome: string;
let hub: HubProcess;
let organizer: string;
let alice: string;
const logs: Array<() => string> = [];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The hub's environment: the stand-in Hub, an `hf auth login` token file, no HF_TOKEN, short retry delays. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    HF_ENDPOINT: hf.url,
    HF_HOME: hfHome,
    COLLAB_DESK_SYNC_BACKOFF_MS: '50',
  };
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_API_TOKEN', 'HF_TOKEN_PATH']) delete e[k];
  return e;
}

const start = async () => {
  // --log: every request logged, so the test can show the token is in none of it.
  hub = await startHubProcess(dataDir, ['--no-swarm', '--log'], env());
  logs.push(() => hub.stdout() + hub.stderr());
  organizer = readFileSync(join(dataDir, 'organizer-token'), 'utf8').trim();
};

const org = <T = any>(method: string, path: string, body?: unknown) =>
  call<T>(hub.url, method, path, { token: organizer, ...(body === undefined ? {} : { body }) });

const sync = (args: string[]) => runCli(['sync', ...args, '--hub', hub.url, '--data', dataDir], 60_000, env());

async function outboxItem(id: string): Promise<OutboxItem | undefined> {
  return (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.find((i) => i.id === id);
}

/** Waits until the item satisfies `ok` (the outbox moves as the hub sends; polled, with a generous guard). */
async function until(id: string, ok: (i: OutboxItem) => boolean, what: string): Promise<OutboxItem> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const item = await outboxItem(id);
    if (item && ok(item)) return item;
    if (Date.now() > deadline) throw new Error(`${what}: the item is ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function queue(description: string): Promise<{ item: OutboxItem; preview: PublishPreview; result: string }> {
  const posted = await call(hub.url, 'POST', '/v1/results', {
    token: alice,
    body: { content: resultMarkdown({ tps: 150 + description.length, description }) },
  });
  expect(posted.status, posted.text).toBe(201);
  const result = posted.body.filename as string;
  const body = { result, collab: COLLAB, agent: 'ada-rig' };
  const preview = (await org<PublishPreview>('POST', '/v1/sync/preview', body)).body;
  const queued = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.digest });
  expect(queued.status, queued.text).toBe(202);
  return { item: queued.body, preview, result };
}

async function kill9(): Promise<void> {
  hub.child.kill('SIGKILL');
  await hub.exited;
}

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [{ name: 'ada', token: ADA, orgs: [{ name: ORG, role: 'write' }] }] });
  collab = await startPublicCollabStandin({
    hf,
    org: ORG,
    slug: 'gemma',
    jobs: true,
    registration: 'server-creates',
    requiredFields: ['tps', 'ppl', 'method', 'status', 'description'],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-sync-kill9-'));
  hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
  // Signed in as `hf auth login` leaves it: the hub reuses that login.
  writeFileSync(join(hfHome, 'token'), ADA, { mode: 0o600 });
  await start();
  const reg = await call(hub.url, 'POST', '/v1/agents/register', {
    body: { agent_id: 'alice', model: 'm', harness: 'h' },
  });
  alice = reg.body.token as string;
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await collab?.close();
  await hf?.close();
  for (const d of [dataDir, hfHome]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('collab-desk sync, against a running hub', () => {
  it('status, connect, register and publish --yes --wait from the command line', async () => {
    const status = await sync(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('signed in as ada');
    expect(status.stdout).toContain(`from the token file ${join(hfHome, 'token')}`);

    const connect = await runCli(['sync', 'connect', collab.apiUrl, '--data', dataDir], 30_000, env());
    expect(connect.code, connect.stderr).toBe(0);
    const register = await sync(['register', 'ada-rig', '--collab', COLLAB, '--model', 'gemma-4-E4B']);
    expect(register.code, register.stderr).toBe(0);
    expect(register.stdout).toContain(`its bucket: ${ORG}/gemma-ada-rig`);

    const posted = await call(hub.url, 'POST', '/v1/results', {
      token: alice,
      body: { content: resultMarkdown({ tps: 140, description: 'from the cli' }) },
    });
    const noYes = await sync(['publish', posted.body.filename, '--collab', COLLAB, '--agent', 'ada-rig']);
    expect(noYes.code).toBe(0);
    expect(noYes.stdout).toContain('files that leave this machine');
    expect(noYes.stdout).toContain('note: Exploratory: measured on');
    expect(noYes.stdout).toContain('nothing was sent; pass --yes');
    expect((await org<OutboxList>('GET', '/v1/sync/outbox')).body.items).toHaveLength(0);

    const sent = await sync([
      'publish',
      posted.body.filename,
      '--collab',
      COLLAB,
      '--agent',
      'ada-rig',
      '--yes',
      '--wait',
    ]);
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/ sent +.* -> gemma-challenge\/gemma as ada-rig/);
    expect(sent.stdout).toMatch(/public: \S+_ada-rig\.md http/);
    const outbox = await sync(['outbox']);
    expect(outbox.stdout).toMatch(/sent/);

    const refused = await sync(['publish', 'no-such-result.md', '--collab', COLLAB, '--agent', 'ada-rig', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/collab-desk sync publish: .*no-such-result\.md/);
    for (const out of [status, connect, register, noYes, sent, outbox, refused])
      expect(out.stdout + out.stderr).not.toContain(ADA);
  });
});

describe('kill -9 loses and duplicates nothing', () => {
  it('a hub killed mid-upload sends the item after its restart, once, with the previewed bytes', async () => {
    // Every xorb upload hangs long enough for the kill to land in the middle of it.
    hf.setLatency(10_000, 'xorb');
    const { item, preview, result } = await queue('killed mid-upload');
    await until(item.id, (i) => i.state === 'sending', 'sending');
    await kill9();
    hf.setLatency(0, 'xorb');
    await start();
    const done = await until(item.id, (i) => i.state === 'sent' || i.state === 'failed', 'sent after the restart');
    expect(done.state, JSON.stringify(done.error)).toBe('sent');
    const files = hf.files(`${ORG}/gemma-ada-rig`);
    for (const f of preview.files) expect(sha(files.get(f.path)!), f.path).toBe(f.sha256);
    expect(collab.results().filter((r) => r.frontmatter.local_result === result)).toHaveLength(1);
  });

  it('a hub killed while the promote is in flight looks before promoting again, and promotes once', async () => {
    // The collab holds every request for 5 s (the preview and the upload never reach it): the hub dies with the
    // promote under way, and the collab may still act on it after the hub is gone.
    collab.setLatency(5_000);
    const { item, result } = await queue('killed mid-promote');
    await until(item.id, (i) => i.steps.some((s) => s.step === 'promote' && s.detail === 'tried'), 'promote tried');
    await kill9();
    // The held promote is carried out (the collab never knew the hub died), and then the collab's Space restarts:
    // its dedup memory is gone, so only looking before promoting again keeps this to one result.
    await collab.idle();
    collab.restart();
    collab.setLatency(0);
    const since = Date.now();
    await start();
    const done = await until(item.id, (i) => i.state === 'sent' || i.state === 'failed', 'sent after the restart');
    expect(done.state, JSON.stringify(done.error)).toBe('sent');
    const after = collab.requests.filter((r) => r.at >= since && r.path.startsWith('/v1/results'));
    expect(after.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200']);
    expect(collab.results().filter((r) => r.frontmatter.local_result === result)).toHaveLength(1);
    expect(done.public_filename).toBe(collab.results().find((r) => r.frontmatter.local_result === result)!.filename);
    // Three hub runs, every request logged: the token is in none of their output.
    expect(logs.length).toBe(3);
    for (const log of logs) {
      expect(log().length).toBeGreaterThan(0);
      expect(log()).not.toContain(ADA);
    }
  });
});
