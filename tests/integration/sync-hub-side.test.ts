// The hub's side of the sync seam: the outbox kept in the record across a restart, what a result gives to publish
// (public figures only, no held-out prompt, no token), the organizer-only /v1/sync routes, and outbox news on the
// event stream. Real hubs, real SQLite; the bench engine's seam answered from a script (the GPU these machines lack).
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishMaterial } from '../../src/hub/publish-material';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import type { JobRunner, JobRunOutput } from '../../src/shared/challenge';
import { CodedError } from '../../src/shared/errors';
import { HELD_OUT_FOLDER } from '../../src/shared/held-out-set';
import { renderMarkdown } from '../../src/shared/record-format';
import type { OutboxItem, OutboxRow } from '../../src/shared/sync-api';
import { Outbox } from '../../src/sync/outbox';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installPack, runOutput } from '../unit/hub/test-record';

const hubs: TestHub[] = [];
afterAll(async () => {
  for (const h of hubs.splice(0)) await h.stop(true).catch(() => undefined);
});
const track = (hub: TestHub): TestHub => (hubs.push(hub), hub);

/** A held-out prompt and its reference, long enough to be looked for in pieces too. */
const HELD_PROMPT =
  'Describe, step by step, how the lighthouse keeper on the northern island rations lamp oil through a winter in which the supply ship never comes.';
const HELD_REFERENCE =
  'The keeper first counts every barrel in the cellar, then divides the oil by the number of nights until the thaw, keeping a tenth aside for storms.';

/** Replaces the installed pack's held-out set with one holding HELD_PROMPT and its reference. */
function holdOut(hub: TestHub): void {
  const folder = join(dirname(hub.running.hub.layout.challengePack), HELD_OUT_FOLDER);
  writeFileSync(
    join(folder, 'tiny.json'),
    JSON.stringify({
      pack: 'tiny',
      source: 'organizer',
      drawn_at: '2026-03-01',
      prompts: [{ id: 's1', text: HELD_PROMPT }],
      references: [{ prompt: HELD_PROMPT, reference: HELD_REFERENCE }],
    }),
  );
}

const row = (id: string, created_at: number, patch: Partial<OutboxRow> = {}): OutboxRow => ({
  id,
  collab: 'org/speed',
  agent: 'ana',
  result: '20260301-120000-000_ana.md',
  state: 'queued',
  plan: JSON.stringify({ files: ['results/x.md'], calls: [] }),
  steps: [
    { step: 'upload', done: false, detail: null },
    { step: 'promote', done: false, detail: null },
  ],
  attempts: 0,
  next_attempt_at: null,
  error: null,
  public_filename: null,
  public_url: null,
  bytes: 1234,
  created_at,
  updated_at: created_at,
  ...patch,
});

async function postResult(hub: TestHub, token: string, fm: Record<string, unknown>, body: string): Promise<string> {
  const content = renderMarkdown(
    { tps: 100, ppl: 2.3, method: 'plain decode', status: 'agent-run', description: 'a run', ...fm },
    body,
  );
  const res = await hub.call('POST', '/v1/results', { token, body: { content } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

function refusal(work: () => unknown): CodedError {
  try {
    work();
  } catch (err) {
    if (err instanceof CodedError) return err as CodedError;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the outbox record', () => {
  it('keeps every field, answers newest first, and gives a restarted hub its unfinished items, oldest first', async () => {
    let hub = track(await startTestHub());
    const outbox = hub.running.hub.outboxRecord;
    outbox.insert(row('ob-1', 1000));
    outbox.insert(row('ob-2', 2000));
    outbox.insert(row('ob-3', 3000));
    outbox.update('ob-1', {
      state: 'sending',
      attempts: 1,
      steps: [
        { step: 'upload', done: true, detail: 'results/x.md' },
        { step: 'promote', done: false, detail: null },
      ],
      error: { code: 'RATE_LIMITED', message: 'the collab said 429', next: 'waits and tries again' },
      next_attempt_at: 5000,
      updated_at: 4000,
    });
    outbox.update('ob-2', { state: 'sent', public_filename: '20260301-x_ana.md', public_url: 'https://hf.co/x' });
    expect(outbox.list(2).map((r) => r.id)).toEqual(['ob-3', 'ob-2']);
    expect(outbox.counts()).toEqual({ queued: 1, sending: 1, sent: 1, failed: 0, cancelled: 0 });
    expect(outbox.get('ob-2')).toMatchObject({ state: 'sent', public_filename: '20260301-x_ana.md', created_at: 2000 });
    expect(outbox.get('nope')).toBeNull();
    expect(() => outbox.update('nope', { state: 'sent' })).toThrow(
      expect.objectContaining({ code: 'OUTBOX_ITEM_NOT_FOUND' }),
    );
    // The record refuses a state the contract does not have.
    expect(() => outbox.insert(row('ob-bad', 1, { state: 'lost' as never }))).toThrow(/CHECK/);

    hub = track(await hub.restart());
    const again = hub.running.hub.outboxRecord;
    expect(again.unfinished().map((r) => r.id)).toEqual(['ob-1', 'ob-3']);
    expect(again.get('ob-1')).toEqual(
      row('ob-1', 1000, {
        state: 'sending',
        attempts: 1,
        steps: [
          { step: 'upload', done: true, detail: 'results/x.md' },
          { step: 'promote', done: false, detail: null },
        ],
        error: { code: 'RATE_LIMITED', message: 'the collab said 429', next: 'waits and tries again' },
        next_attempt_at: 5000,
        updated_at: 4000,
      }),
    );
  });
});

describe("the outbox's files", () => {
  it('a cancelled item keeps its files a week for a retry; then they are cleared and a retry says publish again', async () => {
    const hub = track(await startTestHub());
    const record = hub.running.hub.outboxRecord;
    const folder = mkdtempSync(join(tmpdir(), 'collab-desk-outbox-'));
    const now = 30 * 24 * 3600_000;
    const plan = (id: string) =>
      JSON.stringify({
        api_url: 'http://127.0.0.1:9',
        bucket: 'org/speed-ana',
        digest: id,
        files: [{ path: 'results/x.md', sha256: 'x', bytes: 1 }],
        calls: [],
        local_result: 'x.md',
        message: null,
      });
    for (const [id, updated] of [
      ['ob-old', now - 8 * 24 * 3600_000],
      ['ob-new', now - 24 * 3600_000],
      ['ob-failed', now - 20 * 24 * 3600_000],
    ] as const) {
      record.insert(row(id, 1000, { state: id === 'ob-failed' ? 'failed' : 'cancelled', plan: plan(id) }));
      record.update(id, { updated_at: updated });
      mkdirSync(join(folder, id, 'results'), { recursive: true });
      writeFileSync(join(folder, id, 'results', 'x.md'), 'x');
    }
    const changes: OutboxItem[] = [];
    const outbox = new Outbox({
      record,
      folder,
      hubUrl: 'http://127.0.0.1:9',
      token: () => 'hf_token_for_the_outbox_test_000000000001',
      now: () => now,
      onChange: (item) => changes.push(item),
    });
    try {
      outbox.start();
      expect(existsSync(join(folder, 'ob-old'))).toBe(false);
      expect(existsSync(join(folder, 'ob-new', 'results', 'x.md'))).toBe(true);
      expect(existsSync(join(folder, 'ob-failed', 'results', 'x.md'))).toBe(true);
      outbox.retry('ob-old');
      await vi.waitFor(() => expect(record.get('ob-old')?.state).toBe('failed'));
      expect(record.get('ob-old')?.error).toMatchObject({ code: 'PREVIEW_STALE', next: 'publish it again' });
    } finally {
      await outbox.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('what a result gives to publish', () => {
  let hub: TestHub;
  let ana: string;
  let jobResult: string;
  let jobId: string;
  const modelPath = join(homedir(), 'models', 'target.gguf');

  /** The draft job's run: the private split measured apart (77.7 tok/s), the figures over every prompt 99.9. */
  const draftRun = (): JobRunOutput => {
    const out = runOutput(120, 100, {
      provenance: { engine: 'native', models: { target: { path: modelPath } } },
    });
    return {
      ...out,
      tps: 99.9,
      splits: { public: out.splits.public, private: { ...out.splits.private!, tps: 77.7, plain_tps: 66.6 } },
    };
  };
  const runner: JobRunner = {
    run: async (input) => (input.config.spec_type === 'none' ? runOutput(100, null) : draftRun()),
  };

  beforeAll(async () => {
    hub = track(
      await startTestHub(
        { jobs: { per_agent: 10, per_hub: 1000, window_hours: 24, queued_per_agent: 10, verify: false } as never },
        undefined,
        { jobRunner: runner },
      ),
    );
    installPack(hub.running.hub);
    holdOut(hub);
    ana = await hub.register('ana');
    const queue = hub.running.hub.jobQueue!;
    queue.kick(); // the pack's baseline first, as a submission would
    await queue.idle();
    const job = await hub.call('POST', '/v1/jobs', {
      token: ana,
      body: { config: { target: 'target', draft: 'draft', spec_type: 'draft' } },
    });
    expect(job.status, job.text).toBe(201);
    jobId = job.body.id as string;
    await queue.idle();
    jobResult = hub.running.hub.jobs.get(jobId)!.result!;
    expect(jobResult).toBeTruthy();
  });

  it('gives a result no job measured with its provenance alone, and says the run bundle is missing', async () => {
    const filename = await postResult(hub, ana, { provenance: { engine: 'native', threads: 2 } }, 'Measured by hand.');
    const material = publishMaterial(hub.running.hub, filename);
    expect(material.result).toMatchObject({ filename, agent: 'ana', score: 100, body: 'Measured by hand.\n' });
    expect(material.result.frontmatter).toMatchObject({ tps: 100, provenance: { engine: 'native', threads: 2 } });
    expect(material.bundle).toEqual([
      { path: 'provenance.json', content: JSON.stringify({ engine: 'native', threads: 2 }, null, 2) + '\n' },
    ]);
    expect(material.withheld.join('\n')).toMatch(/no hub job measured this result/);

    const bare = publishMaterial(hub.running.hub, await postResult(hub, ana, {}, 'No provenance.'));
    expect(bare.bundle).toEqual([]);
    expect(bare.withheld.join('\n')).toMatch(/provenance\.json: the result names no provenance/);
  });

  it("gives a job's result with its run bundle, the private split's figures and this machine's paths left out", () => {
    const material = publishMaterial(hub.running.hub, jobResult);
    expect(material.bundle.map((f) => f.path)).toEqual(['config.json', 'output.json', 'provenance.json', 'log.txt']);
    const file = (path: string) => material.bundle.find((f) => f.path === path)!.content;
    expect(JSON.parse(file('config.json'))).toMatchObject({ target: 'target', draft: 'draft', spec_type: 'draft' });

    const output = JSON.parse(file('output.json')) as Record<string, any>;
    expect(output.splits).toEqual({ public: expect.objectContaining({ tps: 120 }) });
    expect(output.tps).toBe(120); // the public split's, not the 99.9 over every prompt
    expect(output).not.toHaveProperty('tps_stdev');
    expect(file('output.json')).not.toMatch(/77\.7|66\.6/);
    // The job queue's own output.json still holds them: only what leaves is cut.
    expect(readFileSync(join(hub.dataDir, 'central', 'jobs', jobId, 'output.json'), 'utf8')).toMatch(/77\.7/);

    expect(Object.keys(material.result.frontmatter).filter((k) => k.includes('private'))).toEqual([]);
    expect(material.result.frontmatter.tps).toBe(120);
    expect(material.result.body).not.toMatch(/private prompts/);
    expect(file('log.txt')).toMatch(/published results\//);

    // The model path under the home folder is written with ~, in the provenance and in the result alike.
    expect(JSON.parse(file('provenance.json'))).toEqual({
      engine: 'native',
      models: { target: { path: join('~', 'models', 'target.gguf') } },
    });
    expect(JSON.stringify(material)).not.toContain(homedir() + '/');

    const withheld = material.withheld.join('\n');
    expect(withheld).toMatch(/private split's figures/);
    expect(withheld).toMatch(/held-out prompts/);
    expect(withheld).toMatch(/home folder as ~/);
  });

  it('refuses a result that quotes a held-out prompt or its reference, naming the file and never the text', async () => {
    // The prompt with its line breaks changed, in a result's body.
    const quoted = await postResult(
      hub,
      ana,
      {},
      `Tried it on this one:\n\n> ${HELD_PROMPT.replace(/, /g, ',\n> ')}\n\nand it was fast.`,
    );
    const inBody = refusal(() => publishMaterial(hub.running.hub, quoted));
    expect(inBody).toMatchObject({ code: 'PRIVATE_CONTENT', message: expect.stringContaining("the result's body") });
    expect(inBody.hint).toMatch(/remove it from the result before publishing/);

    // A piece of the reference, in a frontmatter field.
    const piece = HELD_REFERENCE.slice(20, 120);
    const withPiece = await postResult(hub, ana, { notes: `output began: ${piece}` }, 'See the notes.');
    expect(refusal(() => publishMaterial(hub.running.hub, withPiece))).toMatchObject({
      code: 'PRIVATE_CONTENT',
      message: expect.stringContaining("the result's frontmatter"),
    });

    // The prompt in the job's log.
    const log = join(hub.dataDir, 'central', 'jobs', jobId, 'log.txt');
    const before = readFileSync(log, 'utf8');
    appendFileSync(log, `prompt s1: ${JSON.stringify(HELD_PROMPT)}\n`);
    try {
      const inLog = refusal(() => publishMaterial(hub.running.hub, jobResult));
      expect(inLog).toMatchObject({ code: 'PRIVATE_CONTENT', message: expect.stringContaining('log.txt') });
      for (const text of [inLog.message, inLog.hint ?? '', inBody.message, inBody.hint ?? '']) {
        expect(text).not.toContain(HELD_PROMPT.slice(0, 30));
        expect(text).not.toContain(HELD_REFERENCE.slice(0, 30));
      }
    } finally {
      writeFileSync(log, before);
    }

    // A public prompt quoted is fine.
    const fine = await postResult(hub, ana, {}, 'Tried "The quick brown fox" as well.');
    expect(publishMaterial(hub.running.hub, fine).result.body).toContain('quick brown fox');
  });

  it('refuses a file holding a Hugging Face token or a hub token, naming the file', async () => {
    const log = join(hub.dataDir, 'central', 'jobs', jobId, 'log.txt');
    const before = readFileSync(log, 'utf8');
    appendFileSync(log, `HF_TOKEN=hf_${'a1B2c3D4e5'.repeat(4)}\n`);
    try {
      const err = refusal(() => publishMaterial(hub.running.hub, jobResult));
      expect(err).toMatchObject({ code: 'SECRET_IN_FILE', message: expect.stringContaining('log.txt') });
      expect(err.message).not.toContain('hf_a1B2');
    } finally {
      writeFileSync(log, before);
    }
    const withToken = await postResult(hub, ana, {}, `my token is ${ana}`);
    expect(refusal(() => publishMaterial(hub.running.hub, withToken))).toMatchObject({
      code: 'SECRET_IN_FILE',
      message: expect.stringContaining("the result's body"),
    });
  });

  it('refuses a result this hub does not have', () => {
    expect(refusal(() => publishMaterial(hub.running.hub, '20990101-000000-000_nobody.md'))).toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('GET /v1/results'),
    });
  });
});

describe('the /v1/sync routes', () => {
  let hub: TestHub;
  let ana: string;
  let result: string;
  const org = () => ({ token: hub.organizerToken });

  beforeAll(async () => {
    hub = track(await startTestHub());
    ana = await hub.register('ana');
    result = await postResult(hub, ana, {}, 'Measured.');
  });

  it('answer SYNC_DISABLED, with what to do, while no sync service runs; an agent is refused first', async () => {
    const off = await hub.call('GET', '/v1/sync', org());
    expect(off.status).toBe(404);
    expect(off.body.error).toMatchObject({ code: 'SYNC_DISABLED', hint: expect.stringContaining('collab-desk hub') });
    for (const [method, path] of [
      ['GET', '/v1/sync'],
      ['POST', '/v1/sync/logout'],
      ['GET', '/v1/sync/outbox'],
      ['POST', '/v1/sync/outbox/ob-1/retry'],
    ] as const) {
      const asAgent = await hub.call(method, path, { token: ana });
      expect(asAgent.status, `${method} ${path}`).toBe(403);
      expect(asAgent.body.error.code).toBe('NOT_ORGANIZER');
    }
    const preview = await hub.call('POST', '/v1/sync/preview', {
      token: ana,
      body: { result, collab: 'org/speed', agent: 'ana' },
    });
    expect(preview.body.error.code).toBe('NOT_ORGANIZER');
    expect((await hub.call('GET', '/v1/sync')).body.error.code).toBe('UNAUTHORIZED');
  });

  it("are listed in GET /v1 and /openapi.json as the organizer's", async () => {
    const endpoints = (await hub.call('GET', '/v1')).body.endpoints as Array<{
      method: string;
      path: string;
      auth: string;
    }>;
    const sync = endpoints.filter((e) => e.path.startsWith('/v1/sync'));
    expect(sync.map((e) => `${e.method} ${e.path}`).sort()).toEqual(
      [
        'GET /v1/sync',
        'GET /v1/sync/discover',
        'GET /v1/sync/outbox',
        'POST /v1/sync/agents',
        'POST /v1/sync/collabs',
        'POST /v1/sync/login',
        'POST /v1/sync/logout',
        'POST /v1/sync/outbox/{id}/cancel',
        'POST /v1/sync/outbox/{id}/retry',
        'POST /v1/sync/preview',
        'POST /v1/sync/publish',
      ].sort(),
    );
    expect(new Set(sync.map((e) => e.auth))).toEqual(new Set(['organizer']));
    const doc = (await hub.call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths['/v1/sync/publish'].post.responses)).toContain('202');
  });

  it('reach the attached sync service: its refusals keep their code, and the hub refuses an unknown result first', async () => {
    const hfHome = mkdtempSync(join(tmpdir(), 'collab-desk-hf-home-'));
    // The real service, with no login and a Hugging Face endpoint nobody answers.
    const sync = createSyncService({
      dataFolder: hub.dataDir,
      hfEndpoint: 'http://127.0.0.1:9',
      record: hub.running.hub.outboxRecord,
      vault: fileTokenVault(join(hub.dataDir, 'sync', 'hf-login.json'), { HF_HOME: hfHome }),
    });
    hub.running.attachSync(sync);
    sync.start();
    try {
      expect((await hub.call('GET', '/v1/sync', org())).body).toMatchObject({ signed_in: null, collabs: [] });
      const login = await hub.call('POST', '/v1/sync/login', { ...org(), body: { token: 'hf_not_reachable_000000' } });
      expect(login.status).toBe(502);
      expect(login.body.error.code).toBe('HF_UNREACHABLE');
      expect(login.text).not.toContain('hf_not_reachable_000000');

      const body = { result, collab: 'org/speed', agent: 'ana' };
      const unknown = await hub.call('POST', '/v1/sync/preview', {
        ...org(),
        body: { ...body, result: '20990101-000000-000_nobody.md' },
      });
      expect(unknown.body.error.code).toBe('NOT_FOUND');
      const notConnected = await hub.call('POST', '/v1/sync/preview', { ...org(), body });
      expect(notConnected.status).toBe(404);
      expect(notConnected.body.error).toMatchObject({
        code: 'COLLAB_NOT_CONNECTED',
        hint: expect.stringContaining('connect'),
      });

      const noDigest = await hub.call('POST', '/v1/sync/publish', { ...org(), body });
      expect(noDigest.status).toBe(400);
      expect(noDigest.body.error).toMatchObject({ code: 'INVALID_BODY', message: expect.stringContaining('digest') });
      const retry = await hub.call('POST', '/v1/sync/outbox/ob_none/retry', org());
      expect(retry.status).toBe(404);
      expect(retry.body.error.code).toBe('OUTBOX_ITEM_NOT_FOUND');
    } finally {
      rmSync(hfHome, { recursive: true, force: true });
    }
  });
});
