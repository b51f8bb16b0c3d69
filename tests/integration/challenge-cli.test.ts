// The challenge from the command line, and a hub killed in the middle of a job: the job ends failed, the lease is
// free again, the queue goes on, and the bench process does not outlive the hub. Runs the built CLI as a user would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllChildren, runCli, startHubProcess, type HubProcess } from '../helpers/hub-process';
import { call } from '../helpers/test-hub';
import { writeTestPack } from '../helpers/test-pack';

let dir: string;
let packDir: string;
let packFile: string;
let privateFile: string;
let dataDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-challenge-cli-'));
  packDir = join(dir, 'pack');
  dataDir = join(dir, 'data');
  // Long enough runs (5 prompts x 400 tokens x 3 repeats) that a job is seen running before the kill.
  ({ file: packFile, privateFile } = await writeTestPack(packDir, { tokens: 400, repeats: 3 }));
}, 60_000);
afterAll(async () => {
  await killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Processes whose command line mentions this test's pack folder: the bench runners of its jobs. */
function benchProcesses(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(packDir) && !l.includes('ps -eo'));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('collab-desk challenge and jobs', () => {
  it('refuses an unknown pack by name, listing the shipped ones', async () => {
    const res = await runCli(['challenge', 'init', 'nope', '--data', dataDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no shipped pack "nope"; shipped: demo, gemma');
  });

  it('installs a pack, submits and lists jobs; a hub killed mid-job fails that job, frees the lease and moves on', async () => {
    const init = await runCli(
      ['challenge', 'init', packFile, '--data', dataDir, '--private-prompts', privateFile],
      60_000,
    );
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('installed the tiny pack');
    expect(init.stdout).toContain('3 public and 2 private prompts (supplied by you), 2 references, 2 probe questions');

    let hub: HubProcess = await startHubProcess(dataDir);
    const reg = await call(hub.url, 'POST', '/v1/agents/register', {
      body: { agent_id: 'gina', model: 'm', harness: 'h' },
    });
    const env = { ...process.env, COLLAB_DESK_TOKEN: reg.body.token as string };
    const submitted = await runCli(
      [
        'jobs',
        'submit',
        '--hub',
        hub.url,
        '--target',
        'target',
        '--draft',
        'draft-q8',
        '--spec-type',
        'draft',
        '--method',
        'q8 draft',
      ],
      15_000,
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const first = /^(job-\S+)\s+queued/.exec(submitted.stdout)![1]!;
    const second = /^(job-\S+)/.exec(
      (await runCli(['jobs', 'submit', '--hub', hub.url, '--target', 'target'], 15_000, env)).stdout,
    )![1]!;
    const refused = await runCli(['jobs', 'submit', '--hub', hub.url, '--target', 'gpt-5'], 15_000, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('"gpt-5" is not a model of the tiny pack');
    expect(reg.body.token).not.toBe('');
    expect(submitted.stdout + submitted.stderr).not.toContain(reg.body.token);

    // Wait until gina's first job holds the GPU (the baseline runs before it), then kill the hub outright.
    await until(
      'the job to run',
      async () => {
        const j = (await call(hub.url, 'GET', `/v1/jobs/${first}`)).body;
        return j.state === 'running' && (await call(hub.url, 'GET', '/v1/jobs')).body.lease?.job === first
          ? j
          : undefined;
      },
      240_000,
    ); // a hang guard: the baseline runs first, on two cores shared with the other test files
    await until('its bench process', async () => (benchProcesses().length > 0 ? true : undefined), 10_000);
    hub.child.kill('SIGKILL');
    await hub.exited;
    // The bench process dies with the hub: it must not keep measuring, or holding the GPU, for nobody.
    await until(
      'the bench process to die with the hub',
      async () => (benchProcesses().length === 0 ? true : undefined),
      10_000,
    );

    hub = await startHubProcess(dataDir);
    const failed = (await call(hub.url, 'GET', `/v1/jobs/${first}`)).body;
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('the hub stopped while this job ran');
    // The crashed job is refunded; the queue goes on and the second job runs to the end under a fresh lease.
    const quota = await call(hub.url, 'GET', '/v1/jobs/quota', { token: reg.body.token });
    expect(quota.body.used).toBe(1);
    const done = await until(
      'the second job',
      async () => {
        const j = (await call(hub.url, 'GET', `/v1/jobs/${second}`)).body;
        return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
      },
      120_000,
    );
    expect(done.state, done.error).toBe('succeeded');

    const third = /^(job-\S+)/.exec(
      (await runCli(['jobs', 'submit', '--hub', hub.url, '--target', 'target'], 15_000, env)).stdout,
    )![1]!;
    const cancel = await runCli(['jobs', 'cancel', third, '--hub', hub.url], 15_000, env);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled/);
    const list = await runCli(['jobs', 'list', '--hub', hub.url, '--agent', 'gina'], 15_000, env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${first}\\s+failed`));
    expect(list.stdout).toMatch(new RegExp(`${second}\\s+succeeded.*-> results/`));
    expect(list.stdout).toMatch(new RegExp(`${third}\\s+cancelled`));
    await hub.stop('SIGTERM');
  }, 480_000);

  it('says clearly when the hub is not running', async () => {
    const res = await runCli(['jobs', 'list', '--hub', 'http://127.0.0.1:9', '--data', dataDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot reach the hub at http://127.0.0.1:9');
  });
});
