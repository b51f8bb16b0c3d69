// Running a submission on a public collab's hardware from the CLI: package, upload, POST /v1/jobs:run, follow job_status.json and the logs, read summary.json; every refusal a next step.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataLayout } from '../../src/platform/data-folder';
import { launchCollabJob, packageSubmission } from '../../src/sync/collab-jobs';
import { registerOnCollab } from '../../src/sync/collab-registration';
import { listConnections, saveCollabAgent } from '../../src/sync/collab-store';
import { SyncError } from '../../src/sync/sync-error';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { killSyncChildren, runSync, startSync, syncHome, type SyncHome } from '../helpers/sync-cli';

const ORG = 'gemma-challenge';
const ALICE = 'hf_aliceJobsTokenDoNotPrintAnywhere01';
let hf: HfBucketStandin;
/** Jobs on, the public quota. */
let runs: PublicCollabStandin;
/** Jobs on, one job per agent per day. */
let tight: PublicCollabStandin;
/** Jobs off. */
let plain: PublicCollabStandin;
const roots: string[] = [];

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [{ name: 'alice', token: ALICE, orgs: [{ name: ORG, role: 'write' }] }] });
  runs = await startPublicCollabStandin({
    hf,
    slug: 'runs',
    registration: 'server-creates',
    jobs: true,
    limits: { registrationPerMinute: 20 },
  });
  tight = await startPublicCollabStandin({
    hf,
    slug: 'tight',
    registration: 'server-creates',
    jobs: true,
    limits: { jobsPerAgentPerDay: 1 },
  });
  plain = await startPublicCollabStandin({ hf, slug: 'plain' });
});
afterEach(() => killSyncChildren());
afterAll(async () => {
  await Promise.all([runs, tight, plain].filter(Boolean).map((c) => c.close()));
  await hf?.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A machine signed in as alice (the HF token file), connected to a collab with `agent` registered on it. */
async function machine(collab: PublicCollabStandin, agent: string): Promise<SyncHome> {
  const h = syncHome(hf.url);
  roots.push(h.root);
  mkdirSync(h.hfHome, { recursive: true });
  writeFileSync(join(h.hfHome, 'token'), ALICE);
  const connected = await runSync(['connect', collab.apiUrl, '--data', h.data], h.env());
  expect(connected.code, connected.stderr).toBe(0);
  const file = dataLayout(h.data).collabs;
  const connection = listConnections(file).find((c) => c.id === `${ORG}/${collab.slug}`)!;
  const registered = await registerOnCollab({
    collab: connection,
    agentId: agent,
    model: 'gemma-4-e2b',
    harness: 'collab-desk',
    token: ALICE,
    user: 'alice',
    hubUrl: hf.url,
  });
  saveCollabAgent(file, connection.id, registered);
  return h;
}

/** A submission folder: a config, a nested file and some binary bytes. */
function submission(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'collab-desk-submission-'));
  roots.push(dir);
  const all = {
    'config.yaml': 'draft_layers: 2\nk: 4\n',
    'src/decode.py': 'print("speculative decoding")\n',
    'weights.bin': Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]),
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('collab-desk sync run', () => {
  it('uploads the exact bytes, launches, follows the logs to the end and prints the summary and how to publish', async () => {
    const h = await machine(runs, 'beta');
    const folder = submission();
    const cli = startSync(
      ['run', folder, '--collab', `${ORG}/runs`, '--agent', 'beta', '--name', 'v1', '--follow', '--data', h.data],
      h.env(),
    );
    const job = await runs.nextJob();
    expect(job).toMatchObject({
      agentId: 'beta',
      hfUser: 'alice',
      bucket: `${ORG}/runs-beta`,
      submissionPrefix: 'submissions/v1',
    });
    expect(job.runPrefix).toMatch(/^runs\/v1-\d{8}-\d{6}$/);
    const bucket = hf.files(`${ORG}/runs-beta`);
    expect(bucket.get('submissions/v1/config.yaml')!.toString()).toBe('draft_layers: 2\nk: 4\n');
    expect(bucket.get('submissions/v1/src/decode.py')!.toString()).toBe('print("speculative decoding")\n');
    expect([...bucket.get('submissions/v1/weights.bin')!]).toEqual([0, 1, 2, 250, 251, 252, 10, 13]);
    await cli.line(/status: running/);
    await cli.line(/following \(if this stops, resume with: collab-desk sync job \S+/);
    runs.finishJob(job.jobId, {
      summary: { tps: 51.2, ppl: 9.7 },
      logs: 'loading the draft model\ntps=51.2 ppl=9.7\n',
    });
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`uploaded: 3 files, 59 bytes -> hf://buckets/${ORG}/runs-beta/submissions/v1/`);
    expect(r.stdout).toContain(`launched: job ${job.jobId} on ${ORG}/runs (capped at 40 min)`);
    expect(r.stdout).toContain(`job: ${job.jobUrl}`);
    expect(r.stdout).toContain('quota left (rolling 24 h): 9 for beta, 29 for alice');
    expect(r.stdout).toContain('loading the draft model\ntps=51.2 ppl=9.7\n');
    expect(r.stdout).toContain('status: completed (benchmark completed; see summary.json)');
    expect(r.stdout).toContain(
      `summary (hf://buckets/${ORG}/runs-beta/${job.runPrefix}/summary.json):\n  tps: 51.2\n  ppl: 9.7`,
    );
    expect(r.stdout).toContain("score: tps = 51.2 tokens/s (higher is better), measured on the collab's hardware");
    expect(r.stdout).toContain(`collab-desk sync publish --job ${job.runPrefix} --collab ${ORG}/runs --agent beta`);
    // The logs come after the launch and before the final status.
    expect(r.stdout.indexOf('tps=51.2 ppl=9.7')).toBeLessThan(r.stdout.indexOf('status: completed'));
    expect(r.stdout + r.stderr).not.toContain(ALICE);
  });

  it('follows an already launched job by its id or its run prefix (resume after the terminal closed)', async () => {
    const h = await machine(runs, 'gamma');
    const launched = await runSync(
      ['run', submission(), '--collab', `${ORG}/runs`, '--agent', 'gamma', '--data', h.data],
      h.env(),
    );
    expect(launched.code, launched.stderr).toBe(0);
    const job = await runs.nextJob();
    expect(launched.stdout).toContain(
      `follow it: collab-desk sync job ${job.jobId} --collab ${ORG}/runs --agent gamma --follow`,
    );
    const look = await runSync(
      ['job', job.jobId, '--collab', `${ORG}/runs`, '--agent', 'gamma', '--data', h.data],
      h.env(),
    );
    expect(look.code, look.stderr).toBe(0);
    expect(look.stdout).toContain(`run: hf://buckets/${ORG}/runs-gamma/${job.runPrefix}/ (job ${job.jobId}`);
    expect(look.stdout).toContain('status: running');
    expect(look.stdout).toContain('still running: add --follow');

    const follow = startSync(
      ['job', job.jobId, '--collab', `${ORG}/runs`, '--agent', 'gamma', '--follow', '--data', h.data],
      h.env(),
    );
    await follow.line(/status: running/);
    runs.finishJob(job.jobId, { summary: { tps: 40.1 }, logs: 'tps=40.1\n' });
    const r = await follow.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('tps=40.1\n');
    expect(r.stdout).toContain('status: completed');
    expect(r.stdout).toContain('  tps: 40.1');

    // From another machine's view: only the run prefix is known.
    const byPrefix = await runSync(
      ['job', `${job.runPrefix}/`, '--collab', `${ORG}/runs`, '--agent', 'gamma', '--follow', '--data', h.data],
      h.env(),
    );
    expect(byPrefix.code, byPrefix.stderr).toBe(0);
    expect(byPrefix.stdout).toContain('score: tps = 40.1 tokens/s');
    const unknown = await runSync(
      ['job', 'nosuchjob', '--collab', `${ORG}/runs`, '--agent', 'gamma', '--data', h.data],
      h.env(),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no job nosuchjob was launched from this machine; give its run prefix instead');
  });

  it('a job that ends in error prints its logs and exits 1 with nothing to publish', async () => {
    const h = await machine(runs, 'delta');
    const cli = startSync(
      ['run', submission(), '--collab', `${ORG}/runs`, '--agent', 'delta', '--follow', '--data', h.data],
      h.env(),
    );
    const job = await runs.nextJob();
    await cli.line(/status: running/);
    runs.finishJob(job.jobId, { status: 'error', logs: 'Traceback: CUDA out of memory\n' });
    const r = await cli.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Traceback: CUDA out of memory');
    expect(r.stdout).toContain('status: error (job ended in error)');
    expect(r.stdout).toContain('the job ended error: no result to publish');
  });

  it('says when the next slot opens once the daily quota is used', async () => {
    const h = await machine(tight, 'eps');
    const first = await runSync(
      ['run', submission(), '--collab', `${ORG}/tight`, '--agent', 'eps', '--data', h.data],
      h.env(),
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('quota left (rolling 24 h): 0 for eps, 29 for alice');
    await tight.nextJob();
    const second = await runSync(
      ['run', submission(), '--collab', `${ORG}/tight`, '--agent', 'eps', '--data', h.data],
      h.env(),
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /collab-desk sync run: gemma-challenge\/tight's job quota is used up: agent 'eps' has hit its limit of 1 jobs per 24h; retry after \d+s; the next slot opens at \d{4}-\d\d-\d\dT[\d:.]+Z \(in 2[34] h \d+ min\); run again then/,
    );
    expect(tight.jobs()).toHaveLength(1);
  });

  it('a collab without jobs is a plain next step, before anything is uploaded; so is JOBS_DISABLED on the wire', async () => {
    const h = await machine(plain, 'zeta');
    const r = await runSync(
      ['run', submission(), '--collab', `${ORG}/plain`, '--agent', 'zeta', '--data', h.data],
      h.env(),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `collab-desk sync run: ${ORG}/plain does not run jobs on its hardware; measure on your own machine`,
    );
    expect([...hf.files(`${ORG}/plain-zeta`).keys()].filter((p) => p.startsWith('submissions/'))).toEqual([]);
    // A connection that still says it runs jobs: the collab's own JOBS_DISABLED reads the same.
    const connection = listConnections(dataLayout(h.data).collabs)[0]!;
    const refused = await launchCollabJob({
      collab: { ...connection, runs_jobs: true },
      agent: connection.agents![0]!,
      token: ALICE,
      hubUrl: hf.url,
      folder: submission(),
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SyncError);
    expect(refused).toMatchObject({ code: 'JOBS_DISABLED', message: `${ORG}/plain does not run jobs on its hardware` });
  });

  it('refuses a folder holding a token, an unknown agent, an unconnected collab', async () => {
    const h = await machine(runs, 'eta');
    const leaky = submission({ '.env': `HF_TOKEN=hf_${'x'.repeat(34)}\n` });
    const r = await runSync(
      ['run', leaky, '--collab', `${ORG}/runs`, '--agent', 'eta', '--name', 'leaky', '--data', h.data],
      h.env(),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('.env in');
    expect(r.stderr).toContain('holds what looks like a Hugging Face token; nothing was uploaded; remove the token');
    expect([...hf.files(`${ORG}/runs-eta`).keys()].some((p) => p.startsWith('submissions/leaky'))).toBe(false);
    const own = submission({ 'notes.txt': `mine: ${ALICE}\n` });
    const mine = await runSync(['run', own, '--collab', `${ORG}/runs`, '--agent', 'eta', '--data', h.data], h.env());
    expect(mine.stderr).toContain('notes.txt in');
    expect(mine.stdout + mine.stderr).not.toContain(ALICE);
    const nobody = await runSync(
      ['run', submission(), '--collab', `${ORG}/runs`, '--agent', 'nobody', '--data', h.data],
      h.env(),
    );
    expect(nobody.stderr).toContain(
      `nobody is not registered on ${ORG}/runs from this machine; register it: collab-desk sync register nobody`,
    );
    const elsewhere = await runSync(
      ['run', submission(), '--collab', 'x/y', '--agent', 'eta', '--data', h.data],
      h.env(),
    );
    expect(elsewhere.stderr).toContain('x/y is not connected; connect it first');
    expect(runs.jobs().filter((j) => j.agentId === 'eta')).toEqual([]);
  });
});

describe('packageSubmission', () => {
  it('reads every file byte for byte, and refuses over the caps with the numbers', () => {
    const folder = submission();
    const p = packageSubmission(folder);
    expect(p.files.map((f) => f.path)).toEqual(['config.yaml', 'src/decode.py', 'weights.bin']);
    expect(p.bytes).toBe(59);
    expect(() => packageSubmission(folder, { maxFiles: 2 })).toThrow(/holds more than 2 files, the collab's cap/);
    expect(() => packageSubmission(folder, { maxBytes: 20 })).toThrow(/holds more than 20 bytes, the collab's cap/);
    try {
      packageSubmission(folder, { maxBytes: 20 });
    } catch (err) {
      expect(err).toMatchObject({ code: 'SYNC_TOO_LARGE' });
    }
    expect(() => packageSubmission(join(folder, 'nope'))).toThrow(/is not a folder/);
  });
});
