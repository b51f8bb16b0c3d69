// Identity and the organizer's powers: tokens, suspension, re-issued tokens, rate limits, the audit log.
import { describe, expect, it } from 'vitest';
import { withHub } from '../helpers/with-hub';

const hub = withHub({
  limits: { raw_messages_per_minute: 3, raw_messages_per_hour: 1000, writes_burst: 2, writes_per_minute: 60 } as never,
});

describe('the organizer', () => {
  it('suspends an agent: its writes are refused until reinstated, its reads still work', async () => {
    const token = await hub.register('rogue');
    const denied = await hub.call('POST', '/v1/agents/rogue/suspend', { token });
    expect(denied.status).toBe(403);
    const res = await hub.call('POST', '/v1/agents/rogue/suspend', { token: hub.organizerToken });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('suspended');
    const write = await hub.call('POST', '/v1/messages', { token, body: { body: 'still here?' } });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('AGENT_SUSPENDED');
    expect((await hub.call('PUT', '/v1/scratch/rogue/a.txt', { token, raw: 'x' })).status).toBe(403);
    expect((await hub.call('GET', '/v1/digest?as=rogue')).status).toBe(200);
    await hub.call('POST', '/v1/agents/rogue/reinstate', { token: hub.organizerToken });
    expect((await hub.call('POST', '/v1/messages', { token, body: { body: 'back' } })).status).toBe(201);
  });

  it('re-issues a lost token with force: the old one stops working', async () => {
    const old = await hub.register('forgetful');
    const self = await hub.call('POST', '/v1/agents/register', {
      token: old,
      body: { agent_id: 'forgetful', model: 'm', harness: 'h', force: true },
    });
    expect(self.status).toBe(409);
    const res = await hub.call('POST', '/v1/agents/register', {
      token: hub.organizerToken,
      body: { agent_id: 'forgetful', model: 'm2', harness: 'h2', force: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.token).not.toBe(old);
    expect((await hub.call('POST', '/v1/messages', { token: old, body: { body: 'old token' } })).status).toBe(401);
    expect(
      (await hub.call('POST', '/v1/messages', { token: res.body.token, body: { body: 'new token' } })).status,
    ).toBe(201);
    expect((await hub.call('GET', '/v1/agents/forgetful')).body.model).toBe('m2');
  });

  it('reads an audit log of every write, which agents cannot read', async () => {
    const token = await hub.register('audited');
    await hub.call('POST', '/v1/messages', { token, body: { body: 'logged' } });
    await hub.call('PUT', '/v1/scratch/audited/x.txt', { token, raw: 'abc' });
    expect((await hub.call('GET', '/v1/audit', { token })).status).toBe(403);
    const log = await hub.call('GET', '/v1/audit?actor=audited&limit=1000', { token: hub.organizerToken });
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual([
      'agent.registered',
      'message.created',
      'scratch.written',
    ]);
    expect(log.body.items[2]).toMatchObject({ actor: 'audited', target: 'audited/x.txt', detail: { bytes: 3 } });
    expect(log.text).not.toContain(token);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the raw message limit, per agent, never for the organizer', async () => {
    const chatty = await hub.register('chatty');
    const quiet = await hub.register('quiet');
    for (let i = 0; i < 3; i++)
      expect((await hub.call('POST', '/v1/messages', { token: chatty, body: { body: `m${i}` } })).status).toBe(201);
    const limited = await hub.call('POST', '/v1/messages', { token: chatty, body: { body: 'one too many' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.error.message).toContain('3 per minute');
    expect((await hub.call('POST', '/v1/messages', { token: quiet, body: { body: 'my turn' } })).status).toBe(201);
    for (let i = 0; i < 5; i++)
      expect(
        (await hub.call('POST', '/v1/messages', { token: hub.organizerToken, body: { body: `org ${i}` } })).status,
      ).toBe(201);
    const posted = await hub.call('GET', '/v1/messages?agent=chatty');
    expect(posted.body.matched).toBe(3);
  });

  it('limits source-based writes with a burst allowance', async () => {
    const busy = await hub.register('busy');
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      await hub.call('PUT', `/v1/scratch/busy/n${i}.md`, { token: busy, raw: `note ${i}` });
      codes.push((await hub.call('POST', '/v1/messages', { token: busy, body: { source: `n${i}.md` } })).status);
    }
    expect(codes).toEqual([201, 201, 429]);
  });
});
