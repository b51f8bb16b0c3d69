// The connected collabs, kept in one small JSON file of the data folder (URLs and what GET /v1 said; never a token).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CollabInfo } from './collab-directory';

export interface CollabConnection extends CollabInfo {
  /** `org/collab`: how commands name a connected collab. */
  id: string;
  connected_at: string;
  /** Where its rules were read when it was connected (null when they could not be). */
  rules_url: string | null;
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
  const connection: CollabConnection = {
    ...info,
    id: `${info.org}/${info.collab}`,
    connected_at: new Date().toISOString(),
    rules_url: rulesUrl,
  };
  const others = listConnections(file).filter((c) => c.id !== connection.id && c.api_url !== connection.api_url);
  const next: CollabsFile = { version: 1, collabs: [...others, connection] };
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename: a crash mid-write leaves the old list, never half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(next, null, 2) + '\n');
  renameSync(temporary, file);
  return connection;
}
