// Running a submission on the user's own Hugging Face Jobs from the CLI (`sync run --on hf-jobs`): the price and the
// cap before anything leaves, the collab's image, command and mounts with no token in the job, followed to its end
// with job_status.json and job_logs.txt written as the collab's watcher writes them; refusals as next steps; and
// `sync publish --job` publishing it as exploratory with the HF job's URL.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout } from '../../src/platform/data-folder';
import { registerOnCollab } from '../../src/sync/collab-registration';
import { listConnections, saveCollabAgent } from '../../src/sync/collab-store';
import { createSyncService, fileTokenVault } from '../../src/sync/sync-service';
import { startHfBucketStandin, type HfBucketStandin, type StandinJobHarness } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { killSyncChildren, runSync, startSync, syncHome, type SyncHome } from '../helpers/sync-cli';
import { withHub } from '../helpers/with-hub';

const ORG = 'gemma-challenge';
const ALICE = 'hf_aliceRunsOwnHfJobsTokenDoNotPrint01';
const HARNESS = 'print("the collab harness")\n';
let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let h: SyncHome;
const hub = withHub();
const roots: string[] = [];

/** The collab's harness as the stand-in runs it: reads the mounts, logs, writes /state/summary.json. */
const measuring: StandinJobHarness = ({ volumes, log }) => {
  expect(volumes['/harness']!.get('run.py')!.toString()).toBe(HARNESS);
  const config = volumes['/submission']!.get('config.yaml')!.toString();
  log('loading the draft model');
  log(`config: ${config.trim()}`);
  log('tps=48.3 ppl=9.6');
  return { '/state/summary.json': JSON.stringify({ tps: 48.3, ppl: 9.6, method: 'speculative decoding on A10G' }) };
};

function submission(): string {
  const dir = mkdtempSync(join(tmpdir(), 'collab-desk-submission-'));
  roots.push(dir);
  writeFileSync(join(dir, 'config.yaml'), 'draft_layers: 2\n');
  return dir;
}

const runArgs = (name: string, ...extra: string[]) => [
  'run',
  submission(),
  '--collab',
  `${ORG}/runs`,
  '--agent',
  'beta',
  '--name',
  name,
  '--on',
  'hf-jobs',
  '--data',
  h.data,
  ...extra,
];

/** Nothing the Hub stand-in received for a job, nor any file in the agent's bucket, holds the token. */
function expectNoTokenAnywhere(): void {
  for (const job of hf.hfJobs()) expect(job.raw).not.toContain(ALICE);
  for (const [path, bytes] of hf.files(`${ORG}/runs-beta`)) expect(bytes.toString('latin1'), path).not.toContain(ALICE);
}

beforeAll(async () => {
  hf = await startHfBucketStandin({
    users: [{ name: 'alice', token: ALICE, orgs: [{ name: ORG, role: 'write' }] }],
    jobs: { harness: measuring, hold: true },
  });
  collab = await startPublicCollabStandin({
    hf,
    org: ORG,
    slug: 'runs',
    registration: 'server-creates',
    jobs: true,
    requiredFields: ['tps', 'ppl', 'method', 'status', 'description'],
  });
  hf.putFile(collab.centralBucket, 'shared_resources/harness/run.py', HARNESS);
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
afterEach(() => {
  killSyncChildren();
  hf.setHfJobHarness(measuring);
});
afterAll(async () => {
  await collab?.close();
  await hf?.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('collab-desk sync run --on hf-jobs', () => {
  it('shows the price and the most the run can cost, and launches nothing without --yes where it cannot ask', async () => {
    const r = await runSync(runArgs('unasked'), h.env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `on your own Hugging Face Jobs, as alice (signed in as alice), with ${ORG}/runs's harness`,
    );
    expect(r.stdout).toContain(
      'price: a10g-small, Nvidia A10G - small (4 vCPU, 15 GB, 1x A10G 24 GB), costs $0.0167 per minute ($1.00 per hour); ' +
        "capped at 40 min, this run costs at most $0.67, billed to alice's Hugging Face account",
    );
    expect(r.stderr).toContain('nothing was launched');
    expect(r.stderr).toContain('pass --yes to launch at that price');
    expect(hf.hfJobs()).toEqual([]);
    expect([...hf.files(`${ORG}/runs-beta`).keys()].some((p) => p.startsWith('submissions/unasked'))).toBe(false);

    const dearer = await runSync(runArgs('dearer', '--flavor', 'a100-large', '--timeout', '2h'), h.env());
    expect(dearer.stdout).toContain(
      'costs $0.0417 per minute ($2.50 per hour); capped at 2 h 0 min, this run costs at most $5.00',
    );

    const unknown = await runSync(runArgs('unknown', '--flavor', 'h100x9', '--yes'), h.env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Hugging Face Jobs have no flavor "h100x9"; choose one with --flavor: cpu-basic');
    expect(unknown.stderr).toContain('a10g-small ($0.0167/minute)');
    expect(hf.hfJobs()).toEqual([]);
  });

  it('launches with --yes, follows to the end, writes the status and logs into the run folder, prints the summary', async () => {
    const cli = startSync(runArgs('own1', '--yes'), h.env());
    const job = await hf.nextHfJob();
    expect(job.namespace).toBe('alice');
    expect(job.spec).toMatchObject({
      dockerImage: 'python:3.12',
      flavor: 'a10g-small',
      timeoutSeconds: 2400,
      command: ['python3', '/harness/run.py', '--submission-dir', '/submission', '--state-dir', '/state'],
      environment: {},
    });
    const runPrefix = (job.spec.volumes as Array<{ path: string }>)[2]!.path;
    expect(runPrefix).toMatch(/^runs\/own1-\d{8}-\d{6}$/);
    expect(job.spec.volumes).toEqual([
      {
        type: 'bucket',
        source: `${ORG}/runs-beta`,
        mountPath: '/submission',
        readOnly: true,
        path: 'submissions/own1',
      },
      {
        type: 'bucket',
        source: collab.centralBucket,
        mountPath: '/harness',
        readOnly: true,
        path: 'shared_resources/harness',
      },
      { type: 'bucket', source: `${ORG}/runs-beta`, mountPath: '/state', readOnly: false, path: runPrefix },
    ]);
    expect(job.spec.secrets).toBeUndefined();
    expectNoTokenAnywhere();

    await cli.line(/status: running/);
    await hf.releaseHfJob(job.id);
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    const jobUrl = `${hf.url}/jobs/alice/${job.id}`;
    expect(r.stdout).toContain(`launched: job ${job.id} under alice on a10g-small (capped at 40 min)`);
    expect(r.stdout).toContain(`job: ${jobUrl}`);
    expect(r.stdout).toContain('loading the draft model\nconfig: draft_layers: 2\ntps=48.3 ppl=9.6\n');
    expect(r.stdout).toContain('status: completed (benchmark completed; see summary.json)');
    expect(r.stdout).toContain(`summary (hf://buckets/${ORG}/runs-beta/${runPrefix}/summary.json):\n  tps: 48.3`);
    expect(r.stdout).toContain('score: tps = 48.3 tokens/s (higher is better), measured on your own Hugging Face Job');
    expect(r.stdout).toContain(`collab-desk sync publish --job ${runPrefix} --collab ${ORG}/runs --agent beta`);
    expect(r.stdout + r.stderr).not.toContain(ALICE);

    const bucket = hf.files(`${ORG}/runs-beta`);
    const status = JSON.parse(bucket.get(`${runPrefix}/job_status.json`)!.toString()) as Record<string, unknown>;
    expect(status).toMatchObject({
      status: 'completed',
      stage: 'COMPLETED',
      job_id: job.id,
      job_url: jobUrl,
      hf_job_url: jobUrl,
      launched_by: 'own-hf-jobs',
      flavor: 'a10g-small',
      agent_id: 'beta',
      hf_user: 'alice',
      submission_prefix: 'submissions/own1',
      timeout_minutes: 40,
      message: 'benchmark completed; see summary.json',
    });
    expect(typeof status.launched_at).toBe('string');
    expect(typeof status.finished_at).toBe('string');
    expect(bucket.get(`${runPrefix}/job_logs.txt`)!.toString()).toContain('tps=48.3 ppl=9.6');
    expectNoTokenAnywhere();
  });

  it('a failing harness ends "error" with the tail of its logs and what to do', async () => {
    hf.setHfJobHarness(({ log }) => {
      log('loading the draft model');
      log('Traceback (most recent call last):');
      throw new Error('torch.OutOfMemoryError: CUDA out of memory');
    });
    const cli = startSync(runArgs('oom', '--yes'), h.env());
    const job = await hf.nextHfJob();
    await cli.line(/status: running/);
    await hf.releaseHfJob(job.id);
    const r = await cli.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Traceback (most recent call last):\ntorch.OutOfMemoryError: CUDA out of memory');
    expect(r.stdout).toContain('status: error (job ended in error: torch.OutOfMemoryError: CUDA out of memory)');
    expect(r.stdout).toContain('the job ended error: no result to publish');
    expect(r.stdout).toContain(`next: read the end of the logs (and the job's page ${hf.url}/jobs/alice/${job.id})`);
    expect(r.stdout).toContain('fix the submission, then run it again');
  });

  it('resumes following a run whose terminal closed: sync job <id> --follow is its watcher', async () => {
    const first = startSync(runArgs('resumed', '--yes'), h.env());
    const job = await hf.nextHfJob();
    const resume = await first.line(/resume with: (collab-desk sync job \S+ .*--follow)/);
    await first.line(/status: running/);
    first.child.kill('SIGKILL');
    await first.done;
    const look = await runSync(
      ['job', job.id, '--collab', `${ORG}/runs`, '--agent', 'beta', '--data', h.data],
      h.env(),
    );
    expect(look.stdout).toContain("still running on alice's own Hugging Face Jobs");
    expect(resume[1]).toContain(job.id);
    const follow = startSync(
      ['job', job.id, '--collab', `${ORG}/runs`, '--agent', 'beta', '--follow', '--data', h.data],
      h.env(),
    );
    await follow.line(/status: running/);
    await hf.releaseHfJob(job.id);
    const r = await follow.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('status: completed');
    expect(r.stdout).toContain('  tps: 48.3');
  });

  it('a namespace that cannot pay, and one the token may not use, are refused with next steps', async () => {
    hf.setHfJobsCannotPay('alice');
    try {
      const r = await runSync(runArgs('unpaid', '--yes'), h.env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'collab-desk sync run: alice cannot pay for Hugging Face Jobs: the Hub said Payment required',
      );
      expect(r.stderr).toContain(
        'nothing was launched; add credits or a payment method at https://huggingface.co/settings/billing',
      );
      expect(r.stderr).toContain("or run it on the collab's hardware instead");
      expect(r.stdout + r.stderr).not.toContain(ALICE);
    } finally {
      hf.setHfJobsCannotPay('alice', false);
    }
    const elsewhere = await runSync(runArgs('foreign', '--yes', '--namespace', 'someone-elses-org'), h.env());
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('your token may not run Jobs under someone-elses-org');
    expect(elsewhere.stderr).toContain('run under your own namespace (leave out --namespace)');
    expect(hf.hfJobs().filter((j) => ['unpaid', 'foreign'].some((n) => j.raw.includes(`submissions/${n}`)))).toEqual(
      [],
    );
  });
});

describe('publishing a run from the own Hugging Face Jobs', () => {
  it('sync publish --job runs/... publishes it as exploratory, on the flavor, with the HF job URL', async () => {
    const cli = startSync(runArgs('pub', '--yes'), h.env());
    const job = await hf.nextHfJob();
    await cli.line(/status: running/);
    await hf.releaseHfJob(job.id);
    const ran = await cli.done;
    expect(ran.code, ran.stderr).toBe(0);
    const runPrefix = (job.spec.volumes as Array<{ path: string }>)[2]!.path;
    const jobUrl = `${hf.url}/jobs/alice/${job.id}`;
    const base = ['publish', '--collab', `${ORG}/runs`, '--agent', 'beta', '--hub', hub.url, '--data', hub.dataDir];
    const r = await runSync([...base, '--job', runPrefix, '--yes', '--wait'], h.env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `note: Exploratory: measured on the user's own Hugging Face Job a10g-small (Nvidia A10G - small), with ${ORG}/runs's harness`,
    );
    expect(r.stdout).toContain(`"source":"hf://buckets/${ORG}/runs-beta/${runPrefix}/"`);
    expect(r.stdout).toMatch(/sent/);
    const promoted = collab.results().find((x) => x.frontmatter.job_id === job.id)!;
    expect(promoted.frontmatter).toMatchObject({
      tps: 48.3,
      ppl: 9.6,
      status: 'agent-run',
      exploratory: true,
      hardware: 'Nvidia A10G - small',
      job_id: job.id,
      run_prefix: runPrefix,
      job_url: jobUrl,
      hf_job_url: jobUrl,
      flavor: 'a10g-small',
    });
    expect(String(promoted.frontmatter.description)).toContain('[exploratory, Nvidia A10G - small]');
    expect(r.stdout + r.stderr).not.toContain(ALICE);
  });
});
