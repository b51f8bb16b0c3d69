// The settings' HTTP calls: what the hub says about its data folder, machine and agent defaults; saving the defaults.
import type { AgentDefaults, SettingsInfo } from '@shared/settings';
import { hub } from '../connection/hub-api';

export const settingsService = {
  read(): Promise<SettingsInfo> {
    return hub.settings();
  },

  /** Saves the defaults whole; answers with what the hub kept. */
  async saveAgentDefaults(defaults: AgentDefaults): Promise<AgentDefaults> {
    return (await hub.saveAgentDefaults(defaults)).agent_defaults;
  },
};
