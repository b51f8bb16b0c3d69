// The swarm's HTTP calls: its status, actions on it or one agent, spawning agents, an agent's trace pages and export.
import type { SpawnAgentsBody, SwarmAction, SwarmAgentStatus, SwarmStatus, TraceExport, TraceQuery, TraceStep } from '@shared/swarm';
import { hubApi } from '../connection/hub-api';

const enc = encodeURIComponent;

export const swarmService = {
  read(): Promise<SwarmStatus> {
    return hubApi.get<SwarmStatus>('/v1/swarm');
  },

  /** An action on the whole swarm (agentId null) or one agent; answers with the swarm after it. */
  act(agentId: string | null, action: SwarmAction): Promise<SwarmStatus> {
    return hubApi.post<SwarmStatus>(agentId === null ? `/v1/swarm/${action}` : `/v1/swarm/agents/${enc(agentId)}/${action}`);
  },

  async spawn(body: SpawnAgentsBody): Promise<SwarmAgentStatus[]> {
    return (await hubApi.post<{ agents: SwarmAgentStatus[] }>('/v1/swarm/agents', body)).agents;
  },

  readTrace(agentId: string, query: TraceQuery): Promise<{ steps: TraceStep[]; next: number | null }> {
    return hubApi.get<{ steps: TraceStep[]; next: number | null }>(`/v1/swarm/agents/${enc(agentId)}/trace`, query);
  },

  exportTrace(agentId: string): Promise<TraceExport> {
    return hubApi.post<TraceExport>(`/v1/swarm/agents/${enc(agentId)}/trace/export`);
  },
};
