// Where and to whom one can post on the board: the channels and the active agents' handles, kept live.
import { create } from 'zustand';
import type { RecordItem } from '@shared/api';
import type { ChannelSummary } from '@shared/channels-api';
import { errorText } from '../connection/hub-api';
import { liveEvents } from '../connection/live-events';
import { boardService } from '../services/board';

interface BoardChannelsState {
  channels: ChannelSummary[];
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
        liveEvents.on('channel.', () => void get().loadChannels());
        // A post in a channel moves its activity and counts (and may subscribe its author); board posts move nothing.
        liveEvents.on<{ record?: RecordItem }>('message.created', (e) => {
          if (e.data.record?.frontmatter.channel !== undefined) void get().loadChannels();
        });
        liveEvents.on('agent.registered', () => void get().loadAgents());
        liveEvents.onReset(() => void get().loadChannels());
      }
      void get().loadChannels();
      void get().loadAgents();
    },

    async loadChannels() {
      try {
        set({ channels: await boardService.listChannels(), channelsError: null });
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
