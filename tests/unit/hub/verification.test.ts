// Verifying claims on a real record: what claims a new best, how a re-run is judged, and how a verdict changes the ranking.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstalledPack, JobRunInput, JobRunner } from '../../../src/shared/challenge';
import type { Hub } from '../../../src/hub/hub';
import { JobQueue } from '../../../src/hub/jobs/job-queue';
import { submitJob } from '../../../src/hub/jobs/job-submission';
import {
  claimsNewBest,
  deliverVerdict,
  judge,
  queueVerification,
  significantlySlower,
} from '../../../src/hub/jobs/verification';
import { buildLeaderboard } from '../../../src/hub/leaderboard';
import { publishResult } from '../../../src/hub/results';
import { addAgent, installPack, openRecord, resultText, runOutput, type TestRecord } from './test-record';

const DRAFT_JOB = { config: { target: 'target', draft: 'draft', spec_type: 'draft' } };

let record: TestRecord;
let pack: InstalledPack;
let queue: JobQueue | null = null;
beforeEach(() => {
  record = openRecord({
    jobs: { per_agent: 10, per_hub: 100, window_hours: 24, queued_per_agent: 3, verify: true } as never,
  });
  pack = installPack(record.hub);
});
afterEach(async () => {
  await queue?.close();
  queue = null;
  record.close();
});

/**
 * The bench engine's seam answered from a script (the GPU these machines lack): plain runs measure 100 tok/s, the
 * draft config `claimed` tok/s, and a re-run on the private prompts alone `rerun` tok/s.
 */
function machine(figures: { claimed: number; rerun: number }): JobRunner {
  return {
    run: async (input: JobRunInput) => {
      if (input.config.spec_type === 'none') return runOutput(100, null);
      const privateOnly = input.prompts.every((p) => p.split === 'private');
      return runOutput(privateOnly ? figures.rerun : figures.claimed, 100);
    },
  };
}

/** Runs a queue on `runner` until idle, with one draft job of `agent` submitted. */
async function measureJob(hub: Hub, agent: string, runner: JobRunner): Promise<string> {
  queue ??= new JobQueue(hub, runner, new Map());
  await queue.start();
  const caller = hub.agents.get(agent)
    ? { kind: 'agent' as const, handle: agent, agent: hub.agents.get(agent)! }
    : await addAgent(hub, agent);
  const job = await submitJob(hub, caller, DRAFT_JOB);
  queue.kick();
  await queue.idle();
  return hub.jobs.get(job.id)!.result!;
}

const inboxBodies = (hub: Hub, handle: string) =>
  hub.messages.inbox(handle, {}).rows.map((r) => ({ type: r.type, body: r.body, agent: r.agent }));

describe('the verdict of a re-run', () => {
  it('is significantly slower only when the whole interval lies below the claim by more than the tolerance', () => {
    expect(significantlySlower([90, 91, 89, 90], [100, 101, 99, 100], 0.05).slower).toBe(true);
    expect(significantlySlower([98, 99, 97, 98], [100, 101, 99, 100], 0.05).slower).toBe(false);
    expect(significantlySlower([120, 121, 119], 100, 0.05)).toMatchObject({ slower: false });
  });

  it('keeps a claim whose re-run matches it on the private prompts, and refutes one that falls short', async () => {
    const { hub } = record;
    const claim = hub.results.get(await measureJob(hub, 'alice', machine({ claimed: 160, rerun: 160 })))!;
    expect(judge(hub, pack, claim, runOutput(160, 100)).verdict).toBe('valid');
    const short = judge(hub, pack, claim, runOutput(110, 100));
    expect(short.verdict).toBe('invalid');
    expect(short.note).toContain('paired speedup is significantly below the claim');
  });

  it('refutes a claim whose re-run is over the perplexity cap, whatever its speed', async () => {
    const { hub } = record;
    const claim = hub.results.get(await measureJob(hub, 'alice', machine({ claimed: 160, rerun: 160 })))!;
    const verdict = judge(hub, pack, claim, runOutput(160, 100, { ppl: 9 }));
    expect(verdict.verdict).toBe('invalid');
    expect(verdict.note).toContain('perplexity over the cap');
  });

  it('decides nothing on a hand-published claim measured on other hardware', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const { filename } = await publishResult(hub, alice, {
      content: resultText({ tps: 300, hardware: 'Big GPU', config: DRAFT_JOB.config }),
    });
    expect(judge(hub, pack, hub.results.get(filename)!, runOutput(160, 100))).toMatchObject({
      verdict: 'unverified',
      note: expect.stringContaining('not comparable'),
    });
  });
});

describe('claims of a new best', () => {
  it('are results that beat the baseline and every standing result; a slower one claims nothing', async () => {
    const { hub } = record;
    const best = hub.results.get(await measureJob(hub, 'alice', machine({ claimed: 160, rerun: 160 })))!;
    await queue!.close();
    queue = null;
    expect(best.verification).toBe('valid');
    const slower = hub.results.get(await measureJob(hub, 'bob', machine({ claimed: 130, rerun: 130 })))!;
    expect(claimsNewBest(hub, slower, pack)).toBe(false);
    expect(hub.jobs.verificationOf(slower.filename)).toBeUndefined();
    const baseline = hub.results.latestOfPack('baseline', 'tiny')!;
    expect(claimsNewBest(hub, { ...slower, score: baseline.score - 1 }, pack)).toBe(false);
    expect(claimsNewBest(hub, { ...slower, score: best.score + 1 }, pack)).toBe(true);
  });

  it('are re-run on the private prompts, charged to the claimant, and a refuted claim leaves the ranking', async () => {
    const { hub } = record;
    const filename = await measureJob(hub, 'alice', machine({ claimed: 160, rerun: 100 }));
    const rerun = hub.jobs.verificationOf(filename)!;
    expect(rerun).toMatchObject({ agent: 'alice', kind: 'verify', state: 'succeeded' });
    expect(hub.jobs.charges('alice', 0)).toHaveLength(2);
    expect(hub.results.get(filename)!.verification).toBe('invalid');
    expect(buildLeaderboard(hub, {}).rows).toEqual([]);
    expect(buildLeaderboard(hub, { verification: 'invalid' }).rows.map((r) => r.filename)).toEqual([filename]);
    expect(inboxBodies(hub, 'alice')).toEqual([
      {
        type: 'verification',
        agent: 'verifier',
        body: expect.stringContaining(`verification of ${filename}: **invalid**`),
      },
    ]);
  });

  it('are re-run once: a second request names the first re-run', async () => {
    const { hub } = record;
    const filename = await measureJob(hub, 'alice', machine({ claimed: 160, rerun: 160 }));
    const again = await queueVerification(hub, pack, filename, hub.organizerHandle, false);
    expect(again).toEqual({ job: null, reason: `already re-run as ${hub.jobs.verificationOf(filename)!.id}` });
  });

  it('by hand are not re-run without a runnable config, and the author is told why', async () => {
    const { hub } = record;
    queue = new JobQueue(hub, machine({ claimed: 160, rerun: 160 }), new Map());
    await queue.start();
    await queue.idle();
    const alice = await addAgent(hub, 'alice');
    const { filename } = await publishResult(hub, alice, { content: resultText({ tps: 500 }) });
    await queue.idle();
    expect(hub.jobs.verificationOf(filename)).toBeUndefined();
    expect(hub.results.get(filename)!.verification).toBe('unverified');
    expect(inboxBodies(hub, 'alice')[0]!.body).toContain('carries no run configuration');
  });
});

describe('delivering a verdict', () => {
  it("lets the organizer's verdict stand over the verifier's, and says so to the author", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const { filename } = await publishResult(hub, alice, { content: resultText({ tps: 150 }) });
    await hub.write(() => {
      hub.results.setVerdict(filename, 'valid', hub.organizerHandle, 'organizer', 'I watched it run', hub.now());
      return { result: null, effect: { actor: hub.organizerHandle, action: 'result.verdict', target: filename } };
    });
    await deliverVerdict(hub, hub.results.get(filename)!, null, { verdict: 'invalid', note: 'slower on re-run' });
    expect(hub.results.get(filename)!.verification).toBe('valid');
    expect(buildLeaderboard(hub, {}).rows.map((r) => r.filename)).toEqual([filename]);
    expect(inboxBodies(hub, 'alice')[0]!.body).toContain("The organizer's verdict on this result stands");
  });
});
