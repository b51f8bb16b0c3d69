// Durability: a hub killed with SIGKILL in the middle of a stream of writes loses none it acknowledged.
// Runs the built CLI as a real child process, kills it three times mid-stream, and checks every 201 survives.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrityCheck } from '../helpers/sqlite-check';
import { killAllChildren, startHubProcess, type HubProcess } from '../helpers/hub-process';
import { call, resultMarkdown, type CallResult } from '../helpers/test-hub';

const CYCLES = 3;
const AGENTS = ['w0', 'w1', 'w2', 'w3'];
const WRITERS_PER_AGENT = 2;

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-kill9-'));
  // The CLI has no flag for limits; the hub merges config.json from the data folder with its defaults.
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      limits: {
        raw_messages_per_minute: 100000,
        raw_messages_per_hour: 1000000,
        writes_burst: 100000,
        writes_per_minute: 100000,
        registrations_per_minute: 100000,
        scratch_writes_per_minute: 100000,
      },
    }),
  );
});

afterAll(async () => {
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Acked {
  messages: Map<string, string>;
  results: Map<string, { tps: number; description: string }>;
  scratch: Map<string, Buffer>;
}

/** Writes as fast as it can until told to stop or the hub goes away; records only what the hub acknowledged (201). */
async function writer(
  url: string,
  agent: string,
  token: string,
  tag: string,
  acked: Acked,
  stop: { now: boolean },
): Promise<number> {
  let n = 0;
  try {
    while (!stop.now) {
      n++;
      if (n % 7 === 0) {
        const description = `run ${tag}-${n}`;
        const tps = 50 + randomInt(1000) / 10;
        const res = await call(url, 'POST', '/v1/results', {
          token,
          body: { content: resultMarkdown({ tps, description }) },
        });
        if (res.status === 201) acked.results.set(res.body.filename, { tps, description });
        else throw new Error(`result refused: ${res.status} ${res.text}`);
      } else if (n % 5 === 0) {
        const path = `kill9/${tag}-${n}.bin`;
        const bytes = randomBytes(randomInt(1, 64 * 1024));
        const res = await call(url, 'PUT', `/v1/scratch/${agent}/${path}`, {
          token,
          raw: bytes,
          headers: { 'content-type': 'application/octet-stream' },
        });
        if (res.status === 201) acked.scratch.set(`${agent}/${path}`, bytes);
        else throw new Error(`scratch upload refused: ${res.status} ${res.text}`);
      } else {
        const body = `message ${tag}-${n} ${randomBytes(8).toString('hex')}`;
        const res = await call(url, 'POST', '/v1/messages', { token, body: { body } });
        if (res.status === 201) acked.messages.set(res.body.filename, body);
        else throw new Error(`message refused: ${res.status} ${res.text}`);
      }
    }
  } catch (err) {
    // Once the hub is killed, requests in flight fail: expected. Before that, any failure is a real one.
    if (!stop.now) throw err;
  }
  return n;
}

/** Runs `fn` over `items`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function verifyAll(hub: HubProcess, acked: Acked): Promise<void> {
  const missing: string[] = [];
  await eachLimited([...acked.messages], 8, async ([filename, body]) => {
    const res = await call(hub.url, 'GET', `/v1/messages/${filename}`);
    if (res.status !== 200 || res.body.body !== body)
      missing.push(`message ${filename}: ${res.status} ${res.text.slice(0, 200)}`);
  });
  await eachLimited([...acked.results], 8, async ([filename, want]) => {
    const res = await call(hub.url, 'GET', `/v1/results/${filename}`);
    if (
      res.status !== 200 ||
      res.body.frontmatter?.tps !== want.tps ||
      res.body.frontmatter?.description !== want.description
    ) {
      missing.push(`result ${filename}: ${res.status} ${res.text.slice(0, 200)}`);
    }
  });
  await eachLimited([...acked.scratch], 8, async ([path, bytes]) => {
    const res = await fetch(`${hub.url}/v1/scratch/${path}`);
    const got = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || !got.equals(bytes))
      missing.push(`scratch ${path}: ${res.status}, ${got.length} bytes instead of ${bytes.length}`);
  });
  expect(missing, `acknowledged writes lost after kill -9:\n${missing.slice(0, 20).join('\n')}`).toEqual([]);
  // The lists agree with the single reads: every acknowledged message is on the board.
  const listed = new Set<string>();
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const board: CallResult<{ items: string[]; next: string | null }> = await call(
      hub.url,
      'GET',
      `/v1/messages?limit=500&order=asc${after ? `&after=${after}` : ''}`,
    );
    expect(board.status, board.text).toBe(200);
    for (const f of board.body.items) listed.add(f);
    after = board.body.next;
    if (after === null) break;
  }
  expect([...acked.messages.keys()].filter((f) => !listed.has(f))).toEqual([]);
}

describe('kill -9 in the middle of a stream of writes', () => {
  it('loses no acknowledged message, result or scratch file, and leaves a sound database (3 kill cycles)', async () => {
    const acked: Acked = { messages: new Map(), results: new Map(), scratch: new Map() };
    const tokens = new Map<string, string>();
    let hub: HubProcess | null = null;
    try {
      hub = await startHubProcess(dataDir);
      for (const agent of AGENTS) {
        const res = await call(hub.url, 'POST', '/v1/agents/register', {
          body: { agent_id: agent, model: 'test-model', harness: 'kill9' },
        });
        expect(res.status, res.text).toBe(201);
        tokens.set(agent, res.body.token);
      }

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const before = acked.messages.size + acked.results.size + acked.scratch.size;
        const stop = { now: false };
        const current: HubProcess = hub;
        const writers = AGENTS.flatMap((agent) =>
          Array.from({ length: WRITERS_PER_AGENT }, (_, w) =>
            writer(current.url, agent, tokens.get(agent)!, `c${cycle}-${agent}-${w}`, acked, stop),
          ),
        );
        // Let them write for a random 200-800 ms, and at least until a few writes of each kind were acknowledged.
        const writeFor = 200 + randomInt(600);
        await new Promise((r) => setTimeout(r, writeFor));
        const guardUntil = Date.now() + 10_000;
        while (acked.messages.size + acked.results.size + acked.scratch.size - before < 30 && Date.now() < guardUntil) {
          await new Promise((r) => setTimeout(r, 20));
        }

        // Kill while the writers are still streaming.
        stop.now = true;
        current.child.kill('SIGKILL');
        const exit = await current.exited;
        expect(exit.signal).toBe('SIGKILL');
        hub = null;
        const settled = await Promise.allSettled(writers);
        const failures = settled
          .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
          .map((s) => String(s.reason));
        expect(failures, 'writes refused while the hub was up').toEqual([]);
        expect(
          acked.messages.size + acked.results.size + acked.scratch.size - before,
          'writes acknowledged this cycle',
        ).toBeGreaterThanOrEqual(30);

        // The files as the killed hub left them are a sound database already (the log replays on open).
        expect(integrityCheck(join(dataDir, 'hub.db'))).toBe('ok');

        // A new hub on the same data folder has every write the killed one acknowledged, in this cycle and before.
        hub = await startHubProcess(dataDir);
        await verifyAll(hub, acked);
        expect(integrityCheck(join(dataDir, 'hub.db'))).toBe('ok');
        // The tokens the killed hub issued still work.
        const after = await call(hub.url, 'POST', '/v1/messages', {
          token: tokens.get('w0')!,
          body: { body: `alive after kill ${cycle}` },
        });
        expect(after.status, after.text).toBe(201);
        acked.messages.set(after.body.filename, `alive after kill ${cycle}`);
      }
      expect(acked.results.size).toBeGreaterThan(0);
      expect(acked.scratch.size).toBeGreaterThan(0);

      const last: HubProcess = hub;
      hub = null;
      const exit = await last.stop('SIGTERM');
      expect(exit.code).toBe(0);
      expect(integrityCheck(join(dataDir, 'hub.db'))).toBe('ok');
    } finally {
      if (hub) await hub.stop('SIGKILL');
      await killAllChildren();
    }
  }, 60_000);
});
