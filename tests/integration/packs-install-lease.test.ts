// A pack installed from the dashboard calibrates holding the hub's GPU lease (local inference pauses meanwhile), and
// only then: the model step does not hold it, and it is given back however the calibration ends.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineJobRunner } from '../../src/bench/job-runner';
import { createPackInstaller } from '../../src/bench/pack-installer';
import { dataLayout } from '../../src/platform/data-folder';
import type { JobInfo } from '../../src/shared/challenge';
import type { PackInstall, PackInstaller } from '../../src/shared/packs-api';
import { SseClient, eventData } from '../helpers/sse-client';
import { startTestHub, type TestHub } from '../helpers/test-hub';

const HOLDER = 'pack-install-demo';

let hub: TestHub;
let workDir: string;
/** Every change of the install as the installer announced it, with who held the lease at that moment. */
const seen: Array<{ state: PackInstall['state']; step: string | null; holder: string | null }> = [];
/** Every change of the lease, as its listeners (the inference host) hear it. */
const leaseChanges: Array<string | null> = [];

beforeAll(async () => {
  hub = await startTestHub({}, undefined, {
    // Benchmark jobs run only when one is queued: the installs before the last test run none.
    jobRunner: engineJobRunner(),
    packs: (dir) => {
      workDir = join(dir, 'tmp');
      const installer = createPackInstaller({
        dest: dataLayout(dir).challengePack,
        modelsDir: dataLayout(dir).models,
        workDir,
        // A Hub that is never reached: the demo pack makes its models here.
        hubUrl: 'http://127.0.0.1:9',
      });
      // The installer's announcements are heard in the same turn they are made, so the lease is read as it was then.
      const recording: PackInstaller = {
        ...installer,
        install: (pack, onChange, hold) =>
          installer.install(
            pack,
            (change) => {
              seen.push({ state: change.state, step: change.step, holder: hub.running.hub.lease.holder?.job ?? null });
              onChange(change);
            },
            hold,
          ),
      };
      return recording;
    },
  });
  hub.running.hub.lease.onChange((holder) => void leaseChanges.push(holder?.job ?? null));
});

afterAll(async () => {
  await hub?.stop(true);
});

/** Starts an install of the demo pack and answers once it ended, with what it said on the way. */
async function install(whileRunning?: () => Promise<void>): Promise<PackInstall> {
  const events = await SseClient.connect(`${hub.url}/v1/events`, {
    headers: { authorization: `Bearer ${hub.organizerToken}` },
  });
  try {
    seen.length = 0;
    leaseChanges.length = 0;
    const started = await hub.call<PackInstall>('POST', '/v1/packs/install', {
      token: hub.organizerToken,
      body: { pack: 'demo' },
    });
    expect(started.status).toBe(202);
    await whileRunning?.();
    const ended = await events.waitFor(
      (e) => e.type === 'pack.install' && eventData<PackInstall>(e).state !== 'installing',
      'the install to end',
      240_000,
    );
    return eventData<PackInstall>(ended);
  } finally {
    await events.close();
  }
}

/** The lease's next change to `holder`. */
function leaseBecomes(holder: string | null): Promise<void> {
  return new Promise((resolve) => {
    const stop = hub.running.hub.lease.onChange((h) => {
      if ((h?.job ?? null) !== holder) return;
      stop();
      resolve();
    });
  });
}

describe("a pack install's calibration under the GPU lease", () => {
  it('takes the lease for the calibration only, and gives it back when the calibration fails', async () => {
    // Where calibration writes its working files is a file, not a folder: the calibration itself fails.
    rmSync(workDir, { recursive: true, force: true });
    writeFileSync(workDir, 'not a folder');
    const ended = await install();
    expect(ended).toMatchObject({ state: 'failed', pack: 'demo' });
    expect(ended.error).toContain(workDir);

    // The models were made without the lease; the calibration measured holding it.
    const making = seen.filter((s) => s.step?.startsWith('generating the demo models'));
    expect(making.length).toBeGreaterThan(0);
    expect(making.every((s) => s.holder === null)).toBe(true);
    const measuring = seen.filter((s) => s.step?.startsWith('calibrating: the baseline'));
    expect(measuring.length).toBeGreaterThan(0);
    expect(measuring.every((s) => s.holder === HOLDER)).toBe(true);

    // Taken once, given back once: local inference paused for the install and resumed after it failed.
    expect(leaseChanges).toEqual([HOLDER, null]);
    expect(seen.at(-1)).toMatchObject({ state: 'failed', holder: null });
    expect(hub.running.hub.lease.holder).toBeNull();
  }, 300_000);

  it('gives the lease back when the install is cancelled while it holds it, before it measures', async () => {
    rmSync(workDir, { force: true });
    const lease = hub.running.hub.lease;
    // Stands for the inference host: it pauses when the lease is taken, and has drained only once told to.
    let drained!: () => void;
    const stopDraining = lease.onChange((h) =>
      h?.job === HOLDER ? new Promise<void>((resolve) => (drained = resolve)) : undefined,
    );
    // Listened for before the install starts: the calibration may take the lease before the 202 is read.
    const taken = leaseBecomes(HOLDER);
    try {
      const ended = await install(async () => {
        await taken;
        const cancel = await hub.call<PackInstall>('POST', '/v1/packs/install/cancel', {
          token: hub.organizerToken,
        });
        expect(cancel.status).toBe(200);
        drained();
      });
      expect(ended).toMatchObject({ state: 'cancelled', pack: 'demo' });
    } finally {
      stopDraining();
    }
    // Nothing was measured for the cancelled install, and the lease went back.
    expect(seen.some((s) => s.step?.startsWith('calibrating: the baseline'))).toBe(false);
    expect(leaseChanges).toEqual([HOLDER, null]);
    expect(lease.holder).toBeNull();
  }, 300_000);

  it('holds the lease through both calibration steps of an install that succeeds, and gives it back after', async () => {
    const ended = await install();
    expect(ended).toMatchObject({ state: 'installed', pack: 'demo', error: null });
    const steps = seen.filter((s) => s.step?.startsWith('calibrating: the baseline'));
    // The public references and the private prompts' references, both measured under the lease.
    expect(steps.some((s) => s.step!.includes('private prompts'))).toBe(true);
    expect(steps.every((s) => s.holder === HOLDER)).toBe(true);
    expect(leaseChanges).toEqual([HOLDER, null]);
    expect(seen.at(-1)).toMatchObject({ state: 'installed', holder: null });
    expect((await hub.call('GET', '/v1/challenge')).body.id).toBe('demo');
  }, 300_000);

  it('a benchmark job queued while the calibration holds the lease waits its turn, then takes it straight over', async () => {
    const lease = hub.running.hub.lease;
    let drained!: () => void;
    const stopDraining = lease.onChange((h) =>
      h?.job === HOLDER ? new Promise<void>((resolve) => (drained = resolve)) : undefined,
    );
    const taken = leaseBecomes(HOLDER);
    let job!: JobInfo;
    try {
      const ended = await install(async () => {
        await taken;
        const queued = await hub.call<JobInfo>('POST', '/v1/challenge/baseline', { token: hub.organizerToken });
        expect(queued.status, queued.text).toBe(201);
        job = queued.body;
        // The job waits for the install, and its log says for what.
        await expect
          .poll(async () => (await hub.call('GET', job.log, { token: hub.organizerToken })).text, { timeout: 60_000 })
          .toContain('waiting for the GPU lease, held by pack-install-demo');
        expect(lease.holder?.job).toBe(HOLDER);
        drained();
      });
      expect(ended).toMatchObject({ state: 'installed', pack: 'demo' });
    } finally {
      stopDraining();
    }
    await hub.running.hub.jobQueue!.idle();
    // Handed from the install to the job with no gap in which inference would resume, then given back after it (the
    // queue may measure the baseline once more for the pack the install just replaced).
    expect(leaseChanges.slice(0, 2)).toEqual([HOLDER, job.id]);
    expect(leaseChanges.at(-1)).toBeNull();
    expect((await hub.call<JobInfo>('GET', `/v1/jobs/${job.id}`)).body.state).toBe('succeeded');
    // two real baseline measurements of the demo pack on a busy 2-core machine
  }, 600_000);
});
