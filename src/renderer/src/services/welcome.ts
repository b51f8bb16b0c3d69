// The first-start welcome's HTTP calls: what runs where (settings, models' folders), the shipped packs and their
// install, whether Hugging Face is signed in, and marking the welcome read.
import type { ModelsInfo } from '@shared/models';
import type { PackInstall, PacksInfo } from '@shared/packs-api';
import type { SettingsInfo } from '@shared/settings';
import type { SwarmAgentStatus } from '@shared/swarm';
import type { SyncStatus } from '@shared/sync-api';
import { hub, isNotFound } from '../connection/hub-api';

/** A read a hub without that service refuses with 404 (a board-only hub): null, not a failure. */
async function optional<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export const welcomeService = {
  settings(): Promise<SettingsInfo> {
    return hub.settings();
  },
  packs(): Promise<PacksInfo | null> {
    return optional(hub.packs());
  },
  models(): Promise<ModelsInfo | null> {
    return optional(hub.models());
  },
  sync(): Promise<SyncStatus | null> {
    return optional(hub.call<SyncStatus>('GET', '/v1/sync'));
  },
  install(pack: string, downloads: boolean): Promise<PackInstall> {
    return hub.installPack({ pack, ...(downloads ? { downloads: true } : {}) });
  },
  cancelInstall(): Promise<PackInstall> {
    return hub.cancelPackInstall();
  },
  async startAgents(count: number): Promise<SwarmAgentStatus[]> {
    return (await hub.spawnAgents({ count, kind: 'local' })).agents;
  },
  async markSeen(): Promise<string> {
    return (await hub.welcomeSeen()).welcome_seen_at;
  },
};
