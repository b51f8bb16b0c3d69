// The Public frontier stores against a real hub with the mirror attached, over the public-collab stand-in: follow and the
// first pass heard live, its leaderboard with verdicts and this hub's results placed against it, its board with
// channels and refs, new records and verdicts arriving on `mirror.updated`, refusals in the hub's words, unfollow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreApi, UseBoundStore } from 'zustand';
import type { MirroredCollab } from '../../../src/shared/mirror-api';
import { createMirrorService } from '../../../src/sync/mirror-service';
import { liveEvents } from '../../../src/renderer/src/connection/live-events';
import {
  beats,
  freshnessOf,
  hardwareVerdict,
  placeLocal,
  publicBoardOf,
  publicHardware,
  wouldRank,
  type PublicBoard,
} from '../../../src/renderer/src/model/frontier';
import { GENERAL_BOARD, useFrontierBoard } from '../../../src/renderer/src/stores/frontier-board-store';
import { useFrontierRanking } from '../../../src/renderer/src/stores/frontier-ranking-store';
import { useMirror } from '../../../src/renderer/src/stores/mirror-store';
import { SyncActionError } from '../../../src/renderer/src/stores/sync-problem';
import { startHfBucketStandin, type HfBucketStandin } from '../../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../../helpers/public-collab-standin';
import { resultMarkdown } from '../../helpers/test-hub';
import { withHub } from '../../helpers/with-hub';
import { routeFetchTo, signIn } from './hub-fetch';

const ORG = 'gemma-challenge';
const ID = `${ORG}/gemma`;
const POLL_MS = 100;

const hub = withHub();
let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let undoFetch: () => void;
let alice: string;
let publicResults: string[];
let citing: string;
const releases: Array<() => void> = [];

/** Resolves when the store's state satisfies `ok` (at once if it does): waits on the store's own changes. */
function until<S>(store: UseBoundStore<StoreApi<S>>, ok: (s: S) => boolean, what: string, ms = 20_000): Promise<S> {
  return new Promise((resolve, reject) => {
    if (ok(store.getState())) return resolve(store.getState());
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`never saw ${what}`));
    }, ms);
    const stop = store.subscribe((s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      stop();
      resolve(s);
    });
  });
}

/** The next `mirror.updated` of the collab that satisfies `ok`, as the page hears it. */
function nextPass(ok: (c: MirroredCollab) => boolean = () => true, ms = 20_000): Promise<MirroredCollab> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no such mirror.updated'));
    }, ms);
    const off = liveEvents.on<MirroredCollab>('mirror.updated', (e) => {
      if (e.data.id !== ID || !ok(e.data)) return;
      clearTimeout(timer);
      off();
      resolve(e.data);
    });
  });
}

async function localResult(fields: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/results', { token: alice, body: { content: resultMarkdown(fields) } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [] });
  collab = await startPublicCollabStandin({ hf, org: ORG, slug: 'gemma' });
  collab.setReadme('# Gemma speed challenge\n\nRanked by tps on a10g-small.\n');
  publicResults = collab.seedResults(4, {
    agents: ['ada', 'bo', 'cy', 'di'],
    score: (i) => 100 + i * 20,
    verification: (i) => (i === 3 ? 'valid' : 'pending'),
  });
  collab.seedChannel('draft-depth', 'Which draft depth pays off?', { members: [{ handle: 'ada' }] });
  collab.seedMessages(3, { agents: ['ada', 'bo'], body: (i) => `board news ${i}` });
  collab.seedMessages(2, { agents: ['ada'], channel: 'draft-depth', body: (i) => `depth ${i + 3} tried` });
  citing = collab.seedMessages(1, {
    agents: ['cy'],
    body: () => 'Building on **the best** run.',
    refs: () => [publicResults[3]!, '20200101-000000-000_nobody.md'],
  })[0]!;

  const mirror = createMirrorService({
    record: hub.running.hub.mirrorRecord,
    hfEndpoint: hf.url,
    pollMs: POLL_MS,
    maxBackoffMs: POLL_MS * 4,
  });
  hub.running.attachMirror(mirror);
  mirror.start();

  alice = await hub.register('alice');
  undoFetch = routeFetchTo(hub.url);
  signIn(hub.organizerToken);
  liveEvents.start();
  await new Promise<void>((resolve) => {
    if (liveEvents.state === 'live') return resolve();
    const off = liveEvents.onState((s) => {
      if (s === 'live') {
        off();
        resolve();
      }
    });
  });
  releases.push(
    useMirror.getState().connect(),
    useFrontierRanking.getState().connect(),
    useFrontierBoard.getState().connect(),
  );
}, 60_000);

afterAll(async () => {
  releases.forEach((release) => release());
  liveEvents.stop();
  signIn(null);
  undoFetch?.();
  await hub.running.hub.mirror?.close();
  await collab?.close();
  await hf?.close();
});

describe('followed collabs', () => {
  it('lists none at first, then follows one and hears its first pass live', async () => {
    await useMirror.getState().load();
    expect(useMirror.getState()).toMatchObject({ collabs: [], loaded: true, problem: null });
    const caughtUp = nextPass((c) => c.caught_up_at !== null);
    const followed = await useMirror.getState().follow(collab.apiUrl);
    expect(followed.id).toBe(ID);
    expect(useMirror.getState().collabs.map((c) => c.id)).toEqual([ID]);
    await caughtUp;
    const c = await until(useMirror, (s) => s.collabs[0]?.caught_up_at != null, 'the first pass in the store');
    expect(freshnessOf(c.collabs[0]!).kind).toBe('live');
    expect(c.collabs[0]!.counts).toMatchObject({ message: 6, result: 4, channel: 1 });
  });

  it("keeps a refusal in the hub's words", async () => {
    const refused = await useMirror
      .getState()
      .follow(hf.url)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SyncActionError);
    expect((refused as SyncActionError).problem.code).not.toBe('UNKNOWN');
    expect(useMirror.getState().collabs.map((c) => c.id)).toEqual([ID]);
  });

  it('refreshes on demand: the pass has ended when it answers', async () => {
    await useMirror.getState().refresh(ID);
    expect(useMirror.getState().busy[ID]).toBeUndefined();
    expect(useMirror.getState().actionErrors[ID]).toBeUndefined();
    expect(useMirror.getState().collabs[0]!.checked_at).not.toBeNull();
  });
});

describe("the collab's leaderboard against this hub's results", () => {
  it('reads its rows with their verification, its rules, and this hub results placed against it', async () => {
    await localResult({ tps: 150, hardware: 'cpu-x86-8c', method: 'draft depth 3' });
    await localResult({ tps: 90, hardware: 'cpu-x86-8c' });
    await useFrontierRanking.getState().show(ID);
    const s = useFrontierRanking.getState();
    expect(s.publicStatus).toBe('ready');
    expect(s.rules).toContain('Ranked by tps on a10g-small');
    expect(s.localScoring?.score_field).toBe('tps');
    const board = publicBoardOf(s.leaderboard, { score_field: 'tps', score_order: 'desc' })!;
    expect(board.rows.map((r) => [r.agent, r.score, r.verification])).toEqual([
      ['di', 160, 'valid'],
      ['cy', 140, 'pending'],
      ['bo', 120, 'pending'],
      ['ada', 100, 'pending'],
    ]);
    // The public results name no hardware: nothing is guessed, the rules are the word.
    const ranked = publicHardware(s.results, s.ownHardware === true);
    expect(ranked).toEqual({ kind: 'unknown' });
    const placed = placeLocal(s.localResults, board, ranked);
    expect(placed.map((p) => [p.score, p.rank, p.hardware, p.exploratory])).toEqual([
      [150, 2, 'cpu-x86-8c', null],
      [90, 5, 'cpu-x86-8c', null],
    ]);
    expect(placed[0]!.hardwareNote).toContain('its rules do');
  });

  it('a verdict and a new public result arrive on the next pass', async () => {
    collab.setVerification(publicResults[2]!, 'valid');
    const [fresh] = collab.seedResults(1, { agents: ['eve'], score: () => 999 });
    const s = await until(
      useFrontierRanking,
      (x) => {
        const rows = publicBoardOf(x.leaderboard, { score_field: 'tps', score_order: 'desc' })?.rows ?? [];
        return rows[0]?.filename === fresh && rows.some((r) => r.agent === 'cy' && r.verification === 'valid');
      },
      'the verdict and the new leader',
    );
    expect(s.results.find((r) => r.filename === publicResults[2])?.verification).toBe('valid');
  });

  it('a new local result is placed at once (its result event)', async () => {
    const filename = await localResult({ tps: 1200, hardware: 'a10g-small' });
    const s = await until(
      useFrontierRanking,
      (x) => x.localResults.some((r) => r.filename === filename),
      'the new local result',
    );
    const board = publicBoardOf(s.leaderboard, { score_field: 'tps', score_order: 'desc' })!;
    expect(placeLocal(s.localResults, board, { kind: 'unknown' })[0]).toMatchObject({ filename, rank: 1 });
  });
});

describe("the collab's board", () => {
  it('reads the newest messages, newest first, with its channels', async () => {
    await useFrontierBoard.getState().show(ID);
    const s = useFrontierBoard.getState();
    expect(s.status).toBe('ready');
    expect(s.messages[0]!.filename).toBe(citing);
    expect(s.messages.map((m) => m.filename)).toEqual([...s.messages.map((m) => m.filename)].sort().reverse());
    expect(s.channels.map((c) => c.filename)).toEqual(['draft-depth']);
    expect(s.channels[0]!.frontmatter).toMatchObject({ name: 'draft-depth', message_count: 2 });
    const inChannel = s.messages.filter((m) => m.frontmatter.channel === 'draft-depth');
    expect(inChannel.map((m) => m.body.trim()).sort()).toEqual(['depth 3 tried', 'depth 4 tried']);
    expect(s.messages[0]!.url).toBe(`${collab.apiUrl}/v1/messages/${citing}`);
    useFrontierBoard.getState().setChannel(GENERAL_BOARD);
    expect(useFrontierBoard.getState().channel).toBe(GENERAL_BOARD);
  });

  it("resolves a message's refs in the copy: the cited result is there, a name it lacks is missing", async () => {
    const refs = [publicResults[3]!, '20200101-000000-000_nobody.md'];
    refs.forEach((r) => useFrontierBoard.getState().resolveRef(r));
    const s = await until(useFrontierBoard, (x) => refs.every((r) => r in x.refKinds), 'both refs resolved');
    expect(s.refKinds).toMatchObject({ [refs[0]!]: 'result', [refs[1]!]: 'missing' });
  });

  it('opens a cited record whole, and says when the copy lacks one', async () => {
    await useFrontierBoard.getState().open(publicResults[3]!);
    const opened = useFrontierBoard.getState().opened;
    expect(opened).toMatchObject({ status: 'ready', kind: 'result' });
    if (opened?.status !== 'ready') throw new Error('not opened');
    expect(opened.record).toMatchObject({ origin: ID, verification: 'valid' });
    expect(opened.record.frontmatter.tps).toBe(160);
    await useFrontierBoard.getState().open(citing);
    expect(useFrontierBoard.getState().opened).toMatchObject({ status: 'ready', kind: 'message' });
    await useFrontierBoard.getState().open('20200101-000000-000_nobody.md');
    expect(useFrontierBoard.getState().opened).toMatchObject({ status: 'missing' });
  });

  it('a new public message shows up on the pass that reads it', async () => {
    const [fresh] = collab.seedMessages(1, { agents: ['bo'], body: () => 'fresh from the public board' });
    const s = await until(useFrontierBoard, (x) => x.messages[0]?.filename === fresh, 'the new message');
    expect(s.messages[0]!.body.trim()).toBe('fresh from the public board');
  });
});

describe('unfollowing', () => {
  it('drops the collab from the list; the hub no longer serves its copy', async () => {
    await useMirror.getState().unfollow(ID);
    expect(useMirror.getState().collabs).toEqual([]);
    expect(useMirror.getState().actionErrors[ID]).toBeUndefined();
    expect((await hub.call('GET', `/v1/mirror/${ID}/records`)).status).toBe(404);
    // A second unfollow is refused in the hub's words and kept for the view.
    await useMirror.getState().unfollow(ID);
    expect(useMirror.getState().actionErrors[ID]).toContain(`does not follow ${ID}`);
  });
});

describe('the frontier model', () => {
  const board: PublicBoard = {
    score_field: 'tps',
    order: 'desc',
    rows: [100, 80, 80, 50].map((score, i) => ({
      rank: i + 1,
      agent: `a${i}`,
      hf_user: null,
      score,
      method: '',
      verification: 'pending',
      filename: `2026010${i}-000000-000_a${i}.md`,
      timestamp: '',
      description: '',
    })),
  };

  it('places a score after every row that beats or ties it, in either direction', () => {
    expect([120, 100, 90, 80, 10].map((s) => wouldRank(s, board))).toEqual([1, 2, 2, 4, 5]);
    const asc = { ...board, order: 'asc' as const };
    expect(wouldRank(60, asc)).toBe(2);
    expect(beats(1, 2, 'asc')).toBe(true);
  });

  it('says exploratory only when the collab says what it ranks', () => {
    expect(hardwareVerdict('h100', { kind: 'own-hardware' }).exploratory).toBe(true);
    expect(hardwareVerdict('h100', { kind: 'classes', classes: ['h100'] }).exploratory).toBe(false);
    const other = hardwareVerdict('cpu', { kind: 'classes', classes: ['a10g-small'] });
    expect(other).toEqual({
      exploratory: true,
      note: 'exploratory: measured on cpu; the public results were measured on a10g-small',
    });
    expect(hardwareVerdict(null, { kind: 'unknown' }).exploratory).toBeNull();
  });

  it('reads rows defensively and reads offline copies with their age', () => {
    const read = publicBoardOf(
      { rows: [{ score: 'fast', filename: 'x.md' }, { score: 3, filename: 'y.md' }, null] },
      { score_field: 'tps', score_order: 'asc' },
    );
    expect(read).toMatchObject({ score_field: 'tps', order: 'asc' });
    expect(read!.rows.map((r) => r.filename)).toEqual(['y.md']);
    expect(freshnessOf({ live: false, caught_up_at: '2026-01-01T00:00:00Z', problem: 'unreachable' })).toEqual({
      kind: 'offline',
      caughtUpAt: '2026-01-01T00:00:00Z',
      problem: 'unreachable',
    });
    expect(freshnessOf({ live: true, caught_up_at: null, problem: null }).kind).toBe('first-read');
  });
});
