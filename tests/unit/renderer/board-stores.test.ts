// The board's stores against a real hub: the list's page, live arrivals, channels and unread counts, threads, refs, drafts.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resultMarkdown, startTestHub, type TestHub } from '../../helpers/test-hub';
import { ALL, GENERAL } from '../../../src/renderer/src/model/board-view';
import { threadDraftKey, useBoardComposer } from '../../../src/renderer/src/stores/board-composer-store';
import { useBoardMessages } from '../../../src/renderer/src/stores/board-messages-store';
import { postToBoard } from '../../../src/renderer/src/stores/board-post';
import { useBoardRefs } from '../../../src/renderer/src/stores/board-refs-store';
import { useBoardThread } from '../../../src/renderer/src/stores/board-thread-store';
import { deadHubUrl, routeFetchTo, signIn } from './hub-fetch';

let hub: TestHub;
let alice: string;
let undoFetch: () => void;

const messages = () => useBoardMessages.getState();
const bodies = () => messages().messages.map((m) => m.body.trim());

async function agentPost(body: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/messages', { token: alice, body });
  expect(res.status).toBe(201);
  return res.body.filename as string;
}

beforeAll(async () => {
  hub = await startTestHub();
  alice = await hub.register('alice');
  const tf = await hub.call('POST', '/v1/channels', {
    token: alice,
    body: { name: 'draft-depth', body: 'Which draft depth pays off on this GPU?' },
  });
  expect(tf.status).toBe(201);
  undoFetch = routeFetchTo(hub.url);
  signIn(hub.organizerToken);
});

afterAll(async () => {
  signIn(null);
  undoFetch();
  await hub.stop(true);
});

beforeEach(() => {
  useBoardMessages.setState({ view: { channel: ALL, q: '', mine: false }, me: 'human', unread: {} });
  useBoardThread.setState({ thread: null });
});

describe('board message list', () => {
  it("reads the view oldest first, with the hub's count", async () => {
    await agentPost({ body: 'first words' });
    await agentPost({ body: 'second words' });
    await messages().reload();
    expect(messages().status).toBe('ready');
    expect(bodies().slice(-2)).toEqual(['first words', 'second words']);
    expect(messages().total).toBe(messages().messages.length);
  });

  it('shows a post at once when the dashboard sends it, counted once even when the stream brings it again', async () => {
    await messages().reload();
    const before = messages().total!;
    const created = await postToBoard({ body: 'posted from the desk' });
    expect(bodies().at(-1)).toBe('posted from the desk');
    expect(messages().total).toBe(before + 1);
    const again = (await hub.call('GET', `/v1/messages/${created.filename}`)).body;
    messages().receive(again);
    expect(messages().messages.filter((m) => m.filename === created.filename)).toHaveLength(1);
    expect(messages().total).toBe(before + 1);
  });

  it('counts a post in another channel as unread there, and clears it when the person opens that channel', async () => {
    messages().setView({ channel: GENERAL });
    await vi.waitFor(() => expect(messages().status).toBe('ready'));
    await postToBoard({ body: 'news for the channel', channel: 'draft-depth' });
    expect(bodies()).not.toContain('news for the channel');
    expect(messages().unread['draft-depth']).toBe(1);
    messages().setView({ channel: 'draft-depth' });
    expect(messages().unread['draft-depth']).toBeUndefined();
    await vi.waitFor(() => expect(messages().status).toBe('ready'));
    expect(bodies()).toEqual(['news for the channel']);
  });

  it("lists only what a search matches, and the hub's match count", async () => {
    await agentPost({ body: 'zebra stripes measured' });
    await agentPost({ body: 'nothing to see' });
    messages().setView({ q: 'zebra' });
    await vi.waitFor(() => expect(messages().status).toBe('ready'));
    expect(bodies()).toEqual(['zebra stripes measured']);
    expect(messages().total).toBe(1);
  });

  it('keeps a failed read as the error the person can act on', async () => {
    const undo = routeFetchTo(await deadHubUrl());
    try {
      await messages().reload();
    } finally {
      undo();
      routeFetchTo(hub.url);
    }
    expect(messages().status).toBe('failed');
    // The hub's own hint on what to do comes with it.
    expect(messages().error).toMatch(/hub.*—.*collab-desk hub/);
  });
});

describe('board thread', () => {
  it('opens the thread of a reply: the root, its replies in order, the reply in focus, the count on the root', async () => {
    const root = await agentPost({ body: 'thread root' });
    const r1 = await agentPost({ body: 'reply one', reply_to: root });
    await agentPost({ body: 'reply two', reply_to: root });
    await messages().reload();
    expect(await useBoardThread.getState().openThread(r1)).toBe('message');
    const thread = useBoardThread.getState().thread!;
    expect(thread).toMatchObject({ root, focus: r1, status: 'ready', more: 0 });
    expect(thread.rootItem?.body.trim()).toBe('thread root');
    expect(thread.replies.map((r) => r.body.trim())).toEqual(['reply one', 'reply two']);
    expect(messages().replyCounts[root]).toBe(2);
  });

  it('adds a reply sent from the thread pane at the end, and counts it once', async () => {
    const root = await agentPost({ body: 'another root' });
    await agentPost({ body: 'early reply', reply_to: root });
    await useBoardThread.getState().openThread(root);
    const sent = await postToBoard({ body: 'my reply', reply_to: root });
    expect(useBoardThread.getState().thread!.replies.map((r) => r.body.trim())).toEqual(['early reply', 'my reply']);
    messages().receive((await hub.call('GET', `/v1/messages/${sent.filename}`)).body);
    expect(messages().replyCounts[root]).toBe(2);
  });

  it("carries a reply typed while the thread loaded under a reply's name over to the thread's root", async () => {
    const root = await agentPost({ body: 'root for drafts' });
    const reply = await agentPost({ body: 'a reply', reply_to: root });
    useBoardMessages.setState({ messages: [] });
    useBoardComposer.getState().setDraft(threadDraftKey(reply), 'half a thought');
    await useBoardThread.getState().openThread(reply);
    expect(useBoardComposer.getState().drafts[threadDraftKey(root)]).toBe('half a thought');
    expect(useBoardComposer.getState().drafts[threadDraftKey(reply)]).toBeUndefined();
  });

  it("says a result's name is a result and an unknown name is missing, and remembers both", async () => {
    const res = await hub.call('POST', '/v1/results', { token: alice, body: { content: resultMarkdown() } });
    expect(res.status).toBe(201);
    const result = res.body.filename as string;
    expect(await useBoardThread.getState().openThread(result)).toBe('result');
    expect(useBoardThread.getState().thread).toBeNull();
    expect(await useBoardThread.getState().openThread('20200101-000000_nobody.md')).toBe('missing');
    expect(useBoardRefs.getState().refKinds).toMatchObject({
      [result]: 'result',
      '20200101-000000_nobody.md': 'missing',
    });
  });
});

describe('board refs', () => {
  it('looks up what a cited name is: a message, or nothing on this hub', async () => {
    const cited = await agentPost({ body: 'cited later' });
    useBoardMessages.setState({ messages: [] });
    useBoardRefs.getState().resolveRef(cited);
    useBoardRefs.getState().resolveRef('20200101-000000_ghost.md');
    await vi.waitFor(() =>
      expect(useBoardRefs.getState().refKinds).toMatchObject({
        [cited]: 'message',
        '20200101-000000_ghost.md': 'missing',
      }),
    );
  });

  it('keeps nothing when the hub cannot say, so the ref asks again', async () => {
    const dead = await deadHubUrl();
    const refused = new Promise<void>((resolve) => {
      const realFetch = globalThis.fetch;
      globalThis.fetch = (async (input: string, init?: RequestInit) => {
        try {
          return await realFetch(dead + input, init);
        } finally {
          globalThis.fetch = realFetch;
          resolve();
        }
      }) as typeof fetch;
    });
    useBoardRefs.getState().resolveRef('20200101-000000_unasked.md');
    await refused;
    expect(useBoardRefs.getState().refKinds['20200101-000000_unasked.md']).toBeUndefined();
    // The ref shows again (each render asks): once the failed look-up is over, the hub is asked anew.
    await vi.waitFor(() => {
      useBoardRefs.getState().resolveRef('20200101-000000_unasked.md');
      expect(useBoardRefs.getState().refKinds['20200101-000000_unasked.md']).toBe('missing');
    });
  });
});
