// Publishing from a collab job's summary.json: `sync run` launches it, the stand-in finishes it, the hub's
// preview -> digest -> outbox path promotes the collab's own measurement and copies the job's run folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout } from '../../src/platform/data-folder';
import type { OutboxItem, OutboxList, PublishPreview } from '../../src/shared/sync-api';
import { registerOnCollab } from '../../src/sync/collab-registration';
import { listConnections, saveCollabAgent } from '../../src/sync/collab-store';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { killSyncChildren, runSync, syncHome, type SyncHome } from '../helpers/sync-cli';
import { withHub } from '../helpers/with-hub';

const ORG = 'gemma-challenge';
const ALICE = 'hf_alicePublishesJobsTokenDoNotPrint01';
let hf: HfBucketStandin;
let collab: PublicCollabStandin;
/** One machine: the CLI (`sync run`) and the in-process sync service share its data folder and HF_HOME. */
let h: SyncHome;
const hub = withHub();
const roots: string[] = [];

async function org<T = any>(method: string, path: string, body?: unknown) {
  return hub.call<T>(method, path, { token: hub.organizerToken, ...(body === undefined ? {} : { body }) });
}

async function settled(id: string, timeoutMs = 60_000): Promise<OutboxItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = (await org<OutboxList>('GET', '/v1/sync/outbox?limit=500')).body.items.find((i) => i.id === id);
    if (item && ['sent', 'failed', 'cancelled'].includes(item.state)) return item;
    if (Date.now() > deadline) throw new Error(`outbox item ${id} still ${item?.state}: ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function submission(): string {
  const dir = mkdtempSync(join(tmpdir(), 'collab-desk-submission-'));
  roots.push(dir);
  writeFileSync(join(dir, 'config.yaml'), 'draft_layers: 2\n');
  return dir;
}

/** `sync run` without --follow: the launch is remembered in <data>/sync/collab-jobs.json. */
async function launch(name: string) {
  const r = await runSync(
    ['run', submission(), '--collab', `${ORG}/runs`, '--agent', 'beta', '--name', name, '--data', h.data],
    h.env(),
  );
  expect(r.code, r.stderr).toBe(0);
  return collab.nextJob();
}

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [{ name: 'alice', token: ALICE, orgs: [{ name: ORG, role: 'write' }] }] });
  collab = await startPublicCollabStandin({
    hf,
    org: ORG,
    slug: 'runs',
    registration: 'server-creates',
    jobs: true,
    requiredFields: ['tps', 'ppl', 'method', 'status', 'description'],
  });
  h = syncHome(hf.url);
  roots.push(h.root);
  mkdirSync(h.hfHome, { recursive: true });
  writeFileSync(join(h.hfHome, 'token'), ALICE);
  const connected = await runSync(['connect', collab.apiUrl, '--data', h.data], h.env());
  expect(connected.code, connected.stderr).toBe(0);
  const file = dataLayout(h.data).collabs;
  const connection = listConnections(file).find((c) => c.id === `${ORG}/runs`)!;
  const agent = await registerOnCollab({
    collab: connection,
    agentId: 'beta',
    model: 'gemma-4-e2b',
    harness: 'collab-desk',
    token: ALICE,
    user: 'alice',
    hubUrl: hf.url,
  });
  saveCollabAgent(file, connection.id, agent);
  const sync = createSyncService({
    dataFolder: h.data,
    hfEndpoint: hf.url,
    record: hub.running.hub.outboxRecord,
    vault: fileTokenVault(dataLayout(h.data).hfLogin, { HF_HOME: h.hfHome } as NodeJS.ProcessEnv),
    backoffMs: 20,
    maxAttempts: 4,
  });
  hub.running.attachSync(sync);
  sync.start();
}, 60_000);
afterEach(() => killSyncChildren());
afterAll(async () => {
  await collab?.close();
  await hf?.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('publishing from a collab job', () => {
  it("previews and publishes the job's summary: not exploratory, its job id and run prefix, its run folder copied", async () => {
    const job = await launch('v1');
    collab.finishJob(job.jobId, {
      summary: { tps: 51.2, ppl: 9.7, method: 'speculative decoding, 2 draft layers' },
      logs: 'tps=51.2 ppl=9.7\n',
    });
    const body = { job: job.jobId, collab: `${ORG}/runs`, agent: 'beta' };
    const preview = await org<PublishPreview>('POST', '/v1/sync/preview', body);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.notice).toBeNull();
    expect(preview.body.status).toBe('agent-run');
    expect(preview.body.files.map((f) => f.path)).toEqual([expect.stringMatching(/^results\/runs-v1-.*\.md$/)]);
    const sync = preview.body.calls.find((c) => c.path === '/v1/artifacts:sync')!;
    expect(sync.body.source).toBe(`hf://buckets/${ORG}/runs-beta/${job.runPrefix}/`);
    expect(preview.body.files[0]!.text).toContain('| tps | 51.2 |');

    // By its run prefix it is the same plan.
    const byPrefix = await org<PublishPreview>('POST', '/v1/sync/preview', { ...body, job: `${job.runPrefix}/` });
    expect(byPrefix.status, byPrefix.text).toBe(200);
    expect(byPrefix.body.digest).toBe(preview.body.digest);

    const queued = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.body.digest });
    expect(queued.status, queued.text).toBe(202);
    const item = await settled(queued.body.id);
    expect(item.state, JSON.stringify(item.error)).toBe('sent');
    const promoted = collab.results().find((r) => r.filename === item.public_filename)!;
    expect(promoted.frontmatter).toMatchObject({
      tps: 51.2,
      ppl: 9.7,
      status: 'agent-run',
      method: 'speculative decoding, 2 draft layers',
      exploratory: false,
      hardware: "the collab's hardware",
      job_id: job.jobId,
      run_prefix: job.runPrefix,
      job_url: job.jobUrl,
    });
    expect(String(promoted.frontmatter.description)).not.toContain('exploratory');
    const copied = [...collab.artifacts().keys()];
    expect(copied.some((p) => p.endsWith('_beta/summary.json'))).toBe(true);
    expect(copied.some((p) => p.endsWith('_beta/job_logs.txt'))).toBe(true);
  });

  it('collab-desk sync publish --job prints the preview and sends it; neither a result nor --job is refused', async () => {
    const job = await launch('v3');
    collab.finishJob(job.jobId, { summary: { tps: 47.5, ppl: 9.8 }, logs: 'tps=47.5\n' });
    const base = ['publish', '--collab', `${ORG}/runs`, '--agent', 'beta', '--hub', hub.url, '--data', hub.dataDir];
    const r = await runSync([...base, '--job', job.jobId, '--yes', '--wait'], h.env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `publish ${job.runPrefix} to ${ORG}/runs as beta (bucket ${ORG}/runs-beta), status agent-run`,
    );
    expect(r.stdout).not.toContain('note: Exploratory');
    expect(r.stdout).toContain(`"source":"hf://buckets/${ORG}/runs-beta/${job.runPrefix}/"`);
    expect(r.stdout).toMatch(/sent/);
    expect(collab.results().some((x) => x.frontmatter.job_id === job.jobId && x.frontmatter.tps === 47.5)).toBe(true);
    const neither = await runSync(base, h.env());
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('name a result or a job to publish');
  });

  it('refuses a job still running with a next step, and a body with both or neither of result and job', async () => {
    const job = await launch('v2');
    const body = { job: job.jobId, collab: `${ORG}/runs`, agent: 'beta' };
    const running = await org('POST', '/v1/sync/preview', body);
    expect(running.status, running.text).toBe(422);
    expect(running.body.error.code).toBe('COLLAB_REFUSED');
    expect(running.body.error.message).toContain('not completed');
    expect(running.body.error.hint).toContain(`wait for it to finish (collab-desk sync job ${job.jobId}`);

    const both = await org('POST', '/v1/sync/preview', { ...body, result: 'x.md' });
    expect(both.status, both.text).toBe(400);
    expect(both.body.error.code).toBe('INVALID_BODY');
    expect(both.body.error.hint).toContain('{result: a local result filename} or {job:');
    const neither = await org('POST', '/v1/sync/publish', {
      collab: `${ORG}/runs`,
      agent: 'beta',
      digest: '0'.repeat(64),
    });
    expect(neither.status, neither.text).toBe(400);
    expect(neither.body.error.message).toContain('neither');

    // A summary without the score field is nothing to publish.
    collab.finishJob(job.jobId, { summary: { ppl: 9.9 }, logs: 'no tps\n' });
    const noScore = await org('POST', '/v1/sync/preview', body);
    expect(noScore.status, noScore.text).toBe(422);
    expect(noScore.body.error.message).toContain('has no number for');
  });
});
