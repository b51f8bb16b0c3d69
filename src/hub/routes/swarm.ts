// Swarm routes: the agents' status for everyone (external agents' commands and output for the organizer); control and traces for the organizer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CodedError, isErrorCode } from '../../shared/errors';
import {
  EndpointModels,
  EndpointModelsBody,
  SpawnAgentsBody,
  SpawnedAgents,
  SWARM_ACTIONS,
  SwarmError,
  SwarmStatus,
  TraceExport,
  TraceExportQuery,
  TracePage,
  TraceQuery,
  type SwarmAgentStatus,
  type SwarmControl,
} from '../../shared/swarm';
import { readAgentDefaults, withAgentDefaults } from '../agent-defaults';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { callerOf, requireOrganizer } from '../identity';
import { describe } from './route-options';

const AgentParams = Type.Object({ agent_id: Type.String({ maxLength: 100 }) });
const ActionParams = Type.Object({ action: Type.Union(SWARM_ACTIONS.map((a) => Type.Literal(a))) });
const AgentActionParams = Type.Object({
  agent_id: Type.String({ maxLength: 100 }),
  action: Type.Union(SWARM_ACTIONS.map((a) => Type.Literal(a))),
});

/**
 * An agent as readers other than the organizer see it. An external agent's command line may hold keys or private
 * paths, and its output (last_message; error, which quotes its stderr) is whatever it printed, a secret included, so
 * the organizer alone reads them. A local agent's last message is its last post, already public on the board.
 */
export function publicAgentStatus(agent: SwarmAgentStatus): SwarmAgentStatus {
  // Its sandbox's kind stays public (whether it is confined is everyone's business); the granted paths are the organizer's.
  if (agent.kind === 'external')
    return {
      ...agent,
      command: null,
      last_message: null,
      error: null,
      sandbox: agent.sandbox && { ...agent.sandbox, read: [], write: [], hidden: [], masked: [] },
    };
  return agent.command === null ? agent : { ...agent, command: null };
}

function publicSwarmStatus(status: SwarmStatus): SwarmStatus {
  return { ...status, agents: status.agents.map(publicAgentStatus) };
}

/**
 * The hub's answers to the writes the supervisor makes for a request (a trace export is written through the agent's
 * scratch API, so a refusal comes back as the client's coded error): the same refusal, said in the request's context.
 */
function hubRefusal(err: unknown, context: string): HubError | null {
  if (!(err instanceof CodedError) || err instanceof HubError || !isErrorCode(err.code) || err.code === 'INTERNAL')
    return null;
  return new HubError(err.code, context ? `${context}: ${err.message}` : err.message, err.hint);
}

/** The supervisor's refusals, and the refusals of what it writes, keep their meaning on the wire (never a 500). */
async function guarded<T>(work: () => Promise<T>, context = ''): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SwarmError) throw err; // answered as it is by the error handler
    throw hubRefusal(err, context) ?? err;
  }
}

export const swarmRoutes =
  (hub: HubContext, currentSwarm: () => SwarmControl | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    const requireSwarm = (): SwarmControl => {
      const swarm = currentSwarm();
      if (!swarm)
        throw new HubError(
          'SWARM_DISABLED',
          'this hub runs no agent swarm',
          'start it with `collab-desk hub` or `collab-desk demo` (the swarm runs beside the hub), or the desktop app',
        );
      return swarm;
    };

    app.get(
      '/v1/swarm',
      describe(
        "The swarm: every agent's state, current action, tokens and jobs; the inference host; agents per lever (external agents' command and output: organizer only)",
        'none',
        { 200: SwarmStatus },
      ),
      async (request): Promise<SwarmStatus> => {
        const status = requireSwarm().status();
        return callerOf(hub, request)?.kind === 'organizer' ? status : publicSwarmStatus(status);
      },
    );

    app.post(
      '/v1/swarm/agents',
      {
        schema: { body: SpawnAgentsBody },
        ...describe(
          'Spawn agents {count, kind: local|external, model?, command?, endpoint?, api_key?, skip_probe?, role?, direction?, budget_tokens?, jobs_per_day?, max_steps?}; fields left out come from the saved agent defaults (GET /v1/settings); local agents pass a capability probe first (422 PROBE_FAILED with its checks)',
          'organizer',
          { 201: SpawnedAgents },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const swarm = requireSwarm();
        const body = withAgentDefaults(readAgentDefaults(hub.layout.settings), request.body);
        // A saved default model is a GGUF path on this machine, never a model's name on the person's own server.
        if (request.body.endpoint !== undefined && request.body.model === undefined) delete body.model;
        const agents = await guarded(() => swarm.spawn(body));
        return reply.code(201).send({ agents } satisfies SpawnedAgents);
      },
    );

    app.post(
      '/v1/swarm/endpoint-models',
      {
        schema: { body: EndpointModelsBody },
        ...describe(
          'The models an OpenAI-compatible server you run lists {endpoint, api_key?}: what the spawn form offers as model names for agents that think on it',
          'organizer',
          { 200: EndpointModels },
        ),
      },
      async (request): Promise<EndpointModels> => {
        requireOrganizer(hub, request);
        const swarm = requireSwarm();
        if (!swarm.endpointModels)
          throw new HubError('SWARM_DISABLED', 'this swarm cannot reach endpoints', 'update the app');
        return guarded(() => swarm.endpointModels!(request.body));
      },
    );

    app.post(
      '/v1/swarm/:action',
      {
        schema: { params: ActionParams },
        ...describe(
          'Pause, resume, stop or start the whole swarm; remove takes every stopped, failed or budget-spent agent off it',
          'organizer',
          { 200: SwarmStatus },
        ),
      },
      async (request): Promise<SwarmStatus> => {
        requireOrganizer(hub, request);
        const swarm = requireSwarm();
        return guarded(() => swarm.act(null, request.params.action));
      },
    );

    app.post(
      '/v1/swarm/agents/:agent_id/:action',
      {
        schema: { params: AgentActionParams },
        ...describe(
          'Pause, resume, stop or start one agent, or remove it once stopped (its id, posts and traces stay on the hub)',
          'organizer',
          { 200: SwarmStatus },
        ),
      },
      async (request): Promise<SwarmStatus> => {
        requireOrganizer(hub, request);
        const swarm = requireSwarm();
        return guarded(() => swarm.act(request.params.agent_id, request.params.action));
      },
    );

    app.get(
      '/v1/swarm/agents/:agent_id/trace',
      {
        schema: { params: AgentParams, querystring: TraceQuery },
        ...describe(
          "An agent's trace: every step (prompt, completion, tool calls, timings, tokens); after= and limit= page it",
          'organizer',
          { 200: TracePage },
        ),
      },
      async (request): Promise<TracePage> => {
        requireOrganizer(hub, request);
        const swarm = requireSwarm();
        return guarded(() => swarm.trace(request.params.agent_id, request.query));
      },
    );

    app.post(
      '/v1/swarm/agents/:agent_id/trace/export',
      {
        schema: { params: AgentParams, querystring: TraceExportQuery },
        ...describe(
          "Export an agent's trace into its scratch folder as traces/<session>/ (manifest.md + the log), the public collab's layout, and share it as the agent (share=stats by default, or full)",
          'organizer',
          { 201: TraceExport },
        ),
      },
      async (request, reply) => {
        requireOrganizer(hub, request);
        const swarm = requireSwarm();
        const id = request.params.agent_id;
        return reply
          .code(201)
          .send(
            (await guarded(
              () => swarm.exportTrace(id, request.query.share),
              `writing ${id}'s trace into scratch/${id}/ or sharing it was refused`,
            )) satisfies TraceExport,
          );
      },
    );
  };
