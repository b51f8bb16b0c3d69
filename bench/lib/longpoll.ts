// The /v1/updates part of bench:hub: N agents parked on long-polls, their wake-up latency after a post, and what idle waiters cost the hub process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import type { UpdatesPage, WatchingResponse } from '../../src/shared/updates-api';
import { progress } from './report';

/** CPU seconds (user + system) and resident memory of a process, from /proc (Linux). */
function usage(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuS: ticks / 100, rssMb: rssKb / 1024 };
}

/** The hub's CPU share (of one core) and its RSS at the end of a quiet window of `ms`. */
async function idleCost(pid: number, ms: number): Promise<{ cpuPct: number; rssMb: number }> {
  const a = usage(pid);
  await new Promise((r) => setTimeout(r, ms));
  const b = usage(pid);
  return { cpuPct: ((b.cpuS - a.cpuS) / (ms / 1000)) * 100, rssMb: b.rssMb };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface LongpollFigures {
  lines: string[];
}

/**
 * Registers `n` watchers, parks each on GET /v1/updates (wait=55, re-parked after every answer, as watch.sh does),
 * then measures: the hub's RSS and CPU with none and with all parked; the time from sending a post to each concerned
 * watcher holding its answer, for organizer broadcasts (all n wake) and for single mentions (one wakes).
 */
export async function benchLongpoll(url: string, dataDir: string, pid: number, n: number): Promise<LongpollFigures> {
  const lines: string[] = [];
  const organizer = readFileSync(join(dataDir, 'organizer-token'), 'utf8').trim();
  // One connection per parked request (node:http, not fetch: fetch's pool would queue parked requests behind each other).
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const call = <T>(method: string, path: string, token?: string, body?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        url + path,
        {
          method,
          agent,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
            else resolve(JSON.parse(text) as T);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const waiters = async () => (await call<WatchingResponse>('GET', '/v1/watching')).longpoll.waiters;

  const ids = Array.from({ length: n }, (_, i) => `watcher-${i}`);
  for (const id of ids)
    await call('POST', '/v1/agents/register', undefined, { agent_id: id, model: 'b', harness: 'b' });
  const poster = (await call<{ token: string }>('POST', '/v1/agents/register', undefined, {
    agent_id: 'poster',
    model: 'b',
    harness: 'b',
  }))!.token;

  const before = await idleCost(pid, 5000);

  // Each watcher: park, and on every answer note when it came and park again from the page's cursor.
  let stop = false;
  const arrivals = new Map<string, number[]>();
  const loops = ids.map(async (id) => {
    let cursor = (await call<UpdatesPage>('GET', `/v1/updates?as=${id}&limit=1`)).cursor ?? '0';
    while (!stop) {
      try {
        const page = await call<UpdatesPage>('GET', `/v1/updates?as=${id}&after=${cursor}&order=asc&limit=50&wait=55`);
        if (page.items.length > 0) arrivals.get(id)?.push(performance.now());
        if (page.cursor !== null) cursor = page.cursor;
      } catch {
        if (!stop) await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  const allParked = async () => {
    while ((await waiters()) < n) await new Promise((r) => setTimeout(r, 20));
  };
  await allParked();
  const parked = await idleCost(pid, 5000);
  lines.push(
    `hub process, idle:             RSS ${before.rssMb.toFixed(0)} MB, CPU ${before.cpuPct.toFixed(1)}% of a core (5 s)`,
    `hub process, ${n} parked:      RSS ${parked.rssMb.toFixed(0)} MB (${signed(parked.rssMb - before.rssMb)} MB; the idle figure still holds the earlier runs' garbage, so a drop is GC, not waiters), CPU ${parked.cpuPct.toFixed(1)}% of a core (5 s)`,
  );

  const round = async (post: () => Promise<unknown>, concerned: string[]): Promise<number[]> => {
    await allParked();
    for (const id of ids) arrivals.set(id, []);
    const t0 = performance.now();
    await post();
    const end = Date.now() + 30_000;
    while (concerned.some((id) => arrivals.get(id)!.length === 0) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 1));
    return concerned.map((id) => (arrivals.get(id)![0] ?? NaN) - t0);
  };

  const broadcast: number[] = [];
  const BROADCASTS = 5;
  for (let r = 0; r < BROADCASTS; r++) {
    progress(`long-poll: broadcast round ${r + 1}/${BROADCASTS}`);
    broadcast.push(
      ...(await round(() => call('POST', '/v1/messages', organizer, { body: `round ${r}`, broadcast: true }), ids)),
    );
  }
  const mention: number[] = [];
  const MENTIONS = 50;
  progress(`long-poll: ${MENTIONS} single mentions`);
  for (let r = 0; r < MENTIONS; r++) {
    const target = ids[(r * 37) % n]!;
    mention.push(
      ...(await round(() => call('POST', '/v1/messages', poster, { body: `@${target} your turn` }), [target])),
    );
  }
  const b = broadcast.filter(Number.isFinite).sort((x, y) => x - y);
  const m = mention.filter(Number.isFinite).sort((x, y) => x - y);
  lines.push(
    `wake-up after a broadcast (all ${n} wake): p50 ${pct(b, 50).toFixed(1)} ms  p99 ${pct(b, 99).toFixed(1)} ms  max ${b.at(-1)!.toFixed(1)} ms  (${b.length}/${broadcast.length} woke, ${BROADCASTS} rounds)`,
    `wake-up after a mention (1 of ${n} wakes):  p50 ${pct(m, 50).toFixed(1)} ms  p99 ${pct(m, 99).toFixed(1)} ms  max ${m.at(-1)!.toFixed(1)} ms  (${m.length}/${mention.length} woke)`,
    '  (from sending the post to the watcher holding its answer: includes the durable commit of the post itself)',
  );
  stop = true;
  await call('POST', '/v1/messages', organizer, { body: 'bench over', broadcast: true });
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5000))]);
  agent.destroy();
  return { lines };
}
