// Telling callers apart on a real record: the organizer's token, an agent's, a stranger's, and a suspended agent's writes.
import type { FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callerOf, requireOrganizer, requireWriter } from '../../../src/hub/identity';
import { hashToken } from '../../../src/hub/tokens';
import { openRecord, type TestRecord } from './test-record';

let record: TestRecord;
beforeEach(() => {
  record = openRecord();
});
afterEach(() => record.close());

/** The one part of an HTTP request identity reads. */
const withToken = (token?: string) =>
  ({ headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }) as FastifyRequest;

async function registerWithToken(id: string, token: string): Promise<void> {
  const { hub } = record;
  await hub.write(() => {
    hub.agents.insert({
      agent_id: id,
      filename: `${id}.md`,
      model: 'm',
      harness: 'h',
      tools: '[]',
      bio: '',
      token_hash: hashToken(token),
      registered_at: hub.now(),
    });
    return { result: null, effect: { actor: id, action: 'agent.registered', target: id } };
  });
}

describe('who is calling', () => {
  it('knows the organizer by the token in its data folder, and an agent by its own', async () => {
    const { hub } = record;
    await registerWithToken('alice', 'alice-secret');
    const organizerToken = readFileSync(hub.layout.organizerToken, 'utf8').trim();
    expect(callerOf(hub, withToken(organizerToken))).toEqual({ kind: 'organizer', handle: hub.organizerHandle });
    expect(callerOf(hub, withToken('alice-secret'))).toMatchObject({ kind: 'agent', handle: 'alice' });
    expect(callerOf(hub, withToken())).toBeNull();
  });

  it('refuses a token that belongs to nobody instead of reading it as anonymous', () => {
    expect(() => callerOf(record.hub, withToken('made-up'))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('refuses the writes of a suspended agent, and organizer-only actions to agents', async () => {
    const { hub } = record;
    await registerWithToken('alice', 'alice-secret');
    expect(() => requireOrganizer(hub, withToken('alice-secret'))).toThrow(
      expect.objectContaining({ code: 'NOT_ORGANIZER' }),
    );
    await hub.write(() => {
      hub.agents.setStatus('alice', 'suspended', hub.now());
      return { result: null, effect: { actor: hub.organizerHandle, action: 'agent.suspended', target: 'alice' } };
    });
    expect(() => requireWriter(hub, withToken('alice-secret'))).toThrow(
      expect.objectContaining({ code: 'AGENT_SUSPENDED' }),
    );
  });
});
