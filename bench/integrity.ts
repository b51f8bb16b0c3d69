// npm run bench:integrity — do the hub's numbers tell the truth on a busy machine? On a real hub process with the demo
// pack: N honest configurations measured by jobs on a quiet machine, the leaderboard's speedups checked against each
// job's own paired ground truth (and against what dividing by the baseline would have said), then every one of those
// claims re-verified while background processes load the CPU. Prints figures; no pass/fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, runCli, startHub, waitIdle } from './cli-hub';

/** Background spinning processes during verification (default: one per core but one, so the machine stays usable). */
const LOAD = Number(process.env.BENCH_LOAD ?? Math.max(1, cpus().length - 1));
const CONFIGS: Array<Record<string, unknown>> = [
  { target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 2 },
  { target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 4 },
  { target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 6 },
  { target: 'target', draft: 'draft-q4', spec_type: 'draft', draft_n_max: 4 },
  { target: 'target', draft: 'draft-shallow', spec_type: 'draft', draft_n_max: 3 },
  { target: 'target', spec_type: 'ngram', draft_n_max: 4 },
  { target: 'target', spec_type: 'none' },
].slice(0, Number(process.env.BENCH_CLAIMS ?? 7));

/** The fields of hub replies this script reads, loosely: figures are printed, not trusted to a type. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const call = (...a: Parameters<typeof api>) => api<Json>(...a);

function spin(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f = (x: number | null | undefined, d = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);

const dir = mkdtempSync(join(tmpdir(), 'collab-desk-bench-integrity-'));
const data = join(dir, 'data');
let hub: { child: ChildProcess; url: string } | null = null;
let load: ChildProcess[] = [];
try {
  console.log(
    `machine: ${cpus()[0]?.model.trim()} x${cpus().length}, load average ${loadavg()[0]!.toFixed(2)} at start`,
  );
  await runCli(['challenge', 'init', 'demo', '--data', data]);
  writeFileSync(
    join(data, 'config.json'),
    JSON.stringify({ jobs: { per_agent: 1000, per_hub: 100_000, queued_per_agent: 1000, verify: false } }),
  );
  hub = await startHub(data, ['--no-swarm']);
  const { url } = hub;
  const organizer = readFileSync(join(data, 'organizer-token'), 'utf8').trim();
  await waitIdle(url); // the baseline
  const challenge = (await call(url, 'GET', '/v1/challenge')).body;
  const gate = challenge.gate;
  console.log(
    `demo pack: ${challenge.prompts.public.length} public + ${challenge.prompts.private_count} private prompts x ${gate.tokens} tokens; ${gate.repeats}-${gate.max_repeats} paired repeats to ±${(gate.noise_target * 100).toFixed(0)}%; verification tolerance ${(gate.verify_tolerance * 100).toFixed(0)}%, disturbed above ${(gate.max_other_cpu * 100).toFixed(0)}% other CPU`,
  );
  console.log(
    `baseline: ${f(challenge.baseline_result?.tps, 1)} tok/s (${challenge.baseline_result?.measurement}) on ${challenge.baseline_result?.hardware}`,
  );

  // 1. N honest configurations, measured by jobs on a quiet machine.
  console.log(`\n1. ${CONFIGS.length} jobs on a quiet machine`);
  const jobs: string[] = [];
  for (const [i, config] of CONFIGS.entries()) {
    const token = (
      await call(url, 'POST', '/v1/agents/register', organizer, {
        agent_id: `honest-${i + 1}`,
        model: 'm',
        harness: 'bench',
      })
    ).body.token as string;
    jobs.push(
      (await call(url, 'POST', '/v1/jobs', token, { config, method: JSON.stringify(config) })).body.id as string,
    );
  }
  await waitIdle(url);
  const claims: Array<{ filename: string; method: string; fm: Json }> = [];
  for (const id of jobs) {
    const job = (await call(url, 'GET', `/v1/jobs/${id}`)).body;
    if (!job.result) {
      console.log(`   ${id} ${job.state}: ${job.error}`);
      continue;
    }
    const fm = (await call(url, 'GET', `/v1/results/${job.result}`)).body.frontmatter;
    claims.push({ filename: job.result, method: job.method, fm });
  }

  // 2. The leaderboard's speedups against each job's paired ground truth, and against tps / baseline tps.
  const board = (
    await call(url, 'GET', '/v1/leaderboard?hardware=all&verification=valid,pending,invalid&best_per_agent=false')
  ).body;
  const rows = new Map<string, { speedup: number | null }>(
    board.rows.map((r: { filename: string; speedup: number | null }) => [r.filename, r]),
  );
  console.log(
    "\n2. speedups: the leaderboard vs each job's own paired repeats (median of tps_i / plain_tps_i), and what tps / baseline would say",
  );
  console.log(
    '   config                                                        tps  plain   paired  board   ground-truth  tps/baseline  measurement',
  );
  let maxDiff = 0;
  let compared = 0;
  for (const c of claims) {
    const truth = median(
      (c.fm.tps_per_repeat as number[]).map((t, i) => t / ((c.fm.plain_tps_per_repeat as number[])[i] ?? t)),
    );
    const row = rows.get(c.filename);
    const shown = row ? row.speedup : null;
    if (row && shown !== null) {
      maxDiff = Math.max(maxDiff, Math.abs(shown - truth));
      compared++;
    }
    const vsBaseline = c.fm.tps / challenge.baseline_result.tps;
    console.log(
      `   ${c.method.padEnd(60).slice(0, 60)} ${f(c.fm.tps, 0).padStart(6)} ${f(c.fm.plain_tps, 0).padStart(6)}  x${f(c.fm.speedup).padStart(5)}  ${row ? `x${f(shown)}` : '(not ranked)'.padStart(6)}  x${f(truth).padStart(5)}        x${f(vsBaseline).padStart(5)}     ${c.fm.measurement}${c.fm.status === 'negative' ? ', negative' : ''}`,
    );
  }
  console.log(
    `   ranked rows compared: ${compared}; largest |board - ground truth| = ${maxDiff.toExponential(2)} (target: 0 up to rounding to 4 decimals)`,
  );

  // 3. Every claim re-verified while background processes load the CPU.
  load = spin(LOAD);
  console.log(
    `\n3. re-verification of all ${claims.length} honest claims with ${LOAD} spinning background process${LOAD === 1 ? '' : 'es'} on ${cpus().length} cores`,
  );
  for (const c of claims) await call(url, 'POST', `/v1/results/${c.filename}/verify`, organizer);
  await waitIdle(url);
  const tally: Record<string, number> = {};
  for (const c of claims) {
    const r = (await call(url, 'GET', `/v1/results/${c.filename}`)).body;
    tally[r.verification] = (tally[r.verification] ?? 0) + 1;
    const job = (await call(url, 'GET', `/v1/jobs?kind=verify&agent=${r.frontmatter.agent}`)).body.items[0];
    const out = job ? JSON.parse(await (await fetch(`${url}/v1/central/jobs/${job.id}/output.json`)).text()) : null;
    console.log(
      `   ${c.method.padEnd(60).slice(0, 60)} ${r.verification.padEnd(8)} re-run other CPU ${out ? `${(out.machine.other_cpu_during * 100).toFixed(0)}%` : 'n/a'}: ${String(r.verdict.note).slice(0, 150)}`,
    );
  }
  const valid = tally.valid ?? 0;
  console.log(
    `   verified valid: ${valid}/${claims.length} (target: all); false refutations: ${tally.invalid ?? 0} (target: 0); undecided (pending): ${tally.pending ?? 0}`,
  );
  console.log(`   load average at the end: ${loadavg()[0]!.toFixed(2)}`);
} finally {
  for (const p of load) p.kill('SIGKILL');
  hub?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
