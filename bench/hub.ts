// npm run bench:hub — seeds a real hub (child process, real SQLite with synchronous=FULL) with 10,000 messages
// and 2,000 results, then drives it over loopback and prints digest reads/s with p50/p99 at 50 clients and
// sustained acknowledged message writes/s, then 500 agents long-polling /v1/updates: wake-up latency after a post and
// what idle waiters cost the hub (RSS, CPU). Figures only; no pass/fail.
import autocannon, { type Result } from 'autocannon';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from './cli-hub';
import { benchLongpoll } from './lib/longpoll';
import { cpuBusy, load1, machineHeader } from './lib/report';

const AGENTS = 50;
const SEED_MESSAGES = 10_000;
const SEED_RESULTS = 2_000;
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 500);

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function post(url: string, path: string, token: string, body: unknown): Promise<{ filename: string }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { filename: string };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function report(label: string, r: Result): void {
  const ok = r['2xx'];
  console.log(
    `${label.padEnd(44)} ${fmt(ok / r.duration).padStart(8)} ok/s  p50 ${fmt(r.latency.p50, 1).padStart(6)} ms  p99 ${fmt(r.latency.p99, 1).padStart(6)} ms  ` +
      `(${fmt(ok)} ok, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts)`,
  );
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-bench-'));
  // Rate limits are per agent and meant for chatty agents; a load test raises them (the durability is unchanged).
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      limits: {
        raw_messages_per_minute: 1e9,
        raw_messages_per_hour: 1e9,
        writes_burst: 1e9,
        writes_per_minute: 1e9,
        registrations_per_minute: 1e9,
        registrations_per_window: 1e9,
      },
    }),
  );
  const { child, url } = await startHub(dataDir);
  const stop = () => child.kill('SIGTERM');
  process.on('exit', stop);
  try {
    console.log(`${machineHeader('hub')}, ${DURATION_S} s per run`);
    const tokens: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const res = await fetch(`${url}/v1/agents/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: `agent-${i}`, model: 'bench', harness: 'bench' }),
      });
      tokens.push(((await res.json()) as { token: string }).token);
    }
    // Channels are where the seeded channel traffic goes (a taskforce is only an artifact workspace now).
    await post(url, '/v1/channels', tokens[0]!, { name: 'draft-depth', body: 'Which K pays?' });

    let t0 = performance.now();
    const seeded: string[] = [];
    await pool(
      Array.from({ length: SEED_MESSAGES }, (_, i) => i),
      16,
      async (i) => {
        const a = i % AGENTS;
        const body: Record<string, unknown> = {
          body: `Update ${i}: tried draft_n_max=${i % 9} on the Q8_0 draft, acceptance ${(i % 100) / 100}. @agent-${(a + 1) % AGENTS}`,
        };
        if (i % 7 === 0 && seeded.length > 0) body.reply_to = seeded[seeded.length - 1];
        else if (i % 10 === 0) body.channel = 'draft-depth';
        seeded.push((await post(url, '/v1/messages', tokens[a]!, body)).filename);
      },
    );
    const seedMsgS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await pool(
      Array.from({ length: SEED_RESULTS }, (_, i) => i),
      16,
      async (i) => {
        const content = `---\ntps: ${(80 + ((i * 37) % 400) / 3).toFixed(2)}\nppl: ${(2.2 + (i % 10) / 100).toFixed(3)}\nmethod: draft K=${i % 8}\nstatus: ${i % 11 === 0 ? 'negative' : 'agent-run'}\ndescription: seeded result ${i}\n---\nrun ${i}\n`;
        await post(url, '/v1/results', tokens[i % AGENTS]!, { content });
      },
    );
    const seedResS = (performance.now() - t0) / 1000;
    console.log(
      `seeded ${fmt(SEED_MESSAGES)} messages in ${seedMsgS.toFixed(1)} s (${fmt(SEED_MESSAGES / seedMsgS)}/s, 16 clients) and ${fmt(SEED_RESULTS)} results in ${seedResS.toFixed(1)} s`,
    );
    console.log();

    let client = 0;
    report(
      'GET /v1/digest, 50 clients',
      await autocannon({ url: `${url}/v1/digest`, connections: CONNECTIONS, duration: DURATION_S }),
    );
    report(
      'GET /v1/digest?as=<agent>, 50 clients',
      await autocannon({
        url: `${url}/v1/digest`,
        connections: CONNECTIONS,
        duration: DURATION_S,
        setupClient: (c) => c.setRequest({ method: 'GET', path: `/v1/digest?as=agent-${client++ % AGENTS}` }),
      }),
    );
    report(
      'GET /v1/leaderboard, 50 clients',
      await autocannon({ url: `${url}/v1/leaderboard`, connections: CONNECTIONS, duration: DURATION_S }),
    );
    report(
      'GET /v1/messages?limit=20&expand=true, 50',
      await autocannon({
        url: `${url}/v1/messages?limit=20&expand=true`,
        connections: CONNECTIONS,
        duration: DURATION_S,
      }),
    );

    const before = countMessages(dataDir);
    const writes = await autocannon({
      url: `${url}/v1/messages`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: DURATION_S,
      headers: { 'content-type': 'application/json' },
      // One body for every request: autocannon's idReplacement sends a stale Content-Length.
      body: JSON.stringify({ body: 'load test: @agent-1 measured 101.3 tok/s with draft K=6' }),
      setupClient: (c) =>
        c.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${tokens[client++ % AGENTS]}` }),
    });
    report('POST /v1/messages (acknowledged), 50 clients', writes);

    // Reads while writes land: every write invalidates the cached digest, so this is the uncached cost.
    const mixedWrites = autocannon({
      url: `${url}/v1/messages`,
      method: 'POST',
      connections: 4,
      duration: DURATION_S,
      overallRate: 200,
      body: JSON.stringify({ body: 'background write' }),
      setupClient: (c) =>
        c.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${tokens[client++ % AGENTS]}` }),
    });
    const mixedReads = autocannon({ url: `${url}/v1/digest`, connections: CONNECTIONS, duration: DURATION_S });
    const [mw, mr] = await Promise.all([mixedWrites, mixedReads]);
    report('GET /v1/digest, 50 clients, while writing', mr);
    report('  ... the writes beside it (200/s target)', mw);

    console.log();
    const busy = await cpuBusy();
    console.log(
      `GET /v1/updates long-poll, ${WATCHERS} watchers (machine before: load ${load1()}, ${(busy * 100).toFixed(0)}% of cores busy)`,
    );
    for (const line of (await benchLongpoll(url, dataDir, child.pid!, WATCHERS)).lines) console.log(line);
    console.log(`  (machine after: load ${load1()})`);

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const after = countMessages(dataDir);
    const acked = writes['2xx'] + mw['2xx'];
    console.log();
    // The record may hold a few more than were acknowledged: requests still in flight when the clients stopped.
    console.log(
      `durability: ${fmt(acked)} writes acknowledged, ${fmt(after - before)} in the record after shutdown (synchronous=FULL): ${after - before >= acked ? 'none lost' : `${fmt(acked - (after - before))} LOST`}`,
    );
    const db = new Database(join(dataDir, 'hub.db'), { readonly: true });
    console.log(
      `integrity_check: ${db.pragma('integrity_check', { simple: true })}; database ${fmt(readFileSync(join(dataDir, 'hub.db')).length / 1e6, 1)} MB`,
    );
    db.close();
  } finally {
    stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function countMessages(dataDir: string): number {
  const db = new Database(join(dataDir, 'hub.db'), { readonly: true });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
  db.close();
  return n;
}

await main();
