// The workspace's HTTP calls: folder listings (disk and record folders), record files, file bytes, the agents with scratch folders.
import type { AgentInfo, FolderListing, ListResponse, RecordItem } from '@shared/api';
import { HubClientError } from '@shared/hub-error';
import { hub } from '../connection/hub-api';
import { agentOfRoot, apiUrl } from '../model/workspace-location';
import type { RecordFolder } from '../model/workspace-entries';

const PAGE = 200;
/** Agents are few; this many pages is far more than any hub has, and stops a runaway cursor. */
const MAX_AGENT_PAGES = 20;

/** A disk folder's listing: central, or the scratch folder a root names. */
function list(root: string, path: string, recursive = false): Promise<FolderListing> {
  const agent = agentOfRoot(root);
  return agent === null ? hub.listCentral(path, recursive) : hub.listScratch(agent, path, recursive);
}

export const workspaceService = {
  /** Every registered agent (each has a scratch folder), in the hub's order. */
  async listAgents(): Promise<AgentInfo[]> {
    const agents: AgentInfo[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_AGENT_PAGES; page++) {
      const res = await hub.agents({ expand: true, limit: PAGE, order: 'asc', after });
      agents.push(...res.items.filter((a): a is AgentInfo => typeof a !== 'string'));
      if (!res.next) break;
      after = res.next;
    }
    return agents;
  },

  /** One page of a record folder's filenames, newest first: the hub keeps these in SQLite, not on disk. */
  listRecordFolder(folder: RecordFolder, before?: string): Promise<ListResponse> {
    const query = { limit: PAGE, order: 'desc' as const, before };
    return folder === 'message_board' ? hub.messages(query) : hub.results(query);
  },

  readRecord(folder: RecordFolder, filename: string): Promise<RecordItem> {
    return folder === 'message_board' ? hub.message(filename) : hub.result(filename);
  },

  /** A folder's listing; null when the path is a file (it was a folder when the tree was read). */
  async readFolder(root: string, path: string): Promise<FolderListing | null> {
    try {
      return await list(root, path);
    } catch (err) {
      if (err instanceof HubClientError && err.code === 'NOT_A_FOLDER') return null;
      throw err;
    }
  },

  /** A whole root, every sub-folder included. */
  readTree(root: string): Promise<FolderListing> {
    return list(root, '', true);
  },

  /**
   * A file's bytes from the hub, as the response: streamable (a preview reads only its head) and cancellable, which
   * the client's whole-file reads are not.
   */
  readFile(root: string, path: string, signal?: AbortSignal): Promise<Response> {
    return hub.send('GET', apiUrl(root, path), { accept: '*/*', ...(signal ? { signal } : {}) });
  },

  /** The first `limit` bytes of a file, without reading the rest. */
  async readHead(root: string, path: string, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
    const res = await workspaceService.readFile(root, path);
    const declared = Number(res.headers.get('content-length'));
    if (!res.body)
      return { bytes: new Uint8Array(await res.arrayBuffer()).subarray(0, limit), truncated: declared > limit };
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    let done = false;
    while (received <= limit) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      chunks.push(next.value);
      received += next.value.length;
    }
    if (!done) await reader.cancel();
    const all = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return { bytes: all.subarray(0, limit), truncated: received > limit || declared > limit };
  },
};
