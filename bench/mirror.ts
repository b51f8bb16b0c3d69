// npm run bench:mirror — following a public collab read-only (the mirror), against the public-collab stand-in in a
// process of its own, with a real hub in this process (real SQLite, real HTTP on loopback). Two figures:
//   1. catch-up: from "follow" to a copy caught up with 10,000 messages and 2,000 results (at 0 and 50 ms per
//      request), the requests and bytes it took, and what the copy adds to the record (rows' bytes, database file);
//   2. steady state: following one quiet collab at the real poll interval (the public listing TTL, 30 s) with the
//      long-poll of a registered handle parked: this process's CPU time, requests and bytes per minute, then the same
//      with a new public message every 10 s (each new message re-reads the minute before it for two minutes).
// The stand-in's CPU is its own process's, not counted. Figures only; no pass/fail.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dataLayout } from '../src/platform/data-folder';
import type { MirroredCollab } from '../src/shared/mirror-api';
import { createMirrorService } from '../src/sync/mirror-service';
import { startTestHub, type TestHub } from '../tests/helpers/test-hub';
import { envInt } from './lib/knobs';
import { cpuBusy, elapsed, load1, machineHeader, progress } from './lib/report';

const MESSAGES = envInt('BENCH_MESSAGES', 10_000, { positive: true });
const RESULTS = envInt('BENCH_RESULTS', 2_000, { positive: true });
const STEADY_S = envInt('BENCH_STEADY_S', 120, { positive: true });
const LATENCIES = [0, 50];
const COLLAB = 'bench-mirror/frontier';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (b: number) => `${fmt(b / 1024 / 1024, 1)} MB`;

/** The stand-in's process: commands in, answers out, one JSON line each. */
async function startStandin() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/collab-standin-process.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  let ready: (v: { apiUrl: string; hfUrl: string }) => void;
  const started = new Promise<{ apiUrl: string; hfUrl: string }>((r) => (ready = r));
  lines.on('line', (line) => {
    const v = JSON.parse(line) as Record<string, unknown>;
    if (v.ready) ready(v as unknown as { apiUrl: string; hfUrl: string });
    else waiting.get(v.id as number)?.(v);
  });
  let next = 0;
  const send = (command: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  return { ...(await started), send, child };
}

/** Counts what the mirror fetches: requests, and the bytes of every answer. */
function countingFetch() {
  const seen = { requests: 0, bytes: 0 };
  const counted: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const buf = await res.arrayBuffer();
    seen.requests += 1;
    seen.bytes += buf.byteLength;
    return new Response(buf, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { seen, counted };
}

async function status(hub: TestHub): Promise<MirroredCollab | undefined> {
  const res = await hub.call<{ collabs: MirroredCollab[] }>('GET', '/v1/mirror');
  return res.body.collabs.find((c) => c.id === COLLAB);
}

async function main(): Promise<void> {
  const busy = await cpuBusy();
  console.log(machineHeader('mirror'));
  console.log(`before: ${fmt(busy * 100)}% of cores busy, load average ${load1()}`);
  const standin = await startStandin();
  progress(`seeding ${MESSAGES} messages and ${RESULTS} results in the stand-in's process`);
  await standin.send({ op: 'seedMessages', n: MESSAGES });
  await standin.send({ op: 'seedResults', n: RESULTS });
  const seededAt = Date.now();

  console.log(`\n1. catch-up: ${fmt(MESSAGES)} messages + ${fmt(RESULTS)} results (pages of 200, expand=true)`);
  for (const latency of LATENCIES) {
    await standin.send({ op: 'latency', ms: latency });
    const hub = await startTestHub();
    const dbBefore = statSync(dataLayout(hub.dataDir).database).size;
    const { seen, counted } = countingFetch();
    const mirror = createMirrorService({
      record: hub.running.hub.mirrorRecord,
      hfEndpoint: standin.hfUrl,
      fetch: counted,
      pollMs: 3600_000,
    });
    hub.running.attachMirror(mirror);
    // Waits on the mirror's own news of its pass (no status polls that would add their CPU to the figure).
    const caughtUp = new Promise<void>((resolve) => {
      const stop = mirror.onChange((c) => {
        if (c.caught_up_at) {
          stop();
          resolve();
        }
      });
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await hub.call('POST', '/v1/mirror', { token: hub.organizerToken, body: { target: standin.apiUrl } });
    await caughtUp;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const c = (await status(hub))!;
    hub.running.hub.db.pragma('wal_checkpoint(TRUNCATE)');
    const dbAfter = statSync(dataLayout(hub.dataDir).database).size;
    console.log(
      `  ${latency} ms per request: caught up in ${fmt(ms / 1000, 2)} s (${fmt(c.counts.message)} messages, ` +
        `${fmt(c.counts.result)} results, ${fmt(c.counts.agent)} agents), ${seen.requests} requests, ` +
        `${mb(seen.bytes)} received; this process's CPU ${fmt((cpu.user + cpu.system) / 1000)} ms (the hub's follow ` +
        `request, the pages' JSON, SQLite writes)`,
    );
    console.log(
      `    the copy: ${mb(c.bytes)} of rows (bodies, frontmatter, names); the database file grew ` +
        `${mb(dbAfter - dbBefore)} (${mb(dbBefore)} -> ${mb(dbAfter)}, indexes and pages included)`,
    );
    await mirror.close();
    await hub.stop(true);
  }
  await standin.send({ op: 'latency', ms: 0 });

  console.log(`\n2. steady state: one followed collab at the real 30 s poll, ${STEADY_S} s per case`);
  for (const activity of [0, 10]) {
    const hub = await startTestHub();
    const { seen, counted } = countingFetch();
    const mirror = createMirrorService({
      record: hub.running.hub.mirrorRecord,
      hfEndpoint: standin.hfUrl,
      fetch: counted,
      // A handle there, as when an agent was registered from this machine: its long-poll stays parked.
      watchAs: () => 'ada',
    });
    hub.running.attachMirror(mirror);
    await hub.call('POST', '/v1/mirror', { token: hub.organizerToken, body: { target: standin.apiUrl } });
    for (;;) {
      if ((await status(hub))?.caught_up_at) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The follower reads a minute before a list's cursor again while that cursor is under two minutes old (a slow
    // write may still land there); the seeded history is stamped within seconds, so the steady state is measured
    // once it is older than that, as a collab's history is.
    const settle = seededAt + 150_000 - Date.now();
    if (settle > 0) {
      progress(`waiting ${Math.round(settle / 1000)} s for the seeded history to age past the overlap window`);
      await new Promise((r) => setTimeout(r, settle));
    }
    progress(`caught up; measuring ${STEADY_S} s${activity ? `, a message every ${activity} s` : ', quiet'}`);
    const before = { ...seen };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let posted = 0;
    const poster = activity
      ? setInterval(() => {
          posted += 1;
          void standin.send({ op: 'seedMessages', n: 1 });
        }, activity * 1000)
      : null;
    await new Promise((r) => setTimeout(r, STEADY_S * 1000));
    if (poster) clearInterval(poster);
    const minutes = (performance.now() - t0) / 60_000;
    const cpu = process.cpuUsage(cpu0);
    const c = (await status(hub))!;
    console.log(
      `  ${activity ? `a message every ${activity} s (${posted} posted)` : 'quiet'}: ` +
        `${fmt((seen.requests - before.requests) / minutes, 1)} requests/min, ` +
        `${fmt((seen.bytes - before.bytes) / 1024 / minutes, 1)} KB/min received, ` +
        `CPU ${fmt((cpu.user + cpu.system) / 1000 / minutes, 0)} ms/min ` +
        `(${fmt(((cpu.user + cpu.system) / 1000 / (minutes * 60_000)) * 100, 2)}% of one core; the hub's HTTP and ` +
        `status reads included); copy ${c.live ? 'live' : 'offline'}, ${fmt(c.counts.message)} messages`,
    );
    await mirror.close();
    await hub.stop(true);
  }
  await standin.send({ op: 'close' });
  console.log(`\ndone in ${elapsed()}, load average ${load1()}`);
}

await main();
