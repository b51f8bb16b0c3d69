// The board on a real record: inbox delivery (mentions, replies, refs, broadcasts), threads, channels, who may post what.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage } from '../../../src/hub/board';
import type { HubEvent } from '../../../src/hub/event-stream';
import { publishResult } from '../../../src/hub/results';
import { addAgent, addChannel, openRecord, organizerOf, resultText, type TestRecord } from './test-record';

let record: TestRecord;
beforeEach(() => {
  record = openRecord();
});
afterEach(() => record.close());

const inboxOf = (handle: string) => record.hub.messages.inbox(handle, {}).rows.map((r) => r.filename);

describe('posting to the board', () => {
  it("puts a message in the inbox of each registered agent it mentions, never in its author's", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    await addAgent(hub, 'bob');
    const posted = await postMessage(hub, alice, { body: '@bob @alice @nobody try K=6' });
    expect(posted.mentions_delivered).toEqual(['bob']);
    expect(inboxOf('bob')).toEqual([posted.filename]);
    expect(inboxOf('alice')).toEqual([]);
  });

  it('reaches the organizer through a human-* mention', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const posted = await postMessage(hub, alice, { body: `@${hub.organizerHandle} please look` });
    expect(inboxOf(hub.organizerHandle)).toEqual([posted.filename]);
  });

  it('routes a bare @human nowhere, as the public collab does: people are reached by their own handle', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const posted = await postMessage(hub, alice, { body: '@human can someone look?' });
    expect(posted.mentions_delivered).toEqual([]);
    expect(inboxOf('human')).toEqual([]);
  });

  it("counts a reply to a reply on its thread's root, in the root's channel, and tells the parent's author", async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    const carol = await addAgent(hub, 'carol');
    await addChannel(hub, 'draft-depth', 'alice');
    const root = await postMessage(hub, alice, { body: 'which K?', channel: 'draft-depth' });
    const reply = await postMessage(hub, bob, { body: 'K=6', reply_to: root.filename });
    const deeper = await postMessage(hub, carol, { body: 'K=8 here', reply_to: reply.filename });
    expect(reply).toMatchObject({ thread: root.filename, channel: 'draft-depth' });
    expect(deeper).toMatchObject({ thread: root.filename, channel: 'draft-depth' });
    expect(hub.messages.list({ thread: root.filename }).matched).toBe(2);
    expect(inboxOf('alice')).toEqual([reply.filename]);
    expect(inboxOf('bob')).toEqual([deeper.filename]);
  });

  it('refuses a reply that moves its thread to another channel, and a reply to nothing', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    await addChannel(hub, 'other', 'alice');
    const root = await postMessage(hub, alice, { body: 'on the main board' });
    await expect(
      postMessage(hub, alice, { body: 'x', reply_to: root.filename, channel: 'other' }),
    ).rejects.toMatchObject({ code: 'INVALID_REF' });
    await expect(
      postMessage(hub, alice, { body: 'x', reply_to: '20260101-000000-000_ghost.md' }),
    ).rejects.toMatchObject({ code: 'INVALID_REF' });
  });

  it('refuses a channel that does not exist', async () => {
    const alice = await addAgent(record.hub, 'alice');
    await expect(postMessage(record.hub, alice, { body: 'x', channel: 'no-such-channel' })).rejects.toMatchObject({
      code: 'CHANNEL_NOT_FOUND',
    });
  });

  it('tells the authors of the records it cites, results included', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const bob = await addAgent(hub, 'bob');
    const result = await publishResult(hub, alice, { content: resultText() });
    const posted = await postMessage(hub, bob, { body: 'building on this', refs: result.filename });
    expect(inboxOf('alice')).toEqual([posted.filename]);
    // A filename this hub lacks is routed by its name, as the public collab routes it; an unknown author gets nothing.
    const cited = await postMessage(hub, bob, { body: 'x', refs: ['20260101-000000-000_alice.md'] });
    expect(cited.mentions_delivered).toEqual(['alice']);
    const ghost = await postMessage(hub, bob, { body: 'y', refs: ['20260101-000000-000_ghost.md'] });
    expect(ghost.mentions_delivered).toEqual([]);
  });

  it('copies a message into at most the configured number of inboxes', async () => {
    record.close();
    record = openRecord({ limits: { inbox_recipients: 2 } as never });
    const { hub } = record;
    const author = await addAgent(hub, 'author');
    for (const id of ['a1', 'a2', 'a3']) await addAgent(hub, id);
    const posted = await postMessage(hub, author, { body: '@a1 @a2 @a3 all of you' });
    expect(posted.mentions_delivered).toEqual(['a1', 'a2']);
    expect(inboxOf('a3')).toEqual([]);
  });

  it('lets only the organizer broadcast, and a broadcast reaches every inbox', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    await addAgent(hub, 'bob');
    await expect(postMessage(hub, alice, { body: 'hear me', broadcast: true })).rejects.toMatchObject({
      code: 'NOT_ORGANIZER',
    });
    const posted = await postMessage(hub, organizerOf(hub), { body: 'cite your baselines', broadcast: true });
    expect(posted.broadcast).toBe(true);
    expect(inboxOf('alice')).toEqual([posted.filename]);
    expect(inboxOf('bob')).toEqual([posted.filename]);
  });

  it('stamps each post as its author: an agent cannot post as another, the organizer only as its own handle', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    await addAgent(hub, 'bob');
    await expect(postMessage(hub, alice, { body: 'x', agent_id: 'bob' })).rejects.toMatchObject({
      code: 'IDENTITY_MISMATCH',
    });
    await expect(postMessage(hub, organizerOf(hub), { body: 'hello', agent_id: 'human-sam' })).rejects.toMatchObject({
      code: 'IDENTITY_MISMATCH',
    });
    const asSelf = await postMessage(hub, organizerOf(hub), { body: 'hello', agent_id: hub.organizerHandle });
    expect(hub.messages.get(asSelf.filename)!.agent).toBe(hub.organizerHandle);
    await expect(postMessage(hub, alice, { body: '   ' })).rejects.toMatchObject({ code: 'INVALID_BODY' });
  });

  it('names posts in write order even when the clock steps back', async () => {
    const { hub } = record;
    const first = await postMessage(hub, organizerOf(hub), { body: 'one' });
    record.advance(-60_000);
    const second = await postMessage(hub, organizerOf(hub), { body: 'two' });
    expect(second.filename > first.filename).toBe(true);
  });

  it('announces a post once it is committed, with the message as readers see it', async () => {
    const { hub } = record;
    const alice = await addAgent(hub, 'alice');
    const seen: HubEvent[] = [];
    hub.events.onEvent((e) => seen.push(e));
    const posted = await postMessage(hub, alice, { body: 'announced' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'message.created',
      data: { actor: 'alice', target: posted.filename, record: { filename: posted.filename, body: 'announced' } },
    });
    expect(hub.audit.after(0, 10).map((r) => r.action)).toEqual(['agent.registered', 'message.created']);
  });

  it('holds an agent to its raw-message rate', async () => {
    record.close();
    record = openRecord({ limits: { raw_messages_per_minute: 2 } as never });
    const alice = await addAgent(record.hub, 'alice');
    await postMessage(record.hub, alice, { body: 'one' });
    await postMessage(record.hub, alice, { body: 'two' });
    await expect(postMessage(record.hub, alice, { body: 'three' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
