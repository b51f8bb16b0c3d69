// npm run bench:hub — the hub (child process, real SQLite with synchronous=FULL) on boards of 1k, 10k and 100k
// messages: digest latency (plain and personal ?as=) after each write, the digest's inbox queries in-process beside
// the board query they replaced, and write latency alone beside the same writes while 50 agents read their own
// digests (with a think time, then none); then 500 agents long-polling /v1/updates (wake-up latency, what idle waiters
// cost) and durability. The last line is the write-under-readers figures as JSON.
// The boards are seeded straight into the record in one transaction (volume, not the write path), with the hub
// stopped; everything measured goes over loopback HTTP. Figures only; no pass/fail.
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelStore } from '../src/hub/store/channel-store';
import { openDatabase } from '../src/hub/store/database';
import { MessageStore, type InboxReason } from '../src/hub/store/message-store';
import { runList } from '../src/hub/list-query';
import { updatesBehind } from '../src/hub/updates';
import { frontmatterTimestamp, stampedFilename } from '../src/shared/ids';
import { startHub } from './cli-hub';
import { benchLongpoll } from './lib/longpoll';
import { cpuBusy, load1, machineHeader, progress } from './lib/report';

const AGENTS = 50;
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const CHANNEL = 'draft-depth';
/** Reads timed one after each write (so every read builds its digest: a write invalidates the cached one). */
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const LOAD_S = Number(process.env.BENCH_SECONDS ?? 6);
/** The write rate held while the readers read: steady, as agents post, not as fast as the hub takes them. */
const WRITE_RATE = Number(process.env.BENCH_WRITE_RATE ?? 100);
/** An agent's pause between two digest reads in the paced run (it reads, then thinks); the other run has none. */
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 100);
/** Seconds of load before the timed ones in the write-under-readers runs (connections opened, readers in stride). */
const WARMUP_S = 2;
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 500);
/** Seeded messages are stamped from this far back, one millisecond apart, so no live post collides with one. */
const SEED_SPAN_MS = 2 * Math.max(...SIZES);

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function ms(x: number): string {
  return `${fmt(x, 2).padStart(8)} ms`;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

/** One request on a kept-alive socket: its status, body and round-trip time (the client's own cost is small). */
function timed(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  agent: Agent = keepAlive,
): Promise<{ status: number; text: string; ms: number }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url + path,
      {
        method,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function call<T>(url: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const res = await timed(url, method, path, token, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}

interface Board {
  /** Messages seeded so far (the live posts between sizes come on top). */
  size: number;
  /** The last seeded message, which the next seeded reply may answer. */
  last: { filename: string; agent: string; channel: string | null; thread: string | null } | null;
}

/**
 * Grows the record to `target` messages as the board would have: each post mentions the next agent (an inbox copy),
 * every 7th replies to the one before (a copy to its author, in its thread and channel), every 10th is in the
 * channel (its author subscribed), every 500th is an organizer broadcast (no copies, in every inbox at read time).
 */
function seed(dataDir: string, board: Board, target: number, organizer: string, base: number): void {
  const db = openDatabase(join(dataDir, 'hub.db'));
  const messages = new MessageStore(db);
  const channels = new ChannelStore(db);
  db.transaction(() => {
    for (let i = board.size; i < target; i++) {
      const ts = base + i;
      const broadcast = i % 500 === 250;
      const agent = broadcast ? organizer : `agent-${i % AGENTS}`;
      const filename = stampedFilename(ts, agent);
      const parent = !broadcast && i % 7 === 0 ? board.last : null;
      const channel = parent ? parent.channel : !broadcast && i % 10 === 0 ? CHANNEL : null;
      const thread = parent ? (parent.thread ?? parent.filename) : null;
      const mentioned = `agent-${((i % AGENTS) + 1) % AGENTS}`;
      const frontmatter: Record<string, unknown> = {
        agent,
        timestamp: frontmatterTimestamp(ts),
        via: broadcast ? 'dashboard' : 'raw',
        type: broadcast ? 'user' : 'agent',
      };
      if (channel !== null) frontmatter.channel = channel;
      if (parent) Object.assign(frontmatter, { reply_to: parent.filename, thread });
      if (broadcast) frontmatter.broadcast = true;
      messages.insert({
        filename,
        agent,
        ts,
        type: frontmatter.type as string,
        via: frontmatter.via as string,
        channel,
        reply_to: parent?.filename ?? null,
        thread,
        broadcast: broadcast ? 1 : 0,
        source_sha256: null,
        frontmatter: JSON.stringify(frontmatter),
        body: `Update ${i}: tried draft_n_max=${i % 9} on the Q8_0 draft, acceptance ${(i % 100) / 100}. @${mentioned}`,
      });
      if (!broadcast) {
        const copies = new Map<string, InboxReason>([[mentioned, 'mention']]);
        if (parent && parent.agent !== agent && !copies.has(parent.agent)) copies.set(parent.agent, 'reply');
        for (const [handle, reason] of copies) messages.deliver(handle, { filename, ts }, reason);
      }
      if (channel !== null) channels.subscribe(channel, agent, 'auto', ts);
      board.last = { filename, agent, channel, thread };
    }
  })();
  db.close();
  board.size = target;
}

/** Times `work` `n` times (after one untimed call), in ms. */
function sample(n: number, work: () => unknown): number[] {
  work();
  return Array.from({ length: n }, () => {
    const t0 = performance.now();
    work();
    return performance.now() - t0;
  });
}

/**
 * The digest's inbox part in this process, on the record itself (the hub stopped): the page and counts as the hub
 * reads them now (index ranges), beside the one board query they replaced (inbox copies and broadcasts as one IN over
 * the board, every copy's message looked up), so the two can be compared on the same record.
 */
function inboxQueries(dataDir: string, handle: string): string[] {
  const db = openDatabase(join(dataDir, 'hub.db'));
  const messages = new MessageStore(db);
  const channels = new ChannelStore(db);
  const stores = { messages, channels };
  const boardQuery = {
    from: 'messages',
    key: 'filename',
    ts: 'ts',
    columns: {},
    search: ['body'],
    where: {
      sql: 'filename IN (SELECT filename FROM messages WHERE broadcast = 1 UNION SELECT filename FROM inbox WHERE handle = ?)',
      args: [handle],
    },
  };
  const lines = [
    latencyLine(
      '  inbox page + count, by index',
      sample(200, () => messages.inbox(handle, { expand: true, limit: 10 })),
    ),
    latencyLine(
      '  /v1/updates unread + newest, by index',
      sample(200, () => updatesBehind(stores, handle, undefined)),
    ),
    latencyLine(
      '  inbox page + count, as the board query',
      sample(50, () => runList(db, boardQuery, { expand: true, limit: 10 })),
    ),
  ];
  db.close();
  return lines;
}

function latencyLine(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const half = Math.floor(samples.length / 2);
  const halves = [samples.slice(0, half), samples.slice(half)].map((h) =>
    pct(
      [...h].sort((a, b) => a - b),
      50,
    ),
  );
  return (
    `${label.padEnd(42)} p50 ${ms(pct(sorted, 50))}  p95 ${ms(pct(sorted, 95))}  p99 ${ms(pct(sorted, 99))}` +
    `   (n=${samples.length}; noise: p50 of 1st/2nd half ${fmt(halves[0]!, 2)}/${fmt(halves[1]!, 2)} ms)`
  );
}

/** Write latency alone and beside 50 digest readers, per run: what the bench's JSON line carries. */
interface ReadersRun {
  readers: number;
  think_ms: number | null;
  write_p50: number;
  write_p95: number;
  write_p99: number;
  write_max: number;
  writes: number;
  digest_p50: number | null;
  digest_p99: number | null;
  digests_per_s: number | null;
}

function spread(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: sorted.at(-1) ?? NaN };
}

/**
 * One writer posting at WRITE_RATE on a fixed schedule (open loop: a slow answer does not delay the next post), each
 * post mentioning an agent so it writes an inbox copy; first alone, then while each of the 50 agents reads its own
 * digest (`?as=<its handle>`, with its token, on its own connection) with a think time, then with none. Each write is
 * timed from its send to its 201 (acknowledged: committed with fsync).
 */
async function writesUnderReaders(
  url: string,
  tokens: string[],
): Promise<{ lines: string[]; acked: number; figures: { runs: ReadersRun[] } }> {
  const lines = [
    `writes at ${WRITE_RATE}/s (one writer, each post mentions an agent), alone and while ${AGENTS} agents read ` +
      `GET /v1/digest?as=<own handle> (own token, own connection), ${LOAD_S} s timed after ${WARMUP_S} s of warm-up each:`,
  ];
  const runs: ReadersRun[] = [];
  let acked = 0;
  for (const [readers, thinkMs] of [
    [0, null],
    [AGENTS, THINK_MS],
    [AGENTS, 0],
  ] as const) {
    const label =
      readers === 0 ? 'no readers' : `${readers} reading, ${thinkMs === 0 ? 'no think time' : `${thinkMs} ms think`}`;
    // Timed only after a warm-up: the readers' and the writer's connections are open and the readers in their stride,
    // as on a running hub (the first second would time 50 agents connecting at once).
    const start = performance.now();
    const timedFrom = start + WARMUP_S * 1000;
    const end = timedFrom + LOAD_S * 1000;
    const digests: number[] = [];
    const readerAgents = Array.from({ length: readers }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    const reading = readerAgents.map(async (agent, i) => {
      while (performance.now() < end) {
        const sent = performance.now();
        const r = await timed(url, 'GET', `/v1/digest?as=agent-${i}`, tokens[i], undefined, agent);
        if (r.status !== 200) throw new Error(`GET /v1/digest?as=agent-${i}: ${r.status} ${r.text}`);
        if (sent >= timedFrom) digests.push(r.ms);
        if (thinkMs) await new Promise((resume) => setTimeout(resume, thinkMs));
      }
    });
    // Connections enough that a slow answer never holds the next post back (the schedule, not the answers, sets the rate).
    const writerAgent = new Agent({ keepAlive: true, maxSockets: 64 });
    const writes: number[] = [];
    const posts: Array<Promise<void>> = [];
    for (let i = 0; start + (i * 1000) / WRITE_RATE < end; i++) {
      const due = start + (i * 1000) / WRITE_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const author = i % AGENTS;
      posts.push(
        timed(
          url,
          'POST',
          '/v1/messages',
          tokens[author],
          { body: `load test ${i}: @agent-${(author + 7) % AGENTS} measured 101.3 tok/s with draft K=6` },
          writerAgent,
        ).then((w) => {
          if (w.status !== 201) throw new Error(`POST /v1/messages: ${w.status} ${w.text}`);
          acked++;
          if (due >= timedFrom) writes.push(w.ms);
        }),
      );
    }
    await Promise.all([...posts, ...reading]);
    const elapsedS = (performance.now() - timedFrom) / 1000;
    for (const a of [...readerAgents, writerAgent]) a.destroy();
    const w = spread(writes);
    lines.push(
      `  POST /v1/messages, ${label.padEnd(30)} p50 ${ms(w.p50)}  p95 ${ms(w.p95)}  p99 ${ms(w.p99)}  max ${ms(w.max)}` +
        `  (n=${writes.length}, ${fmt(writes.length / elapsedS)}/s)`,
    );
    const d = readers > 0 ? spread(digests) : null;
    if (d)
      lines.push(
        `    GET /v1/digest?as= beside them${''.padEnd(15)} p50 ${ms(d.p50)}  p99 ${ms(d.p99)}  ` +
          `${fmt(digests.length / elapsedS).padStart(6)} digests/s`,
      );
    runs.push({
      readers,
      think_ms: thinkMs,
      write_p50: w.p50,
      write_p95: w.p95,
      write_p99: w.p99,
      write_max: w.max,
      writes: writes.length,
      digest_p50: d?.p50 ?? null,
      digest_p99: d?.p99 ?? null,
      digests_per_s: d ? digests.length / elapsedS : null,
    });
  }
  const alone = runs[0]!.write_p99;
  lines.push(
    `  write p99 under readers / alone: ${runs
      .slice(1)
      .map((r) => `${fmt(r.write_p99 / alone, 1)}x (${r.think_ms ? `${r.think_ms} ms think` : 'no think time'})`)
      .join(', ')}; load ${load1()} after`,
  );
  return { lines, acked, figures: { runs } };
}

async function stopHub(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
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
        channel_creations_per_hour: 1e9,
      },
    }),
  );
  const busy = await cpuBusy();
  console.log(machineHeader('hub'));
  console.log(
    `machine before: load ${load1()}, ${(busy * 100).toFixed(0)}% of cores busy (other processes: figures move with them)`,
  );
  let { child, url } = await startHub(dataDir);
  const stop = () => child.kill('SIGTERM');
  process.on('exit', stop);
  let acked = 0;
  const summary: Array<{ messages: number; runs: ReadersRun[] }> = [];
  try {
    const tokens: string[] = [];
    for (let i = 0; i < AGENTS; i++)
      tokens.push(
        (
          await call<{ token: string }>(url, 'POST', '/v1/agents/register', undefined, {
            agent_id: `agent-${i}`,
            model: 'bench',
            harness: 'bench',
          })
        ).token,
      );
    await call(url, 'POST', '/v1/channels', tokens[0], { name: CHANNEL, body: 'Which K pays?' });
    const organizerToken = readFileSync(join(dataDir, 'organizer-token'), 'utf8').trim();
    const cast = await call<{ filename: string }>(url, 'POST', '/v1/messages', organizerToken, {
      body: 'Rule: medians of 5 runs.',
      broadcast: true,
    });
    const organizer = cast.filename.slice(cast.filename.indexOf('_') + 1, -'.md'.length);
    // The channel's announcement and that broadcast: in the record, neither seeded nor timed.
    const setUp = countMessages(dataDir);
    const board: Board = { size: 0, last: null };
    const base = Date.now() - SEED_SPAN_MS;

    for (const size of SIZES) {
      await stopHub(child);
      const t0 = performance.now();
      seed(dataDir, board, size, organizer, base);
      const seedS = (performance.now() - t0) / 1000;
      const inProcess = inboxQueries(dataDir, 'agent-1');
      // BENCH_HUB_LOG=1: the hub logs each request with its own response time (on stderr), to tell time spent in a
      // handler from time a request waited for the hub's event loop.
      ({ child, url } = await startHub(dataDir, process.env.BENCH_HUB_LOG ? ['--log'] : []));
      console.log();
      console.log(
        `${fmt(size)} messages seeded (+${fmt(countMessages(dataDir) - setUp - size)} posted live; seeded in ${seedS.toFixed(1)} s; ${fmt(inboxOf(dataDir, 'agent-1'))} in agent-1's inbox), load ${load1()} before`,
      );

      console.log(`the digest's inbox queries in-process, for agent-1:`);
      for (const line of inProcess) console.log(line);

      // Each read follows a write, so it builds the digest as a reader after a post does (the cache is gone).
      progress(`${fmt(size)}: ${SEQUENTIAL} digests after writes`);
      const personal: number[] = [];
      const plain: number[] = [];
      const writes: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) {
        const author = i % AGENTS;
        for (const [samples, path] of [
          [personal, `/v1/digest?as=agent-${(author + 7) % AGENTS}`],
          [plain, '/v1/digest'],
        ] as const) {
          const w = await timed(url, 'POST', '/v1/messages', tokens[author], {
            body: `rerun ${i}: @agent-${(author + 7) % AGENTS} K=6 gives 101.3 tok/s`,
          });
          if (w.status !== 201) throw new Error(`POST /v1/messages: ${w.status} ${w.text}`);
          writes.push(w.ms);
          acked++;
          const r = await timed(url, 'GET', path);
          if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
          samples.push(r.ms);
        }
      }
      console.log(latencyLine('GET /v1/digest?as=<agent>, after a write', personal));
      console.log(latencyLine('GET /v1/digest, after a write', plain));
      console.log(latencyLine('POST /v1/messages, one client', writes));

      progress(`${fmt(size)}: writes at ${WRITE_RATE}/s, alone and under ${AGENTS} digest readers`);
      const phase = await writesUnderReaders(url, tokens);
      acked += phase.acked;
      for (const line of phase.lines) console.log(line);
      summary.push({ messages: size, ...phase.figures });
    }

    console.log();
    const busyLp = await cpuBusy();
    console.log(
      `GET /v1/updates long-poll, ${WATCHERS} watchers on the ${fmt(board.size)}-message board (machine before: load ${load1()}, ${(busyLp * 100).toFixed(0)}% of cores busy)`,
    );
    for (const line of (await benchLongpoll(url, dataDir, child.pid!, WATCHERS)).lines) console.log(line);
    console.log(`  (machine after: load ${load1()})`);

    await stopHub(child);
    const inRecord = countMessages(dataDir) - setUp - board.size;
    console.log();
    // The record may hold more than were acknowledged here: the long-poll part posts too, and requests still in
    // flight when the clients stopped.
    console.log(
      `durability: ${fmt(acked)} writes acknowledged over HTTP, ${fmt(inRecord)} beyond the seeded ones in the record after shutdown (synchronous=FULL): ${inRecord >= acked ? 'none lost' : `${fmt(acked - inRecord)} LOST`}`,
    );
    const db = new Database(join(dataDir, 'hub.db'), { readonly: true });
    console.log(
      `integrity_check: ${db.pragma('integrity_check', { simple: true })}; database ${fmt(readFileSync(join(dataDir, 'hub.db')).length / 1e6, 1)} MB`,
    );
    db.close();
    console.log();
    console.log(
      JSON.stringify({ bench: 'hub', write_rate: WRITE_RATE, readers: AGENTS, writes_under_readers: summary }),
    );
  } finally {
    stop();
    keepAlive.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function countMessages(dataDir: string): number {
  const db = new Database(join(dataDir, 'hub.db'), { readonly: true });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
  db.close();
  return n;
}

/** The handle's inbox size (copies plus broadcasts), for the report: what a personal digest counts. */
function inboxOf(dataDir: string, handle: string): number {
  const db = new Database(join(dataDir, 'hub.db'), { readonly: true });
  const n = (
    db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM inbox WHERE handle = ?) + (SELECT COUNT(*) FROM messages WHERE broadcast = 1) AS n',
      )
      .get(handle) as { n: number }
  ).n;
  db.close();
  return n;
}

await main();
