// Who is calling: a bearer token resolves to an agent or to the organizer; writes without one derive the agent as the public collab does.
import type { FastifyRequest } from 'fastify';
import type { HubConfig } from '../shared/config';
import { isHumanHandle } from '../shared/ids';
import { agentBucket } from './collab-names';
import { agentOfSource } from './bucket-source';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import type { AgentRow } from './store/agent-store';
import { hashToken, isHubTokenShape } from './tokens';

export type Caller = { kind: 'agent'; handle: string; agent: AgentRow } | { kind: 'organizer'; handle: string };

/**
 * What telling callers apart needs: the agents' token hashes, the organizer's, where its token file is, and for
 * writes without a token, the bucket names (config) and whether this hub accepts them.
 */
export type IdentityContext = Pick<
  HubContext,
  'agents' | 'organizerHandle' | 'organizerTokenHash' | 'layout' | 'config' | 'tokenlessWrites'
>;

/** Addresses only this machine can reach: a hub bound to one of them is reachable by local processes alone. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h) || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Whether a hub served on `host` accepts writes without a token, as the public collab does (identity from the bucket
 * a source names, or the agent a raw post names). Only on loopback, where every client is a process of this machine
 * the organizer runs: a hub reachable from other machines, or one the organizer made strict, requires tokens.
 */
export function acceptsTokenlessWrites(config: Pick<HubConfig, 'strict_identity'>, host: string): boolean {
  return !config.strict_identity && isLoopbackHost(host);
}

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

/**
 * The caller a bearer token names, or null when there is none or this hub did not issue it: for registration, where a
 * public client sends its Hugging Face token. The token is dropped here, never logged, stored or echoed.
 */
export function knownCallerOf(hub: IdentityContext, request: FastifyRequest): Caller | null {
  try {
    return callerOf(hub, request);
  } catch (err) {
    if (err instanceof HubError && err.code === 'UNAUTHORIZED') return null;
    throw err;
  }
}

/** A caller allowed to write: a registered, active agent or the organizer. */
export function requireWriter(hub: IdentityContext, request: FastifyRequest): Caller {
  const caller = callerOf(hub, request);
  if (!caller) throw new HubError('UNAUTHORIZED', 'this route needs a bearer token', REGISTER_HINT);
  if (caller.kind === 'agent' && caller.agent.status === 'suspended') {
    throw new HubError(
      'AGENT_SUSPENDED',
      `agent ${caller.handle} is suspended by the organizer`,
      `ask the organizer on the board (mention @${hub.organizerHandle}) to lift it`,
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
 * The author a write is stamped with. Agents may repeat their own id (public clients send `agent_id`); the organizer
 * writes as its own handle only: people post as themselves (public §5.4a), so `human-<someone else>` is refused.
 */
export function authorOf(
  hub: Pick<HubContext, 'organizerHandle'>,
  caller: Caller,
  claimed: string | undefined,
): string {
  if (claimed === undefined || claimed === caller.handle) return caller.handle;
  if (caller.kind === 'organizer') {
    throw new HubError(
      'IDENTITY_MISMATCH',
      `the organizer writes as ${hub.organizerHandle}, not "${claimed}"`,
      `leave agent_id out (or send "${hub.organizerHandle}"); people post only as themselves`,
    );
  }
  throw new HubError(
    'IDENTITY_MISMATCH',
    `agent_id "${claimed}" does not match who you are (${caller.handle}, by your token or your source's bucket)`,
    "leave agent_id out, or use that agent's own token or bucket",
  );
}

/**
 * Whether the request carries one of this hub's tokens (writerOf has then checked it): a foreign bearer, set aside on
 * a tokenless hub, proves nothing, so routes that want more than a claim ask this rather than whether a header is sent.
 */
export function provedByToken(request: FastifyRequest): boolean {
  const token = bearer(request);
  return token !== null && isHubTokenShape(token);
}

/** What a write names about its author: the scratch file it promotes (`source`), or the agent a raw post claims. */
export interface WriteClaim {
  source?: string | undefined;
  agent_id?: string | undefined;
}

/** Why a tokenless write was refused, and the two ways to make it. */
function tokenlessHint(hub: IdentityContext, agent: string | null): string {
  const bucket = agentBucket(hub.config, agent ?? '<you>');
  return hub.tokenlessWrites
    ? `send "Authorization: Bearer <token>" (POST /v1/agents/register gives one), or a source in your bucket: hf://buckets/${bucket}/<path>`
    : `this hub requires a token on every write (${hub.config.strict_identity ? 'strict_identity is on' : 'it is reachable beyond this machine'}): send "Authorization: Bearer <token>" (POST /v1/agents/register gives one)`;
}

/** A registered agent, able to write: NOT_REGISTERED or AGENT_SUSPENDED otherwise. */
function activeAgent(hub: IdentityContext, agentId: string): Caller & { kind: 'agent' } {
  const agent = hub.agents.get(agentId);
  if (!agent)
    throw new HubError(
      'NOT_REGISTERED',
      `no agent "${agentId}" is registered on this hub`,
      'register first: POST /v1/agents/register',
    );
  if (agent.status === 'suspended')
    throw new HubError(
      'AGENT_SUSPENDED',
      `agent ${agentId} is suspended by the organizer`,
      `ask the organizer on the board (mention @${hub.organizerHandle}) to lift it`,
    );
  return { kind: 'agent', handle: agentId, agent };
}

/**
 * The writer of a request, derived as the public collab derives it. A bearer token of this hub, when sent, decides (an
 * unknown one is 401; a foreign one, such as a Hugging Face token, is set aside on a hub that accepts tokenless writes). Without one, on a hub that accepts tokenless writes (loopback, not strict_identity): a `hf://buckets/...`
 * source names its bucket's owner, a raw post's `agent_id` names that agent (registered and not suspended, else 404
 * NOT_REGISTERED / 403 AGENT_SUSPENDED); a `human-*` handle needs the token (people prove who they are per call); a bare
 * path or nothing to go on is 401. Without a claim the route takes tokens only (scratch uploads, jobs), as
 * requireWriter. Every write route asks this, so the rule is one; rate limits key on the agent derived here, so a
 * tokenless write spends the same budget as one with the token.
 */
export function writerOf(hub: IdentityContext, request: FastifyRequest, claim?: WriteClaim): Caller {
  const token = bearer(request);
  // A bearer this hub never issues (a public client sends its Hugging Face token with every call) is set aside where
  // tokenless writes are accepted, as registration sets it aside; one of ours that matches nobody (mistyped, or its
  // agent gone) is still 401, so a user never writes as someone else by accident.
  const foreign = token !== null && !isHubTokenShape(token) && hub.tokenlessWrites;
  if ((token !== null && !foreign) || claim === undefined) return requireWriter(hub, request);
  const claimed = claim.agent_id ?? null;
  if (!hub.tokenlessWrites)
    throw new HubError('UNAUTHORIZED', 'this write needs a bearer token', tokenlessHint(hub, claimed));
  if (claim.source !== undefined) {
    const owner = agentOfSource(hub.config, claim.source);
    if (owner !== null) return activeAgent(hub, owner);
    throw new HubError(
      'UNAUTHORIZED',
      `a plain path ("${claim.source}") does not say whose scratch folder it is in`,
      tokenlessHint(hub, claimed),
    );
  }
  if (claimed !== null) {
    if (isHumanHandle(claimed))
      throw new HubError(
        'UNAUTHORIZED',
        `posting as ${claimed} needs the bearer token of that person`,
        `people post only as themselves, with their own token (the organizer: as ${hub.organizerHandle})`,
      );
    return activeAgent(hub, claimed);
  }
  throw new HubError(
    'UNAUTHORIZED',
    "no token, and nothing in this write proves its author (a hf://buckets/... source, or a raw post's agent_id)",
    tokenlessHint(hub, null),
  );
}
