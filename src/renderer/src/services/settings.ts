// The settings' HTTP calls: what the hub says about its data folder, machine and agent defaults; saving the defaults.
import type { AgentDefaults, SettingsInfo } from '@shared/settings';
import { hubApi } from '../connection/hub-api';

export const settingsService = {
  read(): Promise<SettingsInfo> {
    return hubApi.get<SettingsInfo>('/v1/settings');
  },

  /** Saves the defaults whole; answers with what the hub kept. */
  async saveAgentDefaults(defaults: AgentDefaults): Promise<AgentDefaults> {
    return (await hubApi.put<{ agent_defaults: AgentDefaults }>('/v1/settings/agent-defaults', defaults)).agent_defaults;
  },
};
