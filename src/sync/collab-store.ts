// The connected collabs, kept in one small JSON file of the data folder (URLs and what GET /v1 said; never a token).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CollabAgent } from '../shared/sync-api';
import type { CollabInfo } from './collab-directory';

export interface CollabConnection extends CollabInfo {
  /** `org/collab`: how commands name a connected collab. */
  id: string;
  connected_at: string;
  /** Where its rules were read when it was connected (null when they could not be). */
  rules_url: string | null;
  /** Identities registered on it from this machine (older files have none). */
  agents?: CollabAgent[];
}

interface CollabsFile {
  version: 1;
  collabs: CollabConnection[];
}

export function listConnections(file: string): CollabConnection[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CollabsFile>;
    return Array.isArray(parsed.collabs) ? parsed.collabs : [];
  } catch {
    return [];
  }
}

/** Adds a collab, or refreshes it when one with the same org/collab or backend is already connected. */
export function saveConnection(file: string, info: CollabInfo, rulesUrl: string | null): CollabConnection {
  const id = `${info.org}/${info.collab}`;
  const all = listConnections(file);
  const same = (c: CollabConnection) => c.id === id || c.api_url === info.api_url;
  const connection: CollabConnection = {
    ...info,
    id,
    connected_at: new Date().toISOString(),
    rules_url: rulesUrl,
    // Reconnecting refreshes the rules and keeps the identities registered on it.
    agents: all.find((c) => c.id === id)?.agents ?? [],
  };
  writeConnections(file, [...all.filter((c) => !same(c)), connection]);
  return connection;
}

/** Records an identity registered on a connected collab (replacing one of the same id). */
export function saveCollabAgent(file: string, collabId: string, agent: CollabAgent): void {
  const all = listConnections(file);
  const collab = all.find((c) => c.id === collabId);
  if (!collab) return;
  collab.agents = [...(collab.agents ?? []).filter((a) => a.agent_id !== agent.agent_id), agent];
  writeConnections(file, all);
}

function writeConnections(file: string, collabs: CollabConnection[]): void {
  const next: CollabsFile = { version: 1, collabs };
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename: a crash mid-write leaves the old list, never half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(next, null, 2) + '\n');
  renameSync(temporary, file);
}
