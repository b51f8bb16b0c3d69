// The settings view's state: GET /v1/settings (data folder, the machine, agent defaults) and saving the defaults.
import { create } from 'zustand';
import type { AgentDefaults, SettingsInfo } from '@shared/settings';
import { errorText } from '../connection/hub-api';
import { settingsService } from '../services/settings';

interface SettingsState {
  info: SettingsInfo | null;
  error: string | null;
  load(): Promise<void>;
  /** Saves the defaults whole; throws the hub's refusal for the form to show. */
  saveAgentDefaults(defaults: AgentDefaults): Promise<AgentDefaults>;
}

export const useSettings = create<SettingsState>((set, get) => ({
  info: null,
  error: null,

  async load() {
    try {
      set({ info: await settingsService.read(), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },

  async saveAgentDefaults(defaults) {
    const agent_defaults = await settingsService.saveAgentDefaults(defaults);
    const info = get().info;
    if (info) set({ info: { ...info, agent_defaults } });
    return agent_defaults;
  },
}));
