// npm run bench:jobs — the job queue's own cost, on a real hub process with the demo pack: how fast concurrent
// submissions are accepted (quota checked and charged in one write each), and how much wall time a job spends in the
// hub (queue, lease, result publishing) beyond the engine's own measuring. Figures only; no pass/fail.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, runCli, startHub, waitIdle } from './cli-hub';

const AGENTS = 20;
const PER_AGENT = 5;
const RUN_JOBS = Number(process.env.BENCH_JOBS ?? 4);

/** The fields of hub replies this script reads (jobs, registrations). */
interface Reply {
  id: string;
  token: string;
  created_at: string;
  started_at: string;
  finished_at: string;
}
const call = (...a: Parameters<typeof api>) => api<Reply>(...a);

const dir = mkdtempSync(join(tmpdir(), 'collab-desk-bench-jobs-'));
const data = join(dir, 'data');
let hub: { child: ChildProcess; url: string } | null = null;
try {
  await runCli(['challenge', 'init', 'demo', '--data', data]);
  // Quotas wide enough that every submission is accepted: this measures the write path, not refusals.
  writeFileSync(
    join(data, 'config.json'),
    JSON.stringify({ jobs: { per_agent: 1000, per_hub: 100_000, queued_per_agent: 1000 } }),
  );
  hub = await startHub(data);
  const { url } = hub;
  await waitIdle(url); // the baseline
  const organizer = readFileSync(join(data, 'organizer-token'), 'utf8').trim();

  // 1. End-to-end jobs: hub time = (finished - created) minus the engine's own wall time, read from the job log.
  const overheads: number[] = [];
  const runtimes: number[] = [];
  for (let i = 0; i < RUN_JOBS; i++) {
    const job = (await call(url, 'POST', '/v1/jobs', organizer, { config: { target: 'target' } })).body;
    await waitIdle(url);
    const done = (await call(url, 'GET', `/v1/jobs/${job.id}`)).body;
    const total = Date.parse(done.finished_at) - Date.parse(done.created_at);
    const inQueue = Date.parse(done.started_at) - Date.parse(done.created_at);
    const running = Date.parse(done.finished_at) - Date.parse(done.started_at);
    runtimes.push(running);
    overheads.push(inQueue);
    console.log(
      `job ${i + 1}: ${total} ms submit->done, ${inQueue} ms submit->start (queue + lease), ${running} ms running (engine + publish)`,
    );
  }

  // 2. Concurrent submissions: AGENTS agents x PER_AGENT jobs at once, each acknowledged after its fsynced write.
  const tokens: string[] = [];
  // Registered by the organizer: anonymous registrations are rate-limited per address.
  for (let a = 0; a < AGENTS; a++)
    tokens.push(
      (
        await call(url, 'POST', '/v1/agents/register', organizer, {
          agent_id: `bench-${a}`,
          model: 'm',
          harness: 'bench',
        })
      ).body.token,
    );
  const t0 = performance.now();
  const latencies: number[] = [];
  const results = await Promise.all(
    tokens.flatMap((t) =>
      Array.from({ length: PER_AGENT }, async () => {
        const s = performance.now();
        const r = await call(url, 'POST', '/v1/jobs', t, { config: { target: 'target' } });
        latencies.push(performance.now() - s);
        return r.status === 201 ? 201 : `${r.status} ${(r.body as { error?: { code: string } }).error?.code}`;
      }),
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  const accepted = results.filter((s) => s === 201).length;
  const refused = results.filter((s) => s !== 201);
  if (refused.length) console.log(`refused: ${[...new Set(refused)].join(', ')}`);
  console.log(
    `concurrent submissions: ${accepted}/${results.length} accepted in ${wall.toFixed(2)} s = ${(accepted / wall).toFixed(0)} jobs/s; p50 ${latencies[latencies.length >> 1]!.toFixed(1)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)} ms`,
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `per job: ${mean(overheads).toFixed(0)} ms from submit to start on an idle queue; ${mean(runtimes).toFixed(0)} ms running`,
  );
  // Cancel what the submissions queued, so the hub stops promptly.
  const queued = (await api<{ items: Array<{ id: string }> }>(url, 'GET', '/v1/jobs?state=queued&limit=500')).body
    .items;
  await Promise.all(queued.map((j) => call(url, 'DELETE', `/v1/jobs/${j.id}`, organizer)));
} finally {
  hub?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}
