// Agent routes: register (token shown once), list, read, and the organizer's suspend / reinstate.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  AgentDetail,
  AgentInfo,
  AgentList,
  AgentListQuery,
  RegisterBody,
  RegisterResponse,
  type ListResponse,
} from '../../shared/api';
import { isHumanHandle } from '../../shared/ids';
import { agentBucket } from '../collab-names';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { HUB_HANDLE, VERIFIER_HANDLE } from '../jobs/job-results';
import { knownCallerOf, requireOrganizer } from '../identity';
import { perMinute } from '../rate-limiter';
import { agentInfo, listResponse } from '../records';
import { hashToken, mintAgentToken } from '../tokens';
import { describe } from './route-options';

const AgentParams = Type.Object({ agent_id: Type.String({ maxLength: 100 }) });

export function notRegistered(id: string): HubError {
  return new HubError(
    'NOT_REGISTERED',
    `no agent "${id}" is registered on this hub`,
    'GET /v1/agents lists them; register with POST /v1/agents/register',
  );
}

/**
 * The hub-wide cap on new agents: every agent costs a row, a scratch folder and a share of the scratch cap, and on
 * loopback every client shares one address, so the per-address limit alone does not bound them. The organizer is
 * not held to it: it is the person who sets the cap, and its swarm spawner registers the agents it was told to
 * start (a refusal halfway would leave a swarm short of members); anything without its token is.
 */
function takeRegistration(hub: HubContext): void {
  const { registrations_per_window: n, registrations_window_hours: hours } = hub.config.limits;
  try {
    hub.limiter.take('register:hub', 'registrations', [
      { capacity: n, refillPerSecond: n / (hours * 3600), label: `${n} new agents per ${hours} h for the whole hub` },
    ]);
  } catch (err) {
    if (!(err instanceof HubError) || err.code !== 'RATE_LIMITED') throw err;
    throw new HubError(
      'RATE_LIMITED',
      err.message,
      `retry after ${err.headers['Retry-After']} s; the organizer can register agents with the organizer token, or raise limits.registrations_per_window in config.json`,
      err.headers,
    );
  }
}

export const agentRoutes =
  (hub: HubContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/agents/register',
      {
        schema: { body: RegisterBody },
        ...describe('Register an agent; returns its bearer token once', 'none', {
          201: RegisterResponse,
          200: RegisterResponse,
        }),
      },
      async (request, reply) => {
        const b = request.body;
        // A public client registers with its Hugging Face token: a bearer this hub did not issue is ignored (never
        // logged, stored or echoed), and the agent gets a token of this hub. Only the organizer's token changes anything.
        const caller = knownCallerOf(hub, request);
        const organizer = caller?.kind === 'organizer';
        if (!organizer) {
          hub.limiter.take(`register:${request.ip}`, 'registrations', [
            perMinute(hub.config.limits.registrations_per_minute),
          ]);
        }
        if (isHumanHandle(b.agent_id)) {
          throw new HubError(
            'INVALID_PATH',
            `"${b.agent_id}" is reserved for people`,
            'choose an agent id that does not start with "human"',
          );
        }
        if (b.agent_id === HUB_HANDLE || b.agent_id === VERIFIER_HANDLE) {
          throw new HubError(
            'INVALID_PATH',
            `"${b.agent_id}" is reserved: the hub posts baselines and verdicts under it`,
            'choose another agent id',
          );
        }
        const token = mintAgentToken();
        const tokenHash = hashToken(token);
        const now = hub.now();
        const existing = hub.agents.get(b.agent_id);
        if (existing && !(b.force && organizer)) {
          throw new HubError(
            'AGENT_ID_TAKEN',
            `agent id "${b.agent_id}" is already registered`,
            b.force
              ? 'only the organizer can re-issue the token of an existing agent'
              : 'choose another id; if it is yours and you lost the token, ask the organizer',
          );
        }
        const profile = { model: b.model, harness: b.harness, tools: JSON.stringify(b.tools ?? []), bio: b.bio ?? '' };
        const filename = `${b.agent_id}.md`;
        await hub.write(() => {
          if (existing) {
            hub.agents.replaceToken(b.agent_id, tokenHash, now);
            hub.agents.updateProfile(b.agent_id, profile, now);
            return {
              result: null,
              effect: { actor: caller!.handle, action: 'agent.token_reissued', target: b.agent_id },
            };
          }
          // Checked again inside the write: two registrations of one id can race to this point.
          if (hub.agents.get(b.agent_id))
            throw new HubError('AGENT_ID_TAKEN', `agent id "${b.agent_id}" is already registered`, 'choose another id');
          hub.agents.insert({ agent_id: b.agent_id, filename, ...profile, token_hash: tokenHash, registered_at: now });
          // Taken after the insert, in its savepoint: only a registration that creates an agent counts against the
          // hub-wide cap, and a refusal here rolls the insert back.
          if (!organizer) takeRegistration(hub);
          return {
            result: null,
            effect: {
              actor: b.agent_id,
              action: 'agent.registered',
              target: b.agent_id,
              detail: { model: b.model, harness: b.harness },
            },
          };
        });
        hub.workspace.ensureScratchFolder(b.agent_id);
        const body: RegisterResponse = {
          filename,
          agent_id: b.agent_id,
          token,
          scratch: `/v1/scratch/${b.agent_id}/`,
          // The public answer's fields: the bucket a public client writes to, and its HF user (none on a local hub).
          agent_bucket: agentBucket(hub.config, b.agent_id),
          hf_user: null,
        };
        return reply
          .code(existing ? 200 : 201)
          .header('Cache-Control', 'no-store')
          .send(body);
      },
    );

    app.get(
      '/v1/agents',
      {
        schema: { querystring: AgentListQuery },
        ...describe('List agents (list grammar; status=active|suspended; model=, harness=, hf_user=)', 'none', {
          200: AgentList,
        }),
      },
      async (request): Promise<ListResponse<AgentInfo>> => {
        return listResponse(hub.agents.list(request.query), request.query.expand, (row) => agentInfo(row, hub.config));
      },
    );

    app.get(
      '/v1/agents/:agent_id',
      {
        schema: { params: AgentParams },
        ...describe('One agent, with its bio and activity counts', 'none', { 200: AgentDetail }),
      },
      async (request): Promise<AgentDetail> => {
        const row = hub.agents.get(request.params.agent_id);
        if (!row) throw notRegistered(request.params.agent_id);
        return {
          ...agentInfo(row, hub.config),
          stats: { messages: hub.messages.countBy(row.agent_id), results: hub.results.countBy(row.agent_id) },
        };
      },
    );

    const setStatus =
      (status: 'active' | 'suspended') =>
      async (request: FastifyRequest<{ Params: { agent_id: string } }>): Promise<AgentInfo> => {
        const organizer = requireOrganizer(hub, request);
        const id = request.params.agent_id;
        if (!hub.agents.get(id)) throw notRegistered(id);
        await hub.write(() => {
          hub.agents.setStatus(id, status, hub.now());
          return {
            result: null,
            effect: {
              actor: organizer.handle,
              action: status === 'suspended' ? 'agent.suspended' : 'agent.reinstated',
              target: id,
            },
          };
        });
        return agentInfo(hub.agents.get(id)!, hub.config);
      };
    app.post(
      '/v1/agents/:agent_id/suspend',
      {
        schema: { params: AgentParams },
        ...describe('Suspend an agent: its writes are refused until reinstated', 'organizer', { 200: AgentInfo }),
      },
      setStatus('suspended'),
    );
    app.post(
      '/v1/agents/:agent_id/reinstate',
      { schema: { params: AgentParams }, ...describe('Lift a suspension', 'organizer', { 200: AgentInfo }) },
      setStatus('active'),
    );
  };
