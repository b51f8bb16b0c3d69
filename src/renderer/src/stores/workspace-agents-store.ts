// The agents whose scratch folders the workspace shows, sorted by id.
import { create } from 'zustand';
import type { AgentInfo } from '@shared/api';
import { errorText } from '../connection/hub-api';
import { workspaceService } from '../services/workspace';

interface WorkspaceAgentsState {
  agents: AgentInfo[] | null;
  agentsError: string | null;
  loadAgents(): Promise<void>;
}

export const useWorkspaceAgents = create<WorkspaceAgentsState>((set) => ({
  agents: null,
  agentsError: null,

  async loadAgents() {
    try {
      const agents = await workspaceService.listAgents();
      set({ agents: agents.sort((a, b) => a.agent_id.localeCompare(b.agent_id)), agentsError: null });
    } catch (err) {
      set({ agentsError: errorText(err) });
    }
  },
}));
