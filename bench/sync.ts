// npm run bench:sync — the sync service (publishing local results to a public collab through the durable outbox),
// against the Hub stand-in (buckets + xet CAS, real hashing and decode) and the public-collab stand-in, with a real
// hub in this process (real SQLite, real HTTP on loopback) driven through /v1/sync. Three figures:
//   1. click to "sent": POST /v1/sync/publish (after its preview) until the outbox item is `sent`, for a hub job's
//      result with its run bundle (~1 MB: config, output.json, provenance, log), at 0 and 50 ms per stand-in request;
//   2. outbox throughput under the collab's public write limits (40 small publishes queued at once);
//   3. upload MB/s of a 100 MB file through the real xet upload path, then the same upload again (dedup).
// Figures only; no pass/fail.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataLayout } from '../src/platform/data-folder';
import type { JobRunner } from '../src/shared/challenge';
import type { OutboxItem, PublishPreview } from '../src/shared/sync-api';
import { summarize } from '../src/shared/statistics';
import { createBucket, writeFiles } from '../src/sync/bucket-writer';
import { createSyncService, fileTokenVault } from '../src/sync/sync-service';
import { startHfBucketStandin, type HfBucketStandin } from '../tests/helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../tests/helpers/public-collab-standin';
import { startTestHub, type TestHub } from '../tests/helpers/test-hub';
import { installPack, runOutput } from '../tests/unit/hub/test-record';
import { envInt } from './lib/knobs';
import { cpuBusy, elapsed, load1, machineHeader, progress } from './lib/report';

const RUNS = envInt('BENCH_RUNS', 20, { positive: true });
const LATENCIES = [0, 50];
const QUEUED = envInt('BENCH_QUEUED', 40, { positive: true });
const BIG_MB = envInt('BENCH_UPLOAD_MB', 100, { positive: true });
/** Agents the click-to-sent runs take turns on: each publish with a bundle is two writes (promote, artifacts:sync),
 * and the collab allows a burst of 20 per agent bucket, so no run waits for the limit (checked, and printed). */
const LATENCY_AGENTS = 5;
const THROUGHPUT_TIMEOUT_MS = 180_000;

const ORG = 'bench-collab';
const TOKEN = 'hf_sync_bench_writer_token_0000000000000001';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Words of a plausible job log, chosen so no line looks like a token or a held-out prompt. */
const WORDS =
  'draft target accepted rejected tokens kv cache step decode batch ubatch ctx n_past sampled verify rollback'
    .split(' ')
    .concat('layer rope attn ffn graph compute buffer threads cpu ms eval prompt-eval timing split public'.split(' '));

/** A deterministic pseudo-random generator (LCG), so the log text differs line by line but each run makes the same. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A stand-in bench engine: figures at once, a ~750 KB log and a ~250 KB output.json, so the run bundle is ~1 MB. */
function bundleRunner(): JobRunner {
  let n = 0;
  return {
    run: async (input, hooks) => {
      const job = n++;
      const rnd = lcg(job + 1);
      for (let i = 0; i < 2_400; i++) {
        const words = Array.from({ length: 36 }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
        hooks.onLog(
          `step ${String(i).padStart(5, '0')} tps ${(90 + rnd() * 40).toFixed(3)} acc ${(rnd() * 6).toFixed(0)}/6 ${words}`,
        );
      }
      const perPosition = Array.from({ length: 11_000 }, () => Number(rnd().toFixed(6)));
      const tps = 110 + job / 10;
      return input.config.spec_type === 'none'
        ? runOutput(100, null)
        : runOutput(tps, 100, { acceptance_per_position: perPosition, provenance: { engine: 'stand-in', job } });
    },
  };
}

interface Stamps {
  upload: Map<string, number>;
  sent: Map<string, number>;
  /** Items that met the write limit at least once (the outbox's own budget, or a 429 from the collab). */
  rateWaits: Map<string, number>;
  final: Map<string, OutboxItem>;
}

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'collab-desk-bench-sync-'));
  const hfHome = join(tmp, 'hf-home');
  let hf: HfBucketStandin | null = null;
  let collab: PublicCollabStandin | null = null;
  let hub: TestHub | null = null;
  try {
    const busy = await cpuBusy();
    const loadStart = load1();
    console.log(machineHeader('sync'));
    console.log(`machine before: load ${loadStart}, ${(busy * 100).toFixed(0)}% of cores busy (1 s sample)`);

    progress('starting the stand-ins and the hub');
    hf = await startHfBucketStandin({ users: [{ name: 'ada', token: TOKEN, orgs: [{ name: ORG, role: 'write' }] }] });
    // The write limits are the public defaults (20 burst, 60 a minute per agent bucket); only registration's 3 a
    // minute is raised, so setting up the bench's agents does not wait.
    collab = await startPublicCollabStandin({
      hf,
      org: ORG,
      slug: 'speed',
      registration: 'server-creates',
      limits: { registrationPerMinute: 1_000 },
    });
    hub = await startTestHub(
      { jobs: { per_agent: 1_000, per_hub: 1_000, window_hours: 24, queued_per_agent: 1_000, verify: false } as never },
      undefined,
      { jobRunner: bundleRunner() },
    );
    const h = hub;
    installPack(h.running.hub);
    const sync = createSyncService({
      dataFolder: h.dataDir,
      hfEndpoint: hf.url,
      record: h.running.hub.outboxRecord,
      vault: fileTokenVault(dataLayout(h.dataDir).hfLogin, { HF_HOME: hfHome } as NodeJS.ProcessEnv),
    });
    h.running.attachSync(sync);
    sync.start();

    const stamps: Stamps = { upload: new Map(), sent: new Map(), rateWaits: new Map(), final: new Map() };
    sync.onChange((item) => {
      const now = performance.now();
      if (item.steps[0]?.done && !stamps.upload.has(item.id)) stamps.upload.set(item.id, now);
      if (item.error?.code === 'RATE_LIMITED') stamps.rateWaits.set(item.id, (stamps.rateWaits.get(item.id) ?? 0) + 1);
      if (['sent', 'failed', 'cancelled'].includes(item.state)) {
        if (!stamps.sent.has(item.id)) stamps.sent.set(item.id, now);
        stamps.final.set(item.id, item);
      }
    });

    const org = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await h.call<T>(method, path, { token: h.organizerToken, ...(body === undefined ? {} : { body }) });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    await org('POST', '/v1/sync/login', { token: TOKEN });
    await org('POST', '/v1/sync/collabs', { target: collab.apiUrl });
    const collabId = `${ORG}/speed`;
    const agentIds = [...Array.from({ length: LATENCY_AGENTS }, (_, i) => `bench-lat-${i}`), 'bench-queue'];
    for (const agent_id of agentIds) await org('POST', '/v1/sync/agents', { collab: collabId, agent_id, model: 'm' });

    // Results with a run bundle: one hub job each (a stand-in engine), so every publish is a distinct result.
    progress(`running ${RUNS * LATENCIES.length} stand-in jobs for results with run bundles`);
    const local = await h.register('alice');
    const queue = h.running.hub.jobQueue!;
    queue.kick(); // the pack's baseline first
    await queue.idle();
    const jobIds: string[] = [];
    for (let i = 0; i < RUNS * LATENCIES.length; i++) {
      const res = await h.call('POST', '/v1/jobs', {
        token: local,
        body: { config: { target: 'target', draft: 'draft', spec_type: 'draft' } },
      });
      if (res.status !== 201) throw new Error(`job: ${res.status} ${res.text}`);
      jobIds.push(res.body.id as string);
    }
    await queue.idle();
    const bundled = jobIds.map((id) => {
      const result = h.running.hub.jobs.get(id)?.result;
      if (!result) throw new Error(`job ${id} made no result`);
      return result;
    });

    // --- 1. click to sent -----------------------------------------------------------------------------------------
    interface Run {
      total: number;
      upload: number;
      bytes: number;
      files: number;
      hubReq: number;
      casReq: number;
      collabReq: number;
    }
    const latencyRows: Array<{ ms: number; runs: Run[]; waits: number; failed: number; load: string }> = [];
    let next = 0;
    for (const ms of LATENCIES) {
      hf.setLatency(ms);
      collab.setLatency(ms);
      progress(`click to sent: ${RUNS} publishes with bundle at ${ms} ms per stand-in request`);
      const runs: Run[] = [];
      let waits = 0;
      let failed = 0;
      for (let i = 0; i < RUNS; i++, next++) {
        const body = { result: bundled[next]!, collab: collabId, agent: agentIds[next % LATENCY_AGENTS]! };
        const preview = await org<PublishPreview>('POST', '/v1/sync/preview', body);
        const [hub0, col0] = [hf.requests.length, collab.requests.length];
        const t0 = performance.now();
        const item = await org<OutboxItem>('POST', '/v1/sync/publish', { ...body, digest: preview.digest });
        const t1 = await waitFor(`item ${item.id}`, () => stamps.sent.get(item.id), 60_000);
        const done = stamps.final.get(item.id)!;
        if (done.state !== 'sent') failed++;
        if (stamps.rateWaits.has(item.id)) waits++;
        const hubReqs = hf.requests.slice(hub0);
        runs.push({
          total: t1 - t0,
          upload: (stamps.upload.get(item.id) ?? t1) - t0,
          bytes: preview.bytes,
          files: preview.files.length,
          hubReq: hubReqs.filter((r) => r.server === 'hub').length,
          casReq: hubReqs.filter((r) => r.server === 'cas').length,
          collabReq: collab.requests.length - col0,
        });
      }
      latencyRows.push({ ms, runs, waits, failed, load: load1() });
    }
    hf.setLatency(0);
    collab.setLatency(0);

    // --- 2. throughput under the public write limits ---------------------------------------------------------------
    progress(`throughput: ${QUEUED} small publishes (bundle off) queued at once, default write budget`);
    const small: string[] = [];
    for (let i = 0; i < QUEUED; i++) {
      const content = `---\ntps: ${(100 + i / 10).toFixed(1)}\nppl: 2.3\nmethod: "draft K=${i % 8}"\nstatus: agent-run\ndescription: "queued publish ${i}"\n---\nMeasured by hand, run ${i}.\n`;
      const res = await h.call('POST', '/v1/results', { token: local, body: { content } });
      if (res.status !== 201) throw new Error(`result: ${res.status} ${res.text}`);
      small.push(res.body.filename as string);
    }
    const bodies = [];
    for (const result of small) {
      const body = { result, collab: collabId, agent: 'bench-queue', bundle: false };
      bodies.push({ ...body, digest: (await org<PublishPreview>('POST', '/v1/sync/preview', body)).digest });
    }
    const qLoad0 = load1();
    const col0 = collab.requests.length;
    const q0 = performance.now();
    const queued = await Promise.all(bodies.map((b) => org<OutboxItem>('POST', '/v1/sync/publish', b)));
    const qAccepted = performance.now() - q0;
    const deadline = q0 + THROUGHPUT_TIMEOUT_MS;
    while (queued.some((q) => !stamps.sent.has(q.id)) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const sentAt = queued
      .map((q) => stamps.sent.get(q.id))
      .filter((t): t is number => t !== undefined)
      .map((t) => t - q0)
      .sort((a, b) => a - b);
    const qSent = queued.filter((q) => stamps.final.get(q.id)?.state === 'sent').length;
    const qWall = sentAt.length ? sentAt[sentAt.length - 1]! : THROUGHPUT_TIMEOUT_MS;
    const collabDuring = collab.requests.slice(col0);
    const writes = collabDuring.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/results'));
    const accepted429 = writes.filter((r) => r.status === 429).length;
    const ownWaits = queued.filter((q) => stamps.rateWaits.has(q.id)).length;
    let maxPerMinute = 0;
    for (let i = 0; i < sentAt.length; i++)
      maxPerMinute = Math.max(maxPerMinute, sentAt.filter((t) => t >= sentAt[i]! && t < sentAt[i]! + 60_000).length);
    const burst = Math.min(20, sentAt.length);
    const afterBurst =
      sentAt.length > burst + 1
        ? ((sentAt.length - burst) / (sentAt[sentAt.length - 1]! - sentAt[burst - 1]!)) * 60_000
        : NaN;
    const qLoad1 = load1();

    // --- 3. upload MB/s of a 100 MB file, then the same again -------------------------------------------------------
    progress(`upload: generating ${BIG_MB} MB (half random, half log-like text) in ${tmp}`);
    const bigPath = join(tmp, 'big.bin');
    const parts: Buffer[] = [];
    const rnd = lcg(42);
    const MiB = 1024 * 1024;
    for (let i = 0; i < BIG_MB; i++) {
      if (i % 2 === 0) parts.push(randomBytes(MiB));
      else {
        const lines: string[] = [];
        let size = 0;
        for (let l = 0; size < MiB; l++) {
          const words = Array.from({ length: 12 }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
          const line = `${i}.${l} t=${(rnd() * 1e4).toFixed(4)} ${words}\n`;
          lines.push(line);
          size += line.length;
        }
        parts.push(Buffer.from(lines.join('')).subarray(0, MiB));
      }
    }
    writeFileSync(bigPath, Buffer.concat(parts));
    parts.length = 0;
    const big = readFileSync(bigPath);
    const bigBucket = 'ada/sync-bench-upload';
    await createBucket({ hubUrl: hf.url, token: TOKEN, bucket: bigBucket });
    const uploads: Array<{ s: number; xorbBytes: number; xorbs: number; dedupHits: number; cpuS: number }> = [];
    const uLoad0 = load1();
    for (let pass = 0; pass < 2; pass++) {
      progress(`upload pass ${pass + 1}/2`);
      const before = hf.stats();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await writeFiles({ hubUrl: hf.url, token: TOKEN, bucket: bigBucket }, [
        { path: 'runs/big/data.bin', content: big },
      ]);
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const after = hf.stats();
      uploads.push({
        s,
        xorbBytes: after.xorbBytesReceived - before.xorbBytesReceived,
        xorbs: after.xorbsStored - before.xorbsStored,
        dedupHits: after.dedupHits - before.dedupHits,
        cpuS: (cpu.user + cpu.system) / 1e6,
      });
    }
    const stored = hf.files(bigBucket).get('runs/big/data.bin');
    const verified = stored !== undefined && sha(stored) === sha(big);
    const uLoad1 = load1();

    // --- report ---------------------------------------------------------------------------------------------------
    console.log();
    console.log(
      'Stand-ins in this process (Hub: buckets + xet CAS with real hashing/decoding; public collab with the public',
    );
    console.log(
      'write limits). Hub in this process: real SQLite, real HTTP on loopback, driven through /v1/sync routes.',
    );
    console.log();
    console.log(
      `1. Click to "sent": POST /v1/sync/publish (after a preview) until the outbox item is sent (upload -> promote ->`,
    );
    console.log(
      `   artifacts:sync; no board message), ${RUNS} distinct job results per row, each with its run bundle. Latency is`,
    );
    console.log(
      "   added to every request the stand-ins answer: Hub API, xet CAS and the collab API (also the collab's own whoami",
    );
    console.log("   call to the Hub); none to the local hub's /v1/sync routes.");
    console.log(
      `   ${'latency'.padEnd(9)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'min'.padStart(6)} ${'max'.padStart(6)} ${'mean±sd'.padStart(12)} ${'upload p50'.padStart(11)} ${'bundle'.padStart(9)} ${'requests hub+cas+collab'.padStart(24)} ${'limit waits'.padStart(11)} ${'load'.padStart(5)}`,
    );
    for (const row of latencyRows) {
      const t = row.runs.map((r) => r.total);
      const sum = summarize(t);
      const med = (f: (r: Run) => number) => summarize(row.runs.map(f)).median;
      const bytes = summarize(row.runs.map((r) => r.bytes)).median;
      console.log(
        `   ${`${row.ms} ms`.padEnd(9)} ${fmt(pct(t, 50)).padStart(7)} ${fmt(pct(t, 95)).padStart(7)} ${fmt(Math.min(...t)).padStart(6)} ${fmt(Math.max(...t)).padStart(6)} ${`${fmt(sum.mean)}±${fmt(sum.stdev)}`.padStart(12)} ${fmt(
          pct(
            row.runs.map((r) => r.upload),
            50,
          ),
        ).padStart(
          11,
        )} ${`${fmt(bytes / 1e6, 2)} MB`.padStart(9)} ${`${med((r) => r.hubReq)}+${med((r) => r.casReq)}+${med((r) => r.collabReq)}`.padStart(24)} ${String(row.waits).padStart(11)} ${row.load.padStart(5)}`,
      );
      if (row.failed) console.log(`   ${row.failed} of ${row.runs.length} items ended other than sent`);
    }
    console.log(
      `   (bundle: ${latencyRows[0]!.runs[0]!.files} files; upload p50 = publish until the upload step was done; requests: median per publish)`,
    );
    console.log();
    console.log(
      `2. Outbox throughput: ${QUEUED} small publishes (bundle off: one promote write each) to one agent bucket, queued at`,
    );
    console.log(
      "   once; the outbox's default write budget (20 burst, 60/min); the collab stand-in's public limiter (deps.py:",
    );
    console.log('   burst bucket 20 refilling 20/min, sustained bucket 60 refilling 60/min); 0 ms added latency.');
    console.log(
      `   accepted (all ${QUEUED} POST /publish answered) in ${fmt(qAccepted)} ms; sent ${qSent}/${QUEUED} in ${fmt(qWall / 1000, 1)} s = ${fmt((sentAt.length / qWall) * 60_000, 1)} items/min overall`,
    );
    console.log(
      `   first ${burst} sent by ${fmt((sentAt[burst - 1] ?? NaN) / 1000, 2)} s (the burst); after it ${fmt(afterBurst, 1)} items/min; most in any 60 s window: ${maxPerMinute}`,
    );
    console.log(
      `   promote calls: ${writes.length} (${accepted429} answered 429 by the collab); items that waited for a limit: ${ownWaits} of ${QUEUED}; load ${qLoad0} -> ${qLoad1}`,
    );
    console.log();
    console.log(
      `3. Upload of ${BIG_MB} MB (alternating 1 MiB of random bytes and 1 MiB of log-like text; generated in a temp dir)`,
    );
    console.log(
      '   through writeFiles (@huggingface/hub uploadFiles, xet, no web workers) to the Hub stand-in, 0 ms latency.',
    );
    console.log(
      `   ${'pass'.padEnd(18)} ${'seconds'.padStart(8)} ${'MB/s'.padStart(7)} ${'xorb MB sent'.padStart(13)} ${'xorbs new'.padStart(10)} ${'dedup hits'.padStart(11)} ${'CPU s (process)'.padStart(16)}`,
    );
    uploads.forEach((u, i) =>
      console.log(
        `   ${(i === 0 ? 'first' : 'same file again').padEnd(18)} ${fmt(u.s, 2).padStart(8)} ${fmt(big.length / 1e6 / u.s, 1).padStart(7)} ${fmt(u.xorbBytes / 1e6, 1).padStart(13)} ${String(u.xorbs).padStart(10)} ${String(u.dedupHits).padStart(11)} ${fmt(u.cpuS, 1).padStart(16)}`,
      ),
    );
    console.log(
      `   stored bytes ${verified ? 'match' : 'DO NOT match'} the file (sha256); load ${uLoad0} -> ${uLoad1}. The stand-in decodes and hashes`,
    );
    console.log(
      '   on the same event loop as the client, so MB/s is a lower bound for the client alone; one run per pass.',
    );
    console.log();
    console.log(
      `machine after: load ${load1()} (before ${loadStart}); total run time ${((performance.now() - benchStart) / 1000).toFixed(0)} s`,
    );
    progress(`done in ${elapsed()}`);
  } finally {
    await hub?.stop(true).catch(() => undefined);
    await collab?.close().catch(() => undefined);
    await hf?.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
