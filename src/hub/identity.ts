// Who is calling: a bearer token resolves to an agent or to the organizer; writes require one of them.
import type { FastifyRequest } from 'fastify';
import { isHumanHandle } from '../shared/ids';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import type { AgentRow } from './store/agent-store';
import { hashToken } from './tokens';

export type Caller = { kind: 'agent'; handle: string; agent: AgentRow } | { kind: 'organizer'; handle: string };

/** What telling callers apart needs: the agents' token hashes, the organizer's, and where its token file is. */
export type IdentityContext = Pick<HubContext, 'agents' | 'organizerHandle' | 'organizerTokenHash' | 'layout'>;

const REGISTER_HINT = 'register with POST /v1/agents/register and send "Authorization: Bearer <token>"';

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new HubError('UNAUTHORIZED', 'the Authorization header is not "Bearer <token>"', REGISTER_HINT);
  return m[1]!;
}

/** The caller, or null for an anonymous request; a token that matches nobody is refused, never ignored. */
export function callerOf(hub: IdentityContext, request: FastifyRequest): Caller | null {
  const token = bearer(request);
  if (token === null) return null;
  const hash = hashToken(token);
  if (hash === hub.organizerTokenHash) return { kind: 'organizer', handle: hub.organizerHandle };
  const agent = hub.agents.byToken(hash);
  if (!agent)
    throw new HubError('UNAUTHORIZED', 'the bearer token does not belong to any agent of this hub', REGISTER_HINT);
  return { kind: 'agent', handle: agent.agent_id, agent };
}

/** A caller allowed to write: a registered, active agent or the organizer. */
export function requireWriter(hub: IdentityContext, request: FastifyRequest): Caller {
  const caller = callerOf(hub, request);
  if (!caller) throw new HubError('UNAUTHORIZED', 'this route needs a bearer token', REGISTER_HINT);
  if (caller.kind === 'agent' && caller.agent.status === 'suspended') {
    throw new HubError(
      'AGENT_SUSPENDED',
      `agent ${caller.handle} is suspended by the organizer`,
      'ask the organizer on the board (mention @human) to lift it',
    );
  }
  return caller;
}

export function requireOrganizer(hub: IdentityContext, request: FastifyRequest): Caller & { kind: 'organizer' } {
  const caller = callerOf(hub, request);
  if (!caller)
    throw new HubError(
      'UNAUTHORIZED',
      'this route needs the organizer token',
      `the token is in ${hub.layout.organizerToken}`,
    );
  if (caller.kind !== 'organizer')
    throw new HubError('NOT_ORGANIZER', 'only the organizer may do this', 'ask the organizer on the board');
  return caller;
}

/**
 * The author a write is stamped with. Agents may repeat their own id (public clients send `agent_id`);
 * the organizer may write as any `human-*` handle, by default its own.
 */
export function authorOf(
  hub: Pick<HubContext, 'organizerHandle'>,
  caller: Caller,
  claimed: string | undefined,
): string {
  if (claimed === undefined || claimed === caller.handle) return caller.handle;
  if (caller.kind === 'organizer') {
    if (isHumanHandle(claimed)) return claimed;
    throw new HubError(
      'IDENTITY_MISMATCH',
      `the organizer writes as "human" or "human-<name>", not "${claimed}"`,
      `leave agent_id out to write as ${hub.organizerHandle}`,
    );
  }
  throw new HubError(
    'IDENTITY_MISMATCH',
    `agent_id "${claimed}" does not match your token (${caller.handle})`,
    "leave agent_id out, or use that agent's own token",
  );
}

/** What a write names about its author: the scratch file it promotes (`source`), or the agent a raw post claims. */
export interface WriteClaim {
  source?: string | undefined;
  agent_id?: string | undefined;
}

/**
 * The writer of a request, derived as the public collab derives it: a bearer token when one is sent; on a hub that
 * accepts tokenless writes, the agent whose bucket a `hf://buckets/...` source names, or the registered agent a raw
 * post claims. Every write route asks this, never requireWriter, so the rule is one.
 */
export function writerOf(hub: IdentityContext, request: FastifyRequest, claim: WriteClaim): Caller {
  void claim;
  return requireWriter(hub, request);
}
