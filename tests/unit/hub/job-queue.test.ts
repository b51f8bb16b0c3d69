// Benchmark jobs on a real record: quotas charged and refunded, configs checked, the queue's baseline, results and recovery.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRunInput, JobRunner, JobRunOutput } from '../../../src/shared/challenge';
import type { Hub } from '../../../src/hub/hub';
import { JobQueue } from '../../../src/hub/jobs/job-queue';
import { quotaOf, submitJob } from '../../../src/hub/jobs/job-submission';
import { buildLeaderboard } from '../../../src/hub/leaderboard';
import { addAgent, installPack, openRecord, organizerOf, runOutput, type TestRecord } from './test-record';

const HOUR = 3_600_000;
const DRAFT_JOB = { config: { target: 'target', draft: 'draft', spec_type: 'draft' } };

let record: TestRecord;
let queue: JobQueue | null = null;
beforeEach(() => {
  record = openRecord({
    jobs: { per_agent: 2, per_hub: 100, window_hours: 24, queued_per_agent: 3, verify: false } as never,
  });
  installPack(record.hub);
});
afterEach(async () => {
  await queue?.close();
  queue = null;
  record.close();
});

/** The bench engine's seam, answered from a script: the GPU these machines lack, nothing of the hub's own. */
function scriptedRunner(
  answer: (input: JobRunInput) => JobRunOutput | Promise<JobRunOutput>,
): JobRunner & { inputs: JobRunInput[] } {
  const inputs: JobRunInput[] = [];
  return { inputs, run: async (input) => (inputs.push(input), answer(input)) };
}

/** Plain runs measure 100 tok/s; speculative ones `draftTps` against the same plain 100. */
const machine = (draftTps: number) =>
  scriptedRunner((input) => (input.config.spec_type === 'none' ? runOutput(100, null) : runOutput(draftTps, 100)));

/** Resolves once `count` events of `type` have gone out. */
const events = (hub: Hub, type: string, count: number) =>
  new Promise<void>((resolve) => {
    let seen = 0;
    const stop = hub.events.onEvent((e) => {
      if (e.type === type && ++seen === count) {
        stop();
        resolve();
      }
    });
  });

describe('submitting a job', () => {
  it("refuses a job past the agent's quota, says when the next slot frees, and takes it once the window has moved on", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    await submitJob(hub, alice, DRAFT_JOB);
    record.advance(HOUR);
    await submitJob(hub, alice, DRAFT_JOB);
    const refused = submitJob(hub, alice, DRAFT_JOB);
    await expect(refused).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      headers: { 'Retry-After': String(23 * 3600) },
    });
    expect(quotaOf(hub, 'alice')).toMatchObject({
      used: 2,
      limit: 2,
      next_slot_at: new Date(hub.now() - HOUR + 24 * HOUR).toISOString(),
    });
    record.advance(23 * HOUR);
    await expect(submitJob(hub, alice, DRAFT_JOB)).resolves.toMatchObject({ agent: 'alice', state: 'queued' });
  });

  it("holds each agent to a few waiting jobs, and all agents to the hub's quota", async () => {
    record.close();
    record = openRecord({
      jobs: { per_agent: 10, per_hub: 3, window_hours: 24, queued_per_agent: 2, verify: false } as never,
    });
    installPack(record.hub);
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    await submitJob(hub, alice, DRAFT_JOB);
    await submitJob(hub, alice, DRAFT_JOB);
    await expect(submitJob(hub, alice, DRAFT_JOB)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringContaining('waiting in the queue'),
    });
    await submitJob(hub, bob, DRAFT_JOB);
    await expect(submitJob(hub, bob, DRAFT_JOB)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringContaining("hub's quota"),
    });
  });

  it('charges the organizer nothing', async () => {
    const { hub } = record;
    for (let i = 0; i < 3; i++) await submitJob(hub, organizerOf(hub), DRAFT_JOB);
    expect(quotaOf(hub, hub.organizerHandle).used).toBe(0);
  });

  it('refuses a model the pack does not name, a setting the pack fixes, and a scratch model that is not there', async () => {
    const alice = await addAgent(record.hub, 'alice');
    await expect(submitJob(record.hub, alice, { config: { target: 'gpt-9' } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('gpt-9'),
    });
    await expect(submitJob(record.hub, alice, { config: { target: 'target', repeats: 1 } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('repeats'),
    });
    await expect(
      submitJob(record.hub, alice, { config: { target: 'target', draft: 'scratch:mine.gguf', spec_type: 'draft' } }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('scratch') });
    expect(quotaOf(record.hub, 'alice').used).toBe(0);
  });
});

describe('the job queue', () => {
  it("measures the pack's baseline first and keeps it off the ranking; a job's result is published as its author's", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const runner = machine(160);
    queue = new JobQueue(hub, runner, new Map());
    await queue.start();
    await queue.idle();
    const baseline = hub.results.latestOfPack('baseline', 'tiny')!;
    expect(baseline).toMatchObject({ agent: 'hub', score: 100, via: 'job' });
    const job = await submitJob(hub, alice, DRAFT_JOB);
    queue.kick();
    await queue.idle();
    const done = hub.jobs.get(job.id)!;
    expect(done.state).toBe('succeeded');
    expect(hub.results.get(done.result!)).toMatchObject({
      agent: 'alice',
      status: 'agent-run',
      score: 160,
      measurement: 'clean',
    });
    expect(buildLeaderboard(hub, {}).rows.map((r) => [r.agent, r.score, r.speedup])).toEqual([['alice', 160, 1.6]]);
    // Model names are resolved to the files on this machine only when the job runs.
    expect(runner.inputs.at(-1)!.config.draft).toBe(installPack(hub).model_paths.draft);
  });

  it('publishes a configuration slower than its plain target as negative, off the leaderboard', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    queue = new JobQueue(hub, machine(70), new Map());
    await queue.start();
    const job = await submitJob(hub, alice, DRAFT_JOB);
    queue.kick();
    await queue.idle();
    expect(hub.results.get(hub.jobs.get(job.id)!.result!)).toMatchObject({ status: 'negative', score: 70 });
    expect(buildLeaderboard(hub, {}).rows).toEqual([]);
    expect(buildLeaderboard(hub, {}).meta.excluded.status_negative).toBe(1);
  });

  it('refunds a queued job its author cancels, and lets no one else cancel it', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    queue = new JobQueue(hub, machine(160), new Map());
    const job = await submitJob(hub, alice, DRAFT_JOB);
    await expect(queue.cancel(bob, job.id)).rejects.toMatchObject({ code: 'IDENTITY_MISMATCH' });
    expect(quotaOf(hub, 'alice').used).toBe(1);
    expect(await queue.cancel(alice, job.id)).toMatchObject({ state: 'cancelled' });
    expect(quotaOf(hub, 'alice').used).toBe(0);
    await expect(queue.cancel(alice, job.id)).rejects.toMatchObject({ code: 'JOB_FINISHED' });
  });

  it('cancels and refunds the waiting jobs of an agent the organizer suspends', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The baseline holds the machine until the suspension has been dealt with.
    queue = new JobQueue(
      hub,
      scriptedRunner(async (input) =>
        input.config.spec_type === 'none' ? (await held, runOutput(100, null)) : runOutput(160, 100),
      ),
      new Map(),
    );
    const first = await submitJob(hub, alice, DRAFT_JOB);
    const second = await submitJob(hub, alice, DRAFT_JOB);
    await queue.start();
    const cancelled = events(hub, 'job.cancelled', 2);
    await hub.write(() => {
      hub.agents.setStatus('alice', 'suspended', hub.now());
      return { result: null, effect: { actor: hub.organizerHandle, action: 'agent.suspended', target: 'alice' } };
    });
    await cancelled;
    release();
    await queue.idle();
    expect([hub.jobs.get(first.id)!.state, hub.jobs.get(second.id)!.state]).toEqual(['cancelled', 'cancelled']);
    expect(quotaOf(hub, 'alice').used).toBe(0);
    expect(hub.results.count()).toBe(1); // the baseline alone
  });

  it('fails and refunds a job a crashed hub left running, at the next start', async () => {
    const { hub } = record;
    await addAgent(hub, 'alice');
    const job = await submitJob(hub, { kind: 'agent', handle: 'alice', agent: hub.agents.get('alice')! }, DRAFT_JOB);
    await hub.write(() => {
      hub.jobs.start(job.id, hub.now());
      return { result: null, effect: { actor: 'alice', action: 'job.started', target: job.id } };
    });
    queue = new JobQueue(hub, machine(160), new Map());
    await queue.start();
    expect(hub.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('hub stopped while this job ran'),
    });
    expect(quotaOf(hub, 'alice').used).toBe(0);
  });
});
