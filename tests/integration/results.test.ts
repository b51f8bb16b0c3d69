// Results and the leaderboard: what counts, how it ranks, who decides verification.
import { beforeAll, describe, expect, it } from 'vitest';
import { resultMarkdown, startTestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
const tokens: Record<string, string> = {};
beforeAll(async () => {
  for (const id of ['ann', 'bo', 'cat', 'dee']) tokens[id] = await hub.register(id);
});

async function publish(agent: string, fields: Record<string, unknown>, body?: string): Promise<string> {
  const res = await hub.call('POST', '/v1/results', {
    token: tokens[agent],
    body: { content: resultMarkdown(fields, body) },
  });
  if (res.status !== 201) throw new Error(`${res.status} ${res.text}`);
  return res.body.filename as string;
}

const rows = async (query = '') =>
  (await hub.call('GET', `/v1/leaderboard${query}`)).body.rows as Array<Record<string, unknown>>;

describe('publishing', () => {
  it('stamps the result and keeps every client field, via raw for inline content or bucket for a file', async () => {
    const filename = await publish('ann', {
      tps: 120.5,
      method: 'draft K=4',
      description: 'first try',
      draft_n_max: 4,
    });
    const got = await hub.call('GET', `/v1/results/${filename}`);
    expect(got.body).toMatchObject({
      filename,
      frontmatter: {
        tps: 120.5,
        ppl: 2.3,
        method: 'draft K=4',
        status: 'agent-run',
        description: 'first try',
        draft_n_max: 4,
        agent: 'ann',
        via: 'raw',
      },
      verification: 'pending',
      verdict: { state: 'pending', by: null, history: [] },
    });
    await hub.call('PUT', '/v1/scratch/bo/results/r.md', { token: tokens.bo, raw: resultMarkdown({ tps: 90 }) });
    const fromFile = await hub.call('POST', '/v1/results', { token: tokens.bo, body: { source: 'results/r.md' } });
    expect(fromFile.status).toBe(201);
    expect(fromFile.body.via).toBe('bucket');
  });

  it('answers a retry of the same bytes with 409 naming the first result', async () => {
    const content = resultMarkdown({ tps: 77.7, description: 'retry me' });
    const first = await hub.call('POST', '/v1/results', { token: tokens.cat, body: { content } });
    const again = await hub.call('POST', '/v1/results', { token: tokens.cat, body: { content } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'ALREADY_PROMOTED',
      hint: `existing filename: ${first.body.filename}`,
    });
  });

  it('refuses results whose required fields are missing or malformed, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ tps: undefined }, /missing required field: tps/],
      [{ ppl: undefined }, /missing required field: ppl/],
      [{ description: undefined }, /missing required field: description/],
      [{ tps: 0 }, /`tps` must be a positive number/],
      [{ tps: -3 }, /`tps` must be a positive number/],
      [{ tps: true }, /`tps` must be a positive number/],
      [{ tps: 'fast' }, /`tps` must be a positive number/],
      [{ ppl: 'low' }, /`ppl` must be a positive number/],
      [{ status: 'done' }, /`status` must be one of agent-run, negative/],
    ];
    for (const [fields, message] of cases) {
      const res = await hub.call('POST', '/v1/results', {
        token: tokens.dee,
        body: { content: resultMarkdown(fields) },
      });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_FRONTMATTER');
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.hint).toContain('tps: 123.4');
    }
    expect((await hub.call('GET', '/v1/results?agent=dee')).body.matched).toBe(0);
  });
});

describe('the leaderboard', () => {
  it('ranks best per agent, leaves negatives off, and breaks ties to the earlier result', async () => {
    await publish('ann', { tps: 150, description: 'ann best' });
    await publish('ann', { tps: 140, description: 'ann second' });
    await publish('cat', { tps: 150, description: 'cat ties ann later' });
    await publish('dee', { tps: 500, status: 'negative', description: 'broke the output' });
    const board = await rows();
    expect(board.map((r) => [r.rank, r.agent, r.score])).toEqual([
      [1, 'ann', 150],
      [2, 'cat', 150],
      [3, 'bo', 90],
    ]);
    const all = await rows('?best_per_agent=false');
    expect(all.filter((r) => r.agent === 'ann').map((r) => r.score)).toEqual([150, 140, 120.5]);
    const meta = (await hub.call('GET', '/v1/leaderboard')).body.meta;
    expect(meta.excluded.status_negative).toBe(1);
  });

  it('keeps global ranks when filtered by agent, and honours limit', async () => {
    expect((await rows('?agent=cat')).map((r) => [r.rank, r.agent])).toEqual([[2, 'cat']]);
    expect(await rows('?limit=1')).toHaveLength(1);
  });

  it('drops invalid results, and lists only what the verification filter asks for', async () => {
    const catBest = (await rows('?agent=cat'))[0]!.filename as string;
    const res = await hub.call('POST', `/v1/results/${catBest}/verdict`, {
      token: hub.organizerToken,
      body: { verdict: 'invalid', note: 'output diverged' },
    });
    expect(res.status).toBe(200);
    expect(res.body.verdict).toMatchObject({ state: 'invalid', by: 'human-organizer', note: 'output diverged' });
    const board = await rows();
    expect(board.find((r) => r.filename === catBest)).toBeUndefined();
    expect(board.find((r) => r.agent === 'cat')?.score).toBe(77.7);
    const annBest = board[0]!.filename as string;
    await hub.call('POST', `/v1/results/${annBest}/verdict`, { token: hub.organizerToken, body: { verdict: 'valid' } });
    expect((await rows('?verification=valid')).map((r) => r.filename)).toEqual([annBest]);
    expect((await rows('?verification=invalid')).map((r) => r.filename)).toContain(catBest);
  });

  it("lets the organizer's verdict win over the verifier's", async () => {
    const filename = await publish('bo', { tps: 95, description: 'claim to verify' });
    await hub.running.hub.write(() => {
      hub.running.hub.results.setVerdict(filename, 'invalid', 'verifier', 'verifier', 'tps off by 9%', Date.now());
      return { result: null, effect: { actor: 'verifier', action: 'result.verdict', target: filename } };
    });
    expect((await hub.call('GET', `/v1/results/${filename}`)).body.verification).toBe('invalid');
    await hub.call('POST', `/v1/results/${filename}/verdict`, {
      token: hub.organizerToken,
      body: { verdict: 'valid', note: 'rerun was fine' },
    });
    await hub.running.hub.write(() => {
      hub.running.hub.results.setVerdict(filename, 'invalid', 'verifier', 'verifier', 'second rerun', Date.now());
      return { result: null, effect: { actor: 'verifier', action: 'result.verdict', target: filename } };
    });
    const got = await hub.call('GET', `/v1/results/${filename}`);
    expect(got.body.verification).toBe('valid');
    expect(
      got.body.verdict.history.map((h: { authority: string; state: string }) => `${h.authority}:${h.state}`),
    ).toEqual(['verifier:invalid', 'organizer:valid', 'verifier:invalid']);
  });

  it('leaves results over the guardrail cap off the board when a cap is configured', async () => {
    const capped = await startTestHub({ results: { guardrail_max: 2.5 } as never });
    try {
      const t = await capped.register('eve');
      await capped.call('POST', '/v1/results', { token: t, body: { content: resultMarkdown({ tps: 300, ppl: 3.1 }) } });
      await capped.call('POST', '/v1/results', { token: t, body: { content: resultMarkdown({ tps: 110, ppl: 2.4 }) } });
      const board = (await capped.call('GET', '/v1/leaderboard')).body;
      expect(board.rows.map((r: { score: number }) => r.score)).toEqual([110]);
      expect(board.meta.excluded.guardrail_exceeded).toBe(1);
      expect(board.guardrail_max).toBe(2.5);
    } finally {
      await capped.stop(true);
    }
  });

  it('only the organizer sets verdicts', async () => {
    const filename = await publish('dee', { tps: 60 });
    const res = await hub.call('POST', `/v1/results/${filename}/verdict`, {
      token: tokens.ann,
      body: { verdict: 'invalid' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('NOT_ORGANIZER');
  });
});
