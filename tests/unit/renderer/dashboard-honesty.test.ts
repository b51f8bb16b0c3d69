// What the dashboard says about verdicts, ranks, durations, sizes and a wrong sign-in: an invalid result is never
// green or ranked, a verdict is said once, numbers read in human units, and the organizer gets the organizer's advice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordItem } from '@shared/api';
import { startTestHub, type TestHub } from '../../helpers/test-hub';
import { verdictHeadline } from '../../../src/hub/jobs/verification';
import { humanBytes } from '../../../src/hub/onboarding';
import { hub as dashboardHub } from '../../../src/renderer/src/connection/hub-api';
import { signInErrorText } from '../../../src/renderer/src/connection/sign-in-error';
import { formatMs, readableJson } from '../../../src/renderer/src/format';
import { displayBody, verdictOf } from '../../../src/renderer/src/model/board-view';
import { rankedPlaces } from '../../../src/renderer/src/panels/leaderboard/result-fields';
import { routeFetchTo, signIn } from './hub-fetch';

const RESULT = '20260101-101500-000_alice.md';

/** A verdict post as the hub's deliverVerdict writes it. */
function verdictPost(verdict: 'valid' | 'invalid' | 'pending' | 'unverified', said: string): RecordItem {
  return {
    filename: '20260101-102000-000_verifier.md',
    frontmatter: { agent: 'verifier', type: 'verification', via: 'server', refs: [RESULT] },
    body:
      `${verdictHeadline('alice', RESULT, verdict)}\n\n` +
      `verification of ${RESULT}: ${said}. greedy output differs on 3 of 8 private prompts.`,
  } as RecordItem;
}

describe('verdict posts', () => {
  it('read the verdict from the first line, so the chips can take its colour', () => {
    expect(verdictOf(verdictPost('invalid', '**invalid**'))).toBe('invalid');
    expect(verdictOf(verdictPost('valid', '**valid**'))).toBe('valid');
    expect(verdictOf(verdictPost('pending', 'no verdict yet'))).toBe('pending');
    expect(verdictOf(verdictPost('unverified', '**unverified**'))).toBe('unverified');
    // Any other post, even one that says INVALID, gives no verdict.
    const plain = { ...verdictPost('invalid', '**invalid**'), frontmatter: { agent: 'alice' } } as RecordItem;
    expect(verdictOf(plain)).toBeNull();
    // A post typed "verification" by an agent is no verdict: only the hub's verifier, stamped via server, is.
    const forged = {
      ...verdictPost('valid', '**valid**'),
      frontmatter: { agent: 'alice', type: 'verification', via: 'raw', refs: [RESULT] },
    } as RecordItem;
    expect(verdictOf(forged)).toBeNull();
  });

  it('say the verdict once and keep the note', () => {
    const body = displayBody(verdictPost('invalid', '**invalid**'));
    expect(body.match(/invalid/gi)).toHaveLength(1);
    expect(body).toContain('came back **INVALID**');
    expect(body).toContain('greedy output differs on 3 of 8 private prompts.');
    expect(displayBody(verdictPost('pending', 'no verdict yet'))).not.toContain('no verdict yet');
  });
});

describe('ranks', () => {
  it('go to ranked results only, and "of N" counts only them', () => {
    const rows = [
      { filename: 'a.md', verification: 'invalid' },
      { filename: 'b.md', verification: 'valid' },
      { filename: 'c.md', verification: 'unverified' },
      { filename: 'd.md', verification: 'pending' },
    ];
    const { places, of } = rankedPlaces(rows);
    expect(places.get('a.md')).toBeUndefined();
    expect(places.get('c.md')).toBeUndefined();
    expect(places.get('b.md')).toBe(1);
    expect(places.get('d.md')).toBe(2);
    expect(of).toBe(2);
  });
});

describe('human units', () => {
  it('durations', () => {
    expect(formatMs(288993)).toBe('4 min 49 s');
    expect(formatMs(850.4)).toBe('850 ms');
    expect(formatMs(4210)).toBe('4.2 s');
    expect(formatMs(42_000)).toBe('42 s');
    expect(formatMs(3_900_000)).toBe('1 h 05 min');
  });

  it('completions decoded once, not double-escaped', () => {
    const inner = JSON.stringify({ body: 'try "draft 4"', limit: 3 });
    const completion = JSON.stringify({ tool: 'post', arguments: inner });
    const shown = readableJson(completion);
    // The arguments read as an object, quotes inside them escaped once, never twice.
    expect(shown).toContain('"arguments": {');
    expect(shown).not.toContain('\\\\');
    expect(JSON.parse(shown)).toEqual({ tool: 'post', arguments: { body: 'try "draft 4"', limit: 3 } });
    // A string that was JSON-encoded once more reads as the string; plain text and truncated JSON stay as they are.
    expect(readableJson(JSON.stringify('hello\nworld'))).toBe('hello\nworld');
    expect(readableJson('I will post a plan.')).toBe('I will post a plan.');
    expect(readableJson('{"body": "cut off')).toBe('{"body": "cut off');
  });

  it('sizes on the onboarding page', () => {
    expect(humanBytes(2147483648)).toBe('2 GiB');
    expect(humanBytes(1610612736)).toBe('1.5 GiB');
    expect(humanBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(humanBytes(900)).toBe('900 B');
  });
});

describe('against a real hub', () => {
  let hub: TestHub;
  let undoFetch: () => void;

  beforeAll(async () => {
    hub = await startTestHub();
    undoFetch = routeFetchTo(hub.url);
  });

  afterAll(async () => {
    signIn(null);
    undoFetch();
    await hub.stop(true);
  });

  it('the onboarding README gives the scratch limits in human units', async () => {
    const res = await hub.call('GET', '/README.md');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/One file may be up to \d+(\.\d)? [KMGT]iB; your folder up to \d+(\.\d)? [KMGT]iB\./);
    expect(res.text).not.toMatch(/\d{6,} bytes/);
  });

  it('a wrong organizer token gets the organizer advice, not the agent advice', async () => {
    signIn('not-the-organizer-token');
    const err = await dashboardHub.me().then(
      () => null,
      (e: unknown) => e,
    );
    signIn(null);
    expect(err).not.toBeNull();
    const text = signInErrorText(err);
    expect(text).toContain('organizer-token');
    expect(text).toContain("not this hub's organizer token");
    expect(text).not.toContain('/v1/agents/register');
  });
});
