// Telling a real gain from noise: leaderboard ties with the leader, GET /v1/compare's interval and verdict, and
// intervals that make no sense refused at publishing. Real hub; results published by hand, no job runner.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Comparison, Leaderboard } from '../../src/shared/api';
import { type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

let published = 0;

/** A result with the default challenge's fields; arrays are written as YAML flow lists (`tps_ci: [98, 102]`). */
function resultContent(fields: Record<string, unknown>): string {
  const fm = { ppl: 2.3, method: 'draft-model K=6', status: 'agent-run', description: `run ${++published}`, ...fields };
  const lines = Object.entries(fm).map(
    ([k, v]) =>
      `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v)}`,
  );
  return `---\n${lines.join('\n')}\n---\nHow it was measured.\n`;
}

async function publish(hub: TestHub, token: string, fields: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/results', { token, body: { content: resultContent(fields) } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

describe('the leaderboard marks rows that cannot be told apart from the leader', () => {
  const hub = withHub();
  let board: Leaderboard;
  const rowOf = (agent: string) => board.rows.find((r) => r.agent === agent)!;

  beforeAll(async () => {
    await publish(hub, await hub.register('leader'), { tps: 110, tps_ci: [108, 112] });
    await publish(hub, await hub.register('close'), { tps: 107, tps_ci: [105, 109] });
    await publish(hub, await hub.register('behind'), { tps: 90, tps_ci: [88, 92] });
    await publish(hub, await hub.register('no-spread'), { tps: 109 });
    board = (await hub.call<Leaderboard>('GET', '/v1/leaderboard')).body;
  });

  it('ranks by score and reports each row’s interval', () => {
    expect(board.rows.map((r) => r.agent)).toEqual(['leader', 'no-spread', 'close', 'behind']);
    expect(rowOf('leader').ci).toEqual([108, 112]);
    expect(rowOf('close').ci).toEqual([105, 109]);
    expect(rowOf('behind').ci).toEqual([88, 92]);
  });

  it('marks a row whose interval overlaps the leader’s as a tie, and a clearly separated row as not', () => {
    expect(rowOf('close').tie).toBe(true);
    expect(rowOf('behind').tie).toBe(false);
  });

  it('never marks the leader itself, nor a row without an interval, as a tie', () => {
    expect(rowOf('leader').tie).toBe(false);
    // 109 sits inside the leader's interval, but without its own spread nothing can be said.
    expect(rowOf('no-spread')).toMatchObject({ tie: false, ci: null });
  });
});

describe('GET /v1/compare', () => {
  const hub = withHub();
  let alice: string;
  let bob: string;
  const query = (a: string, b: string) => `/v1/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
  const compare = (a: string, b: string) => hub.call<Comparison>('GET', query(a, b));

  beforeAll(async () => {
    alice = await hub.register('alice');
    bob = await hub.register('bob');
  });

  it("calls a clearly separated gain faster, with Welch's interval over both results' repeats", async () => {
    const fast = await publish(hub, alice, { tps: 120, tps_ci: [117.5, 122.5], tps_per_repeat: [120, 121, 119] });
    const plain = await publish(hub, bob, { tps: 100, tps_ci: [97.5, 102.5], tps_per_repeat: [100, 101, 99] });
    const res = await compare(fast, plain);
    expect(res.status, res.text).toBe(200);
    const c = res.body;
    expect(c.method).toBe('welch');
    expect(c.a).toMatchObject({ filename: fast, agent: 'alice', score: 120, ci: [117.5, 122.5], repeats: 3 });
    expect(c.b).toMatchObject({ filename: plain, agent: 'bob', score: 100, repeats: 3 });
    expect(c.difference).toBeCloseTo(20, 10);
    expect(c.ratio).toBeCloseTo(1.2, 10);
    // Variance 1 a side, 3 runs each: se = sqrt(2/3), df = 4, t = 2.776 -> 20 ± 2.2666.
    expect(c.interval![0]).toBeCloseTo(20 - 2.2666, 3);
    expect(c.interval![1]).toBeCloseTo(20 + 2.2666, 3);
    expect(c.interval![0]).toBeLessThanOrEqual(c.difference);
    expect(c.interval![1]).toBeGreaterThanOrEqual(c.difference);
    expect(c.verdict).toBe('faster');

    const reverse = (await compare(plain, fast)).body;
    expect(reverse.difference).toBeCloseTo(-20, 10);
    expect(reverse.interval![1]).toBeLessThan(0);
    expect(reverse.verdict).toBe('slower');
  });

  it('calls a difference inside the noise a tie', async () => {
    const a = await publish(hub, alice, { tps: 100, tps_per_repeat: [100, 104, 96] });
    const b = await publish(hub, bob, { tps: 101, tps_per_repeat: [101, 97, 105] });
    const c = (await compare(a, b)).body;
    expect(c.method).toBe('welch');
    expect(c.difference).toBeCloseTo(-1, 10);
    expect(c.interval![0]).toBeLessThan(0);
    expect(c.interval![1]).toBeGreaterThan(0);
    expect(c.verdict).toBe('tie');
  });

  it('falls back to the two results’ own intervals, conservatively, when there are no repeats', async () => {
    const a = await publish(hub, alice, { tps: 110, tps_ci: [108, 112] });
    const b = await publish(hub, bob, { tps: 100, tps_ci: [98, 102] });
    const c = (await compare(a, b)).body;
    expect(c.method).toBe('intervals');
    // [a.lo - b.hi, a.hi - b.lo]
    expect(c.interval).toEqual([108 - 102, 112 - 98]);
    expect(c.a.repeats).toBe(0);
    expect(c.verdict).toBe('faster');

    const overlapping = await publish(hub, bob, { tps: 109, tps_ci: [105, 111] });
    const tie = (await compare(a, overlapping)).body;
    expect(tie).toMatchObject({ method: 'intervals', interval: [108 - 111, 112 - 105], verdict: 'tie' });
  });

  it('reports the difference but no interval when neither result gives its spread', async () => {
    const a = await publish(hub, alice, { tps: 130 });
    const b = await publish(hub, bob, { tps: 100 });
    const res = await compare(a, b);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      method: 'none',
      interval: null,
      verdict: 'tie',
      a: { ci: null, repeats: 0 },
      b: { ci: null, repeats: 0 },
    });
    expect(res.body.difference).toBeCloseTo(30, 10);
    expect(res.body.ratio).toBeCloseTo(1.3, 10);
  });

  it('answers 404 naming which side is unknown, and 400 when a side is missing', async () => {
    const known = await publish(hub, alice, { tps: 100 });
    const missingA = await hub.call('GET', query('20990101-000000-000_ghost.md', known));
    expect(missingA.status).toBe(404);
    expect(missingA.body.error.code).toBe('NOT_FOUND');
    expect(missingA.body.error.message).toMatch(/^a: .*20990101-000000-000_ghost\.md/);
    const missingB = await hub.call('GET', query(known, '20990101-000000-000_ghost.md'));
    expect(missingB.status).toBe(404);
    expect(missingB.body.error.message).toMatch(/^b: /);

    for (const half of [`b=${known}`, `a=${known}`, '']) {
      const res = await hub.call('GET', `/v1/compare?${half}`);
      expect(res.status, half).toBe(400);
      expect(res.body.error.code).toBe('INVALID_QUERY');
    }
  });
});

describe('publishing an interval', () => {
  const hub = withHub();
  let alice: string;
  beforeAll(async () => {
    alice = await hub.register('alice');
  });

  it.each([
    ['one number', [3]],
    ['low above high', [5, 1]],
    ['not a list', 'x'],
  ])('refuses a tps_ci that is %s, naming the field', async (_, tps_ci) => {
    const res = await hub.call('POST', '/v1/results', {
      token: alice,
      body: { content: resultContent({ tps: 100, tps_ci }) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_FRONTMATTER');
    expect(res.body.error.message).toContain('tps_ci');
    expect((await hub.call('GET', '/v1/results')).body.items).toEqual([]);
  });
});
