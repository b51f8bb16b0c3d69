// The swarm's HTTP calls: its status, actions on it or one agent, spawning agents, an agent's trace pages and export.
import type {
  EndpointModels,
  EndpointModelsBody,
  SpawnAgentsBody,
  SwarmAction,
  SwarmAgentStatus,
  SwarmStatus,
  TraceExport,
  TracePage,
  TraceQuery,
} from '@shared/swarm';
import { hub } from '../connection/hub-api';

export const swarmService = {
  read(): Promise<SwarmStatus> {
    return hub.swarm();
  },

  /** An action on the whole swarm (agentId null) or one agent; answers with the swarm after it. */
  act(agentId: string | null, action: SwarmAction): Promise<SwarmStatus> {
    return hub.swarmAction(action, agentId ?? undefined);
  },

  async spawn(body: SpawnAgentsBody): Promise<SwarmAgentStatus[]> {
    return (await hub.spawnAgents(body)).agents;
  },

  endpointModels(body: EndpointModelsBody): Promise<EndpointModels> {
    return hub.endpointModels(body);
  },

  readTrace(agentId: string, query: TraceQuery): Promise<TracePage> {
    return hub.trace(agentId, query);
  },

  exportTrace(agentId: string): Promise<TraceExport> {
    return hub.exportTrace(agentId);
  },
};
