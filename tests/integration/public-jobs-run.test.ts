// The public collab's POST /v1/jobs:run on a local hub: a public-collab agent runs its submission folder and follows the
// job through job_status.json, job_logs.txt and summary.json in its run_prefix; the quota, the refusals with the
// public codes, JOBS_DISABLED on a board-only hub, and verdicts read the public way. Real hub, real engine, tiny models.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineJobRunner } from '../../src/bench/job-runner';
import type { OpenApiDocument } from '../../src/hub/openapi';
import type { JobRunStatus, JobsRunResponse } from '../../src/shared/jobs-api';
import { Conformance } from '../helpers/conformance';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';
import { withHub } from '../helpers/with-hub';

describe('a hub that runs jobs', () => {
  let dir: string;
  let hub: TestHub;
  let alice: string;
  let bucket: string;
  const idle = () => hub.running.hub.jobQueue!.idle();
  const put = (token: string, agent: string, path: string, content: string | Buffer) =>
    hub.call('PUT', `/v1/scratch/${agent}/${path}`, {
      token,
      raw: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
  const runFile = async (path: string) => {
    const res = await hub.call('GET', `/v1/scratch/alice/${path}`, { token: alice });
    expect(res.status, `${path}: ${res.text}`).toBe(200);
    return res.text;
  };
  const jobsRun = (token: string | undefined, body: Record<string, unknown>) =>
    hub.call('POST', '/v1/jobs:run', { ...(token ? { token } : {}), body });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-jobs-run-'));
    const { file } = await writeTestPack(join(dir, 'pack'));
    hub = await startTestHub(
      { jobs: { per_agent: 1, per_hub: 100, window_hours: 24, queued_per_agent: 10, verify: true } },
      join(dir, 'data'),
      { jobRunner: engineJobRunner() },
    );
    await installTestPack(file, hub.dataDir);
    alice = await hub.register('alice');
    // A public client builds its bucket name from GET /v1: <org>/<collab>-<agent>.
    const meta = (await hub.call('GET', '/v1')).body as { org: string; collab: string };
    bucket = `${meta.org}/${meta.collab}-alice`;
    // The submission: the body of POST /v1/jobs, and a draft model of its own beside it.
    const draft = readFileSync(join(dir, 'pack', 'models', 'draft-q8_0.gguf'));
    expect((await put(alice, 'alice', 'subs/v1/draft.gguf', draft)).status).toBe(201);
    const job = {
      config: { target: 'target', draft: 'draft.gguf', spec_type: 'draft', draft_n_max: 4 },
      method: 'own Q8_0 draft',
      description: 'submitted through jobs:run',
    };
    expect((await put(alice, 'alice', 'subs/v1/job.json', JSON.stringify(job))).status).toBe(201);
    expect((await put(alice, 'alice', 'subs/container/run.py', 'print("hi")\n')).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad prefixes and bad callers with the public codes, before anything is queued', async () => {
    const ok = { agent_id: 'alice', submission_prefix: 'subs/v1', run_prefix: 'runs/x' };
    for (const bad of ['', '/abs/path', 'a/../b', '.hidden/x', 'a//b', 'ok/\u0001']) {
      // Paths are checked before who asks, as the public backend does: no token needed to be told.
      const res = await jobsRun(undefined, { ...ok, submission_prefix: bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_PATH');
      expect((await jobsRun(alice, { ...ok, run_prefix: bad })).body.error.code).toBe('INVALID_PATH');
    }
    expect((await jobsRun(alice, { ...ok, agent_id: 'Not An Id' })).body.error.code).toBe('INVALID_PATH');
    const elsewhere = await jobsRun(alice, { ...ok, submission_prefix: 'hf://buckets/other-org/x-alice/subs/v1' });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([400, 'INVALID_PATH']);
    const nobody = await jobsRun(alice, { ...ok, agent_id: 'nobody' });
    expect([nobody.status, nobody.body.error.code]).toEqual([404, 'NOT_REGISTERED']);
    const tokenless = await jobsRun(undefined, ok);
    expect([tokenless.status, tokenless.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    await hub.register('bob');
    // A foreign bearer (a public client's Hugging Face token) proves nothing here: no launching as bob on a claim.
    for (const claim of [
      { ...ok, agent_id: 'bob' },
      { ...ok, submission_prefix: `hf://buckets/${bucket.replace(/-alice$/, '-bob')}/subs/v1` },
    ]) {
      const foreign = await hub.call('POST', '/v1/jobs:run', {
        headers: { authorization: 'Bearer hf_PublicClientTokenThatThisHubNeverIssued0123' },
        body: claim,
      });
      expect([foreign.status, foreign.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    }
    const notMine = await jobsRun(alice, { ...ok, agent_id: 'bob' });
    expect([notMine.status, notMine.body.error.code]).toEqual([403, 'IDENTITY_MISMATCH']);
    const bobsUri = await jobsRun(alice, {
      ...ok,
      submission_prefix: `hf://buckets/${bucket.replace(/-alice$/, '-bob')}/subs/v1`,
    });
    expect([bobsUri.status, bobsUri.body.error.code]).toEqual([403, 'BUCKET_NOT_OWNED_BY_CALLER']);
    const missing = await jobsRun(alice, { ...ok, submission_prefix: 'subs/none' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'SOURCE_NOT_FOUND']);
    // A container submission (code to run) cannot run here: refused, saying what a submission is on this hub.
    const container = await jobsRun(alice, { ...ok, submission_prefix: 'subs/container' });
    expect([container.status, container.body.error.code]).toEqual([400, 'INVALID_CONFIG']);
    expect(container.body.error.hint).toContain('job.json');
    expect((await hub.call('GET', '/v1/jobs?kind=bench')).body.count).toBe(0);
    expect((await hub.call('GET', '/v1/jobs/quota', { token: alice })).body.used).toBe(0);
  });

  it('runs a submission folder and writes job_status.json, job_logs.txt and summary.json into run_prefix', async () => {
    const res = await jobsRun(alice, {
      agent_id: 'alice',
      submission_prefix: `hf://buckets/${bucket}/subs/v1`,
      run_prefix: 'runs/v1/',
    });
    expect(res.status, res.text).toBe(202);
    // The answer is what /openapi.json declares for it.
    const api = new Conformance(hub, (await hub.call<OpenApiDocument>('GET', '/openapi.json')).body);
    api.check('POST', '/v1/jobs:run', res);
    expect(api.drift, api.drift.join('\n')).toEqual([]);
    const answer = res.body as JobsRunResponse;
    expect(answer).toMatchObject({
      agent_id: 'alice',
      hf_user: null,
      submission_bucket: bucket,
      submission_prefix: 'subs/v1',
      run_bucket: bucket,
      run_prefix: 'runs/v1',
      status: 'launched',
      timeout_minutes: 5,
      status_file: `hf://buckets/${bucket}/runs/v1/job_status.json`,
      logs_file: `hf://buckets/${bucket}/runs/v1/job_logs.txt`,
      summary_file: `hf://buckets/${bucket}/runs/v1/summary.json`,
      quota: { agent_remaining: 0, user_remaining: 99 },
    });
    // The status file is there when the answer comes, as the public backend writes it at launch.
    const launched = JSON.parse(await runFile('runs/v1/job_status.json')) as JobRunStatus;
    expect(launched).toMatchObject({ status: 'running', job_id: answer.job_id, submission_prefix: 'subs/v1' });
    const job = (await hub.call('GET', new URL(answer.job_url).pathname)).body;
    expect(job).toMatchObject({ id: answer.job_id, agent: 'alice', kind: 'bench', method: 'own Q8_0 draft' });
    expect(job.config.draft).toBe('scratch:subs/v1/draft.gguf');

    await idle();
    const status = JSON.parse(await runFile('runs/v1/job_status.json')) as JobRunStatus;
    const row = (await hub.call('GET', `/v1/jobs/${answer.job_id}`)).body;
    expect(row.state, row.error).toBe('succeeded');
    expect(status).toMatchObject({ status: 'completed', stage: 'succeeded', result: row.result });
    expect(status.finished_at).toEqual(expect.any(String));
    expect(await runFile('runs/v1/job_logs.txt')).toContain(`published results/${row.result}`);
    const summary = JSON.parse(await runFile('runs/v1/summary.json')) as Record<string, unknown>;
    const result = (await hub.call('GET', `/v1/results/${row.result}`)).body;
    expect(summary).toMatchObject({ tps: result.frontmatter.tps, job_id: answer.job_id, result: row.result });
    expect(summary.tps).toBeGreaterThan(0);
  }, 180_000);

  it('refuses a run over the quota with 429 RATE_LIMITED and Retry-After, writing nothing', async () => {
    const res = await jobsRun(alice, { agent_id: 'alice', submission_prefix: 'subs/v1', run_prefix: 'runs/v2' });
    expect([res.status, res.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await hub.call('GET', '/v1/scratch/alice/runs/v2/job_status.json', { token: alice })).status).toBe(404);
  });

  it("posts the verifier's verdict the public way: by the verifier, type verification, via server, INVALID first", async () => {
    const carol = await hub.register('carol');
    const claim = `---\ntps: 999999\nppl: 1.5\nmethod: too good to be true\nstatus: agent-run\ndescription: a false claim\nconfig: {target: target, spec_type: none}\n---\nclaimed by hand\n`;
    const posted = await hub.call('POST', '/v1/results', { token: carol, body: { content: claim } });
    expect(posted.status, posted.text).toBe(201);
    await idle();
    // How a public agent finds it: the board filtered by type, then the first line of the body.
    const list = await hub.call('GET', '/v1/messages?type=verification&expand=true');
    const verdict = list.body.items.find((m: { frontmatter: { refs?: string[] } }) =>
      m.frontmatter.refs?.includes(posted.body.filename),
    );
    expect(verdict.frontmatter).toMatchObject({ agent: 'verifier', type: 'verification', via: 'server' });
    const [first, ...rest] = (verdict.body as string).split('\n');
    expect(first).toContain('**INVALID**');
    expect(first).toContain('@carol');
    expect(first).not.toContain('VERIFIED VALID');
    expect(rest.join('\n')).toContain(`verification of ${posted.body.filename}: **invalid**`);
    const inbox = await hub.call('GET', '/v1/inbox/carol?expand=true', { token: carol });
    expect(inbox.body.items.map((m: { filename: string }) => m.filename)).toContain(verdict.filename);
    // Nobody can register as the verifier and post in its name.
    const taken = await hub.call('POST', '/v1/agents/register', {
      body: { agent_id: 'verifier', model: 'm', harness: 'h' },
    });
    expect([taken.status, taken.body.error.code]).toEqual([400, 'INVALID_PATH']);
  }, 180_000);
});

describe('a board-only hub', () => {
  const hub = withHub();
  it('describes itself in GET /v1 as the public backend does: service bucket-sync, params as one line', async () => {
    const meta = (await hub.call('GET', '/v1')).body as {
      service: string;
      product: string;
      endpoints: Array<{ method: string; path: string; params: string; query: string[] }>;
    };
    expect(meta).toMatchObject({ service: 'bucket-sync', product: 'collab-desk' });
    const route = (method: string, path: string) => meta.endpoints.find((e) => e.method === method && e.path === path);
    expect(route('POST', '/v1/jobs:run')?.params).toBe(
      '{agent_id?, submission_prefix, run_prefix} + Authorization: Bearer',
    );
    expect(route('GET', '/v1/messages')?.params).toMatch(/^since, until, agent, /);
    expect(route('GET', '/v1/messages')?.query).toContain('since');
    expect(route('GET', '/v1/healthz')?.params).toBe('');
  });

  it('answers jobs:run with 404 JOBS_DISABLED, before any other check', async () => {
    const token = await hub.register('dave');
    for (const [who, body] of [
      [token, { agent_id: 'dave', submission_prefix: 'subs/v1', run_prefix: 'runs/v1' }],
      [undefined, { submission_prefix: '/bad', run_prefix: '' }],
    ] as const) {
      const res = await hub.call('POST', '/v1/jobs:run', { ...(who ? { token: who } : {}), body });
      expect([res.status, res.body.error.code]).toEqual([404, 'JOBS_DISABLED']);
    }
  });
});
