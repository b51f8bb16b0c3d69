// Swarm routes: the agents' status for everyone; spawning, pausing, stopping and traces for the organizer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SpawnAgentsBody, SWARM_ACTIONS, SwarmError, TraceQuery, type SwarmControl } from '../../shared/swarm';
import { readAgentDefaults, withAgentDefaults } from '../agent-defaults';
import type { Hub } from '../hub';
import { HubError } from '../hub-error';
import { requireOrganizer } from '../identity';
import { describe } from './route-options';

const AgentParams = Type.Object({ agent_id: Type.String({ maxLength: 100 }) });
const ActionParams = Type.Object({ action: Type.Union(SWARM_ACTIONS.map((a) => Type.Literal(a))) });
const AgentActionParams = Type.Object({ agent_id: Type.String({ maxLength: 100 }), action: Type.Union(SWARM_ACTIONS.map((a) => Type.Literal(a))) });

/** The supervisor's refusals keep their meaning on the wire. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SwarmError) throw new HubError(err.code, err.message, err.hint);
    throw err;
  }
}

export const swarmRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  const requireSwarm = (): SwarmControl => {
    if (!hub.swarm) throw new HubError('SWARM_DISABLED', 'this hub runs no agent swarm', 'start it with `collab-desk hub` or `collab-desk demo` (the swarm runs beside the hub), or the desktop app');
    return hub.swarm;
  };

  app.get('/v1/swarm', describe('The swarm: every agent\'s state, current action, tokens and jobs; the inference host; agents per lever'), async () => requireSwarm().status());

  app.post('/v1/swarm/agents', { schema: { body: SpawnAgentsBody }, ...describe('Spawn agents {count, kind: local|external, model?, command?, role?, direction?, budget_tokens?, jobs_per_day?, max_steps?}; fields left out come from the saved agent defaults (GET /v1/settings)', 'organizer') }, async (request, reply) => {
    requireOrganizer(hub, request);
    const swarm = requireSwarm();
    const body = withAgentDefaults(readAgentDefaults(hub.layout.settings), request.body);
    const agents = await guarded(() => swarm.spawn(body));
    return reply.code(201).send({ agents });
  });

  app.post('/v1/swarm/:action', { schema: { params: ActionParams }, ...describe('Pause, resume, stop or start the whole swarm', 'organizer') }, async (request) => {
    requireOrganizer(hub, request);
    const swarm = requireSwarm();
    return guarded(() => swarm.act(null, request.params.action));
  });

  app.post('/v1/swarm/agents/:agent_id/:action', { schema: { params: AgentActionParams }, ...describe('Pause, resume, stop or start one agent', 'organizer') }, async (request) => {
    requireOrganizer(hub, request);
    const swarm = requireSwarm();
    return guarded(() => swarm.act(request.params.agent_id, request.params.action));
  });

  app.get('/v1/swarm/agents/:agent_id/trace', { schema: { params: AgentParams, querystring: TraceQuery }, ...describe('An agent\'s trace: every step (prompt, completion, tool calls, timings, tokens); after= and limit= page it', 'organizer') }, async (request) => {
    requireOrganizer(hub, request);
    const swarm = requireSwarm();
    return guarded(() => swarm.trace(request.params.agent_id, request.query));
  });

  app.post('/v1/swarm/agents/:agent_id/trace/export', { schema: { params: AgentParams }, ...describe('Export an agent\'s trace into its scratch folder as traces/<session>/ (manifest.md + the log), the public collab\'s layout', 'organizer') }, async (request, reply) => {
    requireOrganizer(hub, request);
    const swarm = requireSwarm();
    return reply.code(201).send(await guarded(() => swarm.exportTrace(request.params.agent_id)));
  });
};
