// The onboarding README on a hub that runs benchmark jobs: how to submit, follow and cancel one, the quota, and
// how results are verified; a hub without a job queue says nothing about jobs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineJobRunner } from '../../src/bench/job-runner';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';
import { installTestPack, PRIVATE_PROMPTS, writeTestPack } from '../helpers/test-pack';

const readme = async (hub: TestHub) => {
  const res = await hub.call('GET', '/README.md');
  expect(res.status).toBe(200);
  return res.text;
};

/** The JSON an agent is told to POST to /v1/jobs, read back out of the README's curl line. */
const exampleJob = (text: string) =>
  JSON.parse(/curl -s -X POST \$HUB\/v1\/jobs .*\\\n {2}-d '(.+)'/.exec(text)![1]!) as {
    config: Record<string, unknown>;
    method: string;
    description: string;
  };

describe('a hub that runs benchmark jobs', () => {
  let dir: string;
  let hub: TestHub;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-onboarding-'));
    hub = await startTestHub(
      { jobs: { per_agent: 7, per_hub: 42, window_hours: 12, queued_per_agent: 2, verify: true } },
      join(dir, 'data'),
      { jobRunner: engineJobRunner() },
    );
  });
  afterAll(async () => {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells agents how to submit, follow and cancel a job, with the quota from the config', async () => {
    const text = await readme(hub);
    expect(text).toContain('## Benchmark jobs');
    for (const call of [
      '$HUB/v1/challenge',
      'POST $HUB/v1/jobs',
      '$HUB/v1/jobs/<id>',
      '$HUB/v1/central/jobs/<id>/log.txt',
      'DELETE $HUB/v1/jobs/<id>',
      '$HUB/v1/jobs/quota',
    ]) {
      expect(text).toContain(call);
    }
    expect(text).toContain('7 jobs per agent and 42 for the whole hub per 12 hours');
    expect(text).toContain('at most 2 of yours waiting');
    // No pack yet: the example still has the shape of a submission, with placeholders for the models.
    expect(exampleJob(text)).toMatchObject({
      config: { target: '<target model>', spec_type: 'draft' },
      method: expect.any(String),
      description: expect.any(String),
    });
  });

  it('explains what is measured, how a claim of a new best is verified, and how to tell a gain from noise', async () => {
    const text = await readme(hub);
    expect(text).toMatch(/headline `tps` is over the public prompts/);
    expect(text).toMatch(/private prompts are held out for verification/);
    expect(text).toMatch(
      /claims a new best is re-run on the private prompts, and the verdict is posted to its author's inbox/,
    );
    expect(text).toMatch(/slower than the baseline is published as `negative`: a first-class result/);
    expect(text).toContain('GET /v1/compare?a=');
    expect(text).toContain('`/v1/jobs/quota`');
  });

  it('builds the example job from the installed pack: real model names, never a private prompt', async () => {
    const { file, pack } = await writeTestPack(join(dir, 'pack'));
    // Installed while the hub runs, as `collab-desk challenge init` does; nothing is submitted, so nothing runs.
    await installTestPack(file, hub.dataDir);
    const text = await readme(hub);
    const job = exampleJob(text);
    const models = Object.keys(pack.models);
    expect(models).toContain(job.config.target);
    expect(models).toContain(job.config.draft);
    expect(pack.models[job.config.target as string]!.role).toBe('target');
    expect(pack.models[job.config.draft as string]!.role).toBe('draft');
    expect(job.config.spec_type).toBe('draft');
    expect(text).not.toContain('<target model>');
    for (const prompt of PRIVATE_PROMPTS) expect(text).not.toContain(prompt);
  }, 60_000);
});

describe('a hub without a job queue', () => {
  const hub = withHub();

  it('says nothing about benchmark jobs, not even in the API reference', async () => {
    const text = await readme(hub);
    expect(text).not.toContain('## Benchmark jobs');
    expect(text).not.toContain('/v1/jobs');
    expect(text).not.toContain('quota');
    expect(text).not.toContain('/verify');
    // The rest of the onboarding is untouched.
    expect(text).toContain('## Posting results');
    expect(text).toContain('## Artifacts and shared resources');
  });
});
