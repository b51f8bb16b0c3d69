// Publishing and ranking results on a real record: frontmatter checks, duplicates, verdicts, and what the leaderboard leaves off.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareResults } from '../../../src/hub/compare';
import { buildLeaderboard } from '../../../src/hub/leaderboard';
import { publishResult } from '../../../src/hub/results';
import type { Hub } from '../../../src/hub/hub';
import type { Caller } from '../../../src/hub/identity';
import { addAgent, installPack, openRecord, organizerOf, resultText, type TestRecord } from './test-record';

let record: TestRecord;
beforeEach(() => {
  record = openRecord();
});
afterEach(() => record.close());

const publish = async (hub: Hub, caller: Caller, fields: Record<string, unknown>) =>
  (await publishResult(hub, caller, { content: resultText(fields) })).filename;
const ranked = (hub: Hub, query = {}) => buildLeaderboard(hub, query).rows.map((r) => [r.agent, r.score]);

async function setVerdict(
  hub: Hub,
  filename: string,
  verdict: 'valid' | 'invalid' | 'pending',
  authority: 'organizer' | 'verifier',
) {
  await hub.write(() => {
    hub.results.setVerdict(
      filename,
      verdict,
      authority === 'organizer' ? hub.organizerHandle : 'hub',
      authority,
      '',
      hub.now(),
    );
    return { result: null, effect: { actor: 'test', action: 'result.verdict', target: filename } };
  });
}

describe('publishing a result', () => {
  it('refuses frontmatter without a required field, naming the field', async () => {
    const alice = await addAgent(record.hub, 'alice');
    await expect(
      publishResult(record.hub, alice, { content: resultText({ method: undefined }) }),
    ).rejects.toMatchObject({
      code: 'INVALID_FRONTMATTER',
      message: expect.stringContaining('method'),
    });
  });

  it('refuses a score that is not a positive number, and a status it does not know', async () => {
    const alice = await addAgent(record.hub, 'alice');
    await expect(publish(record.hub, alice, { tps: 0 })).rejects.toMatchObject({
      code: 'INVALID_FRONTMATTER',
      message: expect.stringContaining('tps'),
    });
    await expect(publish(record.hub, alice, { status: 'winner' })).rejects.toMatchObject({
      code: 'INVALID_FRONTMATTER',
      message: expect.stringContaining('status'),
    });
  });

  it('publishes the same bytes once and names the existing file on a second try', async () => {
    const alice = await addAgent(record.hub, 'alice');
    const first = await publish(record.hub, alice, { tps: 120 });
    await expect(publish(record.hub, alice, { tps: 120 })).rejects.toMatchObject({
      code: 'ALREADY_PROMOTED',
      hint: expect.stringContaining(first),
    });
  });

  it('is pending on a hub without a challenge, and unverified by hand on a hub that measures results itself', async () => {
    const alice = await addAgent(record.hub, 'alice');
    const before = await publish(record.hub, alice, { tps: 120 });
    installPack(record.hub);
    const after = await publish(record.hub, alice, { tps: 130 });
    expect(record.hub.results.get(before)!.verification).toBe('pending');
    expect(record.hub.results.get(after)!.verification).toBe('unverified');
    // Unverified results are off the default leaderboard; asking for them shows them.
    expect(ranked(record.hub)).toEqual([['alice', 120]]);
    expect(ranked(record.hub, { verification: 'unverified' })).toEqual([['alice', 130]]);
  });
});

describe('the leaderboard', () => {
  it('ranks higher TPS first, one row per agent (its best), ties to the earlier result', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    const carol = await addAgent(hub, 'carol');
    await publish(hub, alice, { tps: 110 });
    await publish(hub, bob, { tps: 150 });
    await publish(hub, alice, { tps: 140 });
    await publish(hub, carol, { tps: 140, description: 'same score, later' });
    expect(ranked(hub)).toEqual([
      ['bob', 150],
      ['alice', 140],
      ['carol', 140],
    ]);
    expect(ranked(hub, { best_per_agent: false })).toHaveLength(4);
  });

  it('ranks lower first when the config says lower is better', async () => {
    record.close();
    record = openRecord({ results: { order: 'asc' } as never });
    const alice = await addAgent(record.hub, 'alice');
    const bob = await addAgent(record.hub, 'bob');
    await publish(record.hub, alice, { tps: 110 });
    await publish(record.hub, bob, { tps: 90 });
    expect(ranked(record.hub)).toEqual([
      ['bob', 90],
      ['alice', 110],
    ]);
  });

  it('leaves negative results off and counts them', async () => {
    const alice = await addAgent(record.hub, 'alice');
    await publish(record.hub, alice, { tps: 200, status: 'negative' });
    await publish(record.hub, alice, { tps: 100 });
    const board = buildLeaderboard(record.hub, {});
    expect(board.rows.map((r) => r.score)).toEqual([100]);
    expect(board.meta.excluded.status_negative).toBe(1);
  });

  it('leaves off results over the guardrail cap', async () => {
    record.close();
    record = openRecord({ results: { guardrail_max: 2.5 } as never });
    const alice = await addAgent(record.hub, 'alice');
    const bob = await addAgent(record.hub, 'bob');
    await publish(record.hub, alice, { tps: 300, ppl: 3.1 });
    await publish(record.hub, bob, { tps: 100, ppl: 2.4 });
    const board = buildLeaderboard(record.hub, {});
    expect(board.rows.map((r) => r.agent)).toEqual(['bob']);
    expect(board.meta.excluded.guardrail_exceeded).toBe(1);
  });

  it("drops a result the organizer rules invalid, and the organizer's verdict outlasts a later verifier's", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    const best = await publish(hub, alice, { tps: 200 });
    await publish(hub, bob, { tps: 150 });
    await setVerdict(hub, best, 'invalid', 'organizer');
    expect(ranked(hub)).toEqual([['bob', 150]]);
    await setVerdict(hub, best, 'valid', 'verifier');
    expect(hub.results.get(best)!.verification).toBe('invalid');
    expect(hub.results.verdictHistory(best).map((h) => [h.verdict, h.authority])).toEqual([
      ['invalid', 'organizer'],
      ['valid', 'verifier'],
    ]);
    expect(ranked(hub)).toEqual([['bob', 150]]);
  });

  it("marks a runner-up whose interval overlaps the leader's as a tie", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    const carol = await addAgent(hub, 'carol');
    await publish(hub, alice, { tps: 150, tps_ci: [145, 155] });
    await publish(hub, bob, { tps: 148, tps_ci: [143, 153] });
    await publish(hub, carol, { tps: 120, tps_ci: [118, 122] });
    expect(buildLeaderboard(hub, {}).rows.map((r) => [r.agent, r.tie])).toEqual([
      ['alice', false],
      ['bob', true],
      ['carol', false],
    ]);
  });

  it('keeps results of different hardware apart unless asked for all', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    await publish(hub, alice, { tps: 100, hardware: 'Test CPU' });
    await publish(hub, bob, { tps: 900, hardware: 'Big GPU' });
    const board = buildLeaderboard(hub, {});
    expect(board.hardware).toBe('Big GPU');
    expect(board.rows).toHaveLength(1);
    expect(buildLeaderboard(hub, { hardware: 'all' }).rows).toHaveLength(2);
  });
});

describe('comparing two results', () => {
  it('calls a difference inside the noise a tie and a clear one faster', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const a = await publish(hub, alice, { tps: 150, tps_per_repeat: [149, 150, 151] });
    const b = await publish(hub, alice, { tps: 149.5, tps_per_repeat: [148, 150, 151], description: 'b' });
    const c = await publish(hub, organizerOf(hub), { tps: 120, tps_per_repeat: [119, 120, 121], description: 'c' });
    expect(compareResults(hub, a, b)).toMatchObject({ verdict: 'tie', method: 'welch' });
    expect(compareResults(hub, a, c)).toMatchObject({ verdict: 'faster' });
    expect(compareResults(hub, c, a)).toMatchObject({ verdict: 'slower' });
  });
});
