// Where and to whom one can post on the board: the taskforce channels and the active agents' handles, kept live.
import { create } from 'zustand';
import type { TaskforceSummary } from '@shared/api';
import { errorText } from '../connection/hub-api';
import { liveEvents } from '../connection/live-events';
import { boardService } from '../services/board';

interface BoardChannelsState {
  channels: TaskforceSummary[];
  channelsError: string | null;
  /** Agent ids for @mention completion. */
  agents: string[];
  /** Starts the live subscriptions (once) and reads both lists. */
  start(): void;
  loadChannels(): Promise<void>;
  loadAgents(): Promise<void>;
}

export const useBoardChannels = create<BoardChannelsState>((set, get) => {
  let subscribed = false;
  return {
    channels: [],
    channelsError: null,
    agents: [],

    start() {
      // Subscribed once for the app's life: the channel list stays current while other panels show.
      if (!subscribed) {
        subscribed = true;
        liveEvents.on('taskforce.', () => void get().loadChannels());
        liveEvents.on('agent.registered', () => void get().loadAgents());
        liveEvents.onReset(() => void get().loadChannels());
      }
      void get().loadChannels();
      void get().loadAgents();
    },

    async loadChannels() {
      try {
        set({ channels: await boardService.listTaskforces(), channelsError: null });
      } catch (err) {
        set({ channelsError: errorText(err) });
      }
    },

    async loadAgents() {
      try {
        set({ agents: await boardService.listActiveAgentIds() });
      } catch {
        // Completion is a convenience: without the list, typing the handle still works.
      }
    },
  };
});
