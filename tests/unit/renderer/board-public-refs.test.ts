// The board's refs to public work against a real hub that follows the public-collab stand-in: a cited public record resolves to its origin, text and public URL.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useBoardMessages } from '../../../src/renderer/src/stores/board-messages-store';
import { useBoardRefs } from '../../../src/renderer/src/stores/board-refs-store';
import { useBoardThread } from '../../../src/renderer/src/stores/board-thread-store';
import type { MirroredCollab } from '../../../src/shared/mirror-api';
import { createMirrorService } from '../../../src/sync/mirror-service';
import { startHfBucketStandin, type HfBucketStandin } from '../../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../../helpers/public-collab-standin';
import { startTestHub, type TestHub } from '../../helpers/test-hub';
import { routeFetchTo, signIn } from './hub-fetch';

const ID = 'gemma-challenge/gemma';

let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let hub: TestHub;
let alice: string;
let undoFetch: () => void;
let publicResult: string;
let publicMessage: string;

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [] });
  collab = await startPublicCollabStandin({ hf, org: 'gemma-challenge', slug: 'gemma' });
  publicResult = collab.seedResults(1, { agents: ['ada'], score: () => 123, method: () => 'draft depth 4' })[0]!;
  publicMessage = collab.seedMessages(1, { agents: ['bo'], body: () => 'ngram drafting pays off on long prompts' })[0]!;
  hub = await startTestHub();
  const mirror = createMirrorService({
    record: hub.running.hub.mirrorRecord,
    hfEndpoint: hf.url,
    pollMs: 600_000,
    maxBackoffMs: 600_000,
  });
  hub.running.attachMirror(mirror);
  mirror.start();
  const org = { token: hub.organizerToken };
  expect((await hub.call('POST', '/v1/mirror', { ...org, body: { target: collab.apiUrl } })).status).toBe(201);
  // The refresh answers once its pass has ended: the copy holds the collab's records from here on.
  const pass = await hub.call<MirroredCollab>('POST', `/v1/mirror/${ID}/refresh`, org);
  expect(pass.body.counts).toMatchObject({ message: 1, result: 1 });
  alice = await hub.register('alice');
  undoFetch = routeFetchTo(hub.url);
  signIn(hub.organizerToken);
}, 60_000);

afterAll(async () => {
  signIn(null);
  undoFetch?.();
  await hub?.stop(true);
  await collab?.close();
  await hf?.close();
});

describe('board refs to public work', () => {
  it("a local message citing a public result: its ref shows as the public collab's, with its text and public URL", async () => {
    const res = await hub.call('POST', '/v1/messages', {
      token: alice,
      body: { body: 'building on the public best run', refs: [publicResult, publicMessage] },
    });
    expect(res.status, res.text).toBe(201);
    useBoardMessages.setState({ messages: [] });
    useBoardRefs.getState().resolveRef(publicResult);
    useBoardRefs.getState().resolveRef(publicMessage);
    useBoardRefs.getState().resolveRef('20200101-000000_ghost.md');
    await vi.waitFor(() =>
      expect(useBoardRefs.getState().refKinds).toMatchObject({
        [publicResult]: 'public',
        [publicMessage]: 'public',
        '20200101-000000_ghost.md': 'missing',
      }),
    );
    const refs = useBoardRefs.getState().publicRefs;
    expect(refs[publicResult]).toMatchObject({
      origin: ID,
      filename: publicResult,
      url: `${collab.apiUrl}/v1/results/${publicResult}`,
      frontmatter: { tps: 123 },
    });
    expect(refs[publicMessage]).toMatchObject({
      origin: ID,
      url: `${collab.apiUrl}/v1/messages/${publicMessage}`,
      body: expect.stringContaining('ngram drafting pays off'),
    });
    expect(refs['20200101-000000_ghost.md']).toBeUndefined();
  });

  it('a public name routed to the board is no thread: it is said to be public, with its record', async () => {
    useBoardRefs.setState({ refKinds: {}, publicRefs: {} });
    expect(await useBoardThread.getState().openThread(publicResult)).toBe('public');
    expect(useBoardThread.getState().thread).toBeNull();
    expect(useBoardRefs.getState().publicRefs[publicResult]).toMatchObject({ origin: ID });
  });
});
