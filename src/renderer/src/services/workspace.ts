// The workspace's HTTP calls: folder listings (disk and record folders), record files, file bytes, the agents with scratch folders.
import type { AgentInfo, FolderListing, ListResponse, RecordItem } from '@shared/api';
import { hubApi } from '../connection/hub-api';
import { apiUrl } from '../model/workspace-location';
import type { RecordFolder } from '../model/workspace-entries';

const PAGE = 200;
/** Agents are few; this many pages is far more than any hub has, and stops a runaway cursor. */
const MAX_AGENT_PAGES = 20;

/** Where each record folder is served: the hub keeps them in SQLite, not on disk. */
const RECORD_API: Record<RecordFolder, { list: string; item: string }> = {
  message_board: { list: '/v1/messages', item: '/v1/messages/' },
  results: { list: '/v1/results', item: '/v1/results/' },
};

export const workspaceService = {
  /** Every registered agent (each has a scratch folder), in the hub's order. */
  async listAgents(): Promise<AgentInfo[]> {
    const agents: AgentInfo[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_AGENT_PAGES; page++) {
      const res = await hubApi.get<ListResponse<AgentInfo>>('/v1/agents', { expand: true, limit: PAGE, order: 'asc', after });
      agents.push(...res.items.filter((a): a is AgentInfo => typeof a !== 'string'));
      if (!res.next) break;
      after = res.next;
    }
    return agents;
  },

  /** One page of a record folder's filenames, newest first. */
  listRecordFolder(folder: RecordFolder, before?: string): Promise<ListResponse> {
    return hubApi.get<ListResponse>(RECORD_API[folder].list, { limit: PAGE, order: 'desc', before });
  },

  readRecord(folder: RecordFolder, filename: string): Promise<RecordItem> {
    return hubApi.get<RecordItem>(RECORD_API[folder].item + encodeURIComponent(filename));
  },

  /** A folder's listing; a path that is a file answers with the file's text instead. */
  readFolder(root: string, path: string): Promise<FolderListing | string> {
    return hubApi.get<FolderListing | string>(apiUrl(root, path));
  },

  /** A whole root, every sub-folder included. */
  readTree(root: string): Promise<FolderListing> {
    return hubApi.get<FolderListing>(apiUrl(root, ''), { recursive: true });
  },

  /** A file's bytes from the hub, streamable, with the hub's errors. */
  readFile(root: string, path: string, signal?: AbortSignal): Promise<Response> {
    return hubApi.raw(apiUrl(root, path), signal);
  },

  /** The first `limit` bytes of a file, without reading the rest. */
  async readHead(root: string, path: string, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
    const res = await workspaceService.readFile(root, path);
    const declared = Number(res.headers.get('content-length'));
    if (!res.body) return { bytes: new Uint8Array(await res.arrayBuffer()).subarray(0, limit), truncated: declared > limit };
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    let done = false;
    while (received <= limit) {
      const next = await reader.read();
      if (next.done) { done = true; break; }
      chunks.push(next.value);
      received += next.value.length;
    }
    if (!done) await reader.cancel();
    const all = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    return { bytes: all.subarray(0, limit), truncated: received > limit || declared > limit };
  },
};
