// The workspace as the dashboard sees it: the scratch folders there are, the folder listings read so far, the open file's preview; kept fresh from the event stream.
import { create } from 'zustand';
import type { AgentInfo, FolderListing, ListResponse, RecordItem } from '../../../shared/api';
import { parseStampedFilename } from '../../../shared/ids';
import { errorText, hubApi, HubApiError } from '../connection/hub-api';
import { liveEvents, type LiveEvent } from '../connection/live-events';
import { decodeText, imageType, kindOf, recordMarkdown } from '../panels/workspace/file-kinds';
import { ancestorPaths, apiUrl, baseName, CENTRAL, locationKey, parentPath, scratchRoot, type WorkspaceLocation } from '../panels/workspace/workspace-route';

export interface WorkspaceEntry {
  /** Relative to its root. */
  path: string;
  name: string;
  type: 'file' | 'dir';
  /** Null where the hub does not say (record files, record folders). */
  bytes: number | null;
  modified: string | null;
  /** Presented from the record (the board, the results) rather than read from disk. */
  record?: boolean;
}

export interface FolderState {
  status: 'loading' | 'ready' | 'failed';
  entries: WorkspaceEntry[];
  error: string | null;
  /** The folder itself is not there (404). */
  missing: boolean;
  /** Record folders come in pages: the cursor of the next one, and how many there are in all. */
  next: string | null;
  total: number | null;
  loadingMore: boolean;
}

export type PreviewBody =
  | { kind: 'text' | 'markdown'; text: string; truncated: boolean }
  | { kind: 'json'; text: string; truncated: boolean; value: unknown; parseError: string | null }
  | { kind: 'image'; url: string }
  | { kind: 'binary' }
  | { kind: 'too-large' }
  | { kind: 'record'; record: RecordItem; source: string };

export interface PreviewState {
  key: string;
  /** The listing's modified time and size when loaded: a change re-reads the file. */
  version: string;
  status: 'loading' | 'ready' | 'gone' | 'failed';
  error: string | null;
  body: PreviewBody | null;
}

/** The head of a text file shown in the preview; the rest is a download away. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Images larger than this are not pulled into the page to preview. */
export const IMAGE_PREVIEW_BYTES = 16 * 1024 * 1024;
/** Downloads up to this size go through a blob; larger ones stream to disk through a plain link instead of filling memory. */
const BLOB_DOWNLOAD_BYTES = 256 * 1024 * 1024;
const PAGE = 200;

/** Central folders that hold records rather than files: the hub keeps them in SQLite and serves them by API. */
const RECORD_FOLDERS: Record<string, { list: string; item: string }> = {
  message_board: { list: '/v1/messages', item: '/v1/messages/' },
  results: { list: '/v1/results', item: '/v1/results/' },
};

export function isRecordFolder(root: string, path: string): boolean {
  return root === CENTRAL && Object.hasOwn(RECORD_FOLDERS, path);
}

/** A record file ("message_board/<stamp>_alice.md"): its folder is a record folder. */
export function isRecordFile(root: string, path: string): boolean {
  return root === CENTRAL && path.includes('/') && isRecordFolder(root, parentPath(path));
}

function recordEntry(path: string): WorkspaceEntry {
  const name = baseName(path);
  const stamp = parseStampedFilename(name);
  return { path, name, type: 'file', bytes: null, modified: stamp ? new Date(stamp.ms).toISOString() : null, record: true };
}

const EMPTY_FOLDER: FolderState = { status: 'loading', entries: [], error: null, missing: false, next: null, total: null, loadingMore: false };

function byFolderThenName(a: WorkspaceEntry, b: WorkspaceEntry): number {
  if (a.type !== b.type) return a.type === 'dir' ? -1 : 1;
  return a.name.localeCompare(b.name);
}

function fromListing(entries: FolderListing['entries']): WorkspaceEntry[] {
  return entries.map((e) => ({ path: e.path, name: baseName(e.path), type: e.type, bytes: e.type === 'file' ? e.bytes : null, modified: e.modified }));
}

/** Central's own folder plus the record folders, which are not on disk but are part of the record. */
function withRecordFolders(entries: WorkspaceEntry[]): WorkspaceEntry[] {
  const extra = Object.keys(RECORD_FOLDERS)
    .filter((name) => !entries.some((e) => e.path === name))
    .map((name): WorkspaceEntry => ({ path: name, name, type: 'dir', bytes: null, modified: null, record: true }));
  return [...entries, ...extra];
}

async function listFolder(root: string, path: string, before?: string): Promise<Pick<FolderState, 'entries' | 'next' | 'total'>> {
  if (isRecordFolder(root, path)) {
    const page = await hubApi.get<ListResponse>(RECORD_FOLDERS[path]!.list, { limit: PAGE, order: 'desc', before });
    const entries = page.items.map((item) => recordEntry(`${path}/${typeof item === 'string' ? item : item.filename}`));
    return { entries, next: page.next, total: page.count };
  }
  const listing = await hubApi.get<FolderListing | string>(apiUrl(root, path));
  if (typeof listing !== 'object' || !Array.isArray(listing.entries)) {
    throw new HubApiError(409, 'NOT_A_FOLDER', `${path} is a file now, not a folder`, 'open its parent folder');
  }
  const entries = fromListing(listing.entries);
  return { entries: (root === CENTRAL && path === '' ? withRecordFolders(entries) : entries).sort(byFolderThenName), next: null, total: null };
}

/** Record filenames are stamped, and the hub pages them by filename: comparing names is comparing times. */
function newestFirst(a: WorkspaceEntry, b: WorkspaceEntry): number {
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * A record folder re-read while its older pages are loaded: the fresh first page replaces what it covers, and the
 * older entries loaded before stay, with their cursor, so a busy board does not fold back to one page at every post.
 */
function withNewestPage(loaded: FolderState, page: Pick<FolderState, 'entries' | 'next' | 'total'>): Pick<FolderState, 'entries' | 'next' | 'total'> {
  const oldestInPage = page.entries.at(-1)?.name;
  // The page holds everything there is (or nothing): nothing older to keep.
  if (page.next === null || oldestInPage === undefined) return page;
  // More arrived than a page holds since the last read: what was loaded no longer joins on, and a gap would hide records.
  if (!loaded.entries.some((e) => e.name >= oldestInPage)) return page;
  const inPage = new Set(page.entries.map((e) => e.path));
  const older = loaded.entries.filter((e) => e.name < oldestInPage && !inPage.has(e.path));
  if (older.length === 0) return page;
  return { entries: [...page.entries, ...older].sort(newestFirst), next: loaded.next, total: page.total };
}

/** A file's bytes from the hub, with the hub's errors. */
function fetchFile(url: string, signal?: AbortSignal): Promise<Response> {
  return hubApi.raw(url, signal);
}

/** The first `limit` bytes of a file, without reading the rest. */
async function fetchHead(url: string, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const res = await fetchFile(url);
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
}

async function readPreview(root: string, path: string, entry: WorkspaceEntry): Promise<PreviewBody> {
  if (entry.record) {
    const folder = RECORD_FOLDERS[parentPath(path)]!;
    const record = await hubApi.get<RecordItem>(folder.item + encodeURIComponent(entry.name));
    return { kind: 'record', record, source: recordMarkdown(record.frontmatter, record.body) };
  }
  const kind = kindOf(path);
  const url = apiUrl(root, path);
  if (kind === 'binary') return { kind: 'binary' };
  if (kind === 'image') {
    if ((entry.bytes ?? 0) > IMAGE_PREVIEW_BYTES) return { kind: 'too-large' };
    const bytes = await (await fetchFile(url)).arrayBuffer();
    return { kind: 'image', url: URL.createObjectURL(new Blob([bytes], { type: imageType(path) })) };
  }
  const head = await fetchHead(url, TEXT_PREVIEW_BYTES);
  const text = decodeText(head.bytes, head.truncated);
  if (text === null) return { kind: 'binary' };
  if (kind === 'json' && !head.truncated) {
    try {
      return { kind: 'json', text, truncated: false, value: JSON.parse(text) as unknown, parseError: null };
    } catch (err) {
      return { kind: 'json', text, truncated: false, value: undefined, parseError: (err as Error).message };
    }
  }
  if (kind === 'json') return { kind: 'json', text, truncated: true, value: undefined, parseError: null };
  return { kind: kind === 'markdown' ? 'markdown' : 'text', text, truncated: head.truncated };
}

/** Changes when the file does (its listing's time or size): the preview re-reads it then. */
export function versionOf(entry: WorkspaceEntry): string {
  return `${entry.modified ?? ''}|${entry.bytes ?? ''}`;
}

function releaseBody(body: PreviewBody | null | undefined): void {
  if (body?.kind === 'image') URL.revokeObjectURL(body.url);
}

interface WorkspaceState {
  agents: AgentInfo[] | null;
  agentsError: string | null;
  folders: Record<string, FolderState>;
  expanded: Record<string, boolean>;
  /** The location the route names. */
  current: WorkspaceLocation | null;
  preview: PreviewState | null;
  /** Roots read whole (for the filter), with when. */
  deepLoadedAt: Record<string, number>;

  loadAgents(): Promise<void>;
  /** Reads a folder's listing; `quiet` keeps the old one on view until the new one arrives. */
  loadFolder(root: string, path: string, quiet?: boolean): Promise<void>;
  loadMore(root: string, path: string): Promise<void>;
  /** Reads a whole root at once (recursive=true) and files every folder in it: the filter searches it. */
  loadDeep(root: string): Promise<void>;
  /** The route changed: opens the folders on the way to the location. */
  open(location: WorkspaceLocation): void;
  setExpanded(root: string, path: string, expanded: boolean): void;
  /** Reads the file for the preview, unless this version is already shown (`force` reads it again anyway). */
  loadPreview(root: string, path: string, entry: WorkspaceEntry, force?: boolean): Promise<void>;
  closePreview(): void;
  /** The file's bytes as a blob, or (for files too large to hold in memory) null: the caller links to it instead. */
  fileBlob(root: string, entry: WorkspaceEntry): Promise<Blob | null>;
  /** Follows the event stream; returns the unsubscribe. */
  follow(): () => void;
}

const folderSeq = new Map<string, number>();
let previewSeq = 0;

export const useWorkspace = create<WorkspaceState>((set, get) => {
  const setFolder = (key: string, folder: FolderState) => set((s) => ({ folders: { ...s.folders, [key]: folder } }));

  /** The folders worth re-reading when a root changes: open in the tree, or shown on the right. */
  const visibleFolders = (root: string): string[] => {
    const { folders, expanded, current } = get();
    const keep = new Set<string>();
    for (const key of Object.keys(folders)) if (key.startsWith(`${root}:`) && expanded[key]) keep.add(key.slice(root.length + 1));
    if (current?.root === root) {
      keep.add(current.path);
      keep.add(parentPath(current.path));
    }
    return [...keep].filter((p) => folders[locationKey(root, p)]);
  };

  return {
    agents: null,
    agentsError: null,
    folders: {},
    expanded: { [locationKey(CENTRAL, '')]: true },
    current: null,
    preview: null,
    deepLoadedAt: {},

    async loadAgents() {
      try {
        const agents: AgentInfo[] = [];
        let after: string | undefined;
        for (let page = 0; page < 20; page++) {
          const res = await hubApi.get<ListResponse<AgentInfo>>('/v1/agents', { expand: true, limit: PAGE, order: 'asc', after });
          agents.push(...res.items.filter((a): a is AgentInfo => typeof a !== 'string'));
          if (!res.next) break;
          after = res.next;
        }
        set({ agents: agents.sort((a, b) => a.agent_id.localeCompare(b.agent_id)), agentsError: null });
      } catch (err) {
        set({ agentsError: errorText(err) });
      }
    },

    async loadFolder(root, path, quiet = false) {
      const key = locationKey(root, path);
      const seq = (folderSeq.get(key) ?? 0) + 1;
      folderSeq.set(key, seq);
      const before = get().folders[key];
      if (!quiet || !before || before.status === 'failed') setFolder(key, { ...(before ?? EMPTY_FOLDER), status: 'loading', error: null });
      try {
        const page = await listFolder(root, path);
        if (folderSeq.get(key) !== seq) return;
        const now = get().folders[key];
        const merged = quiet && isRecordFolder(root, path) && now?.status === 'ready' ? withNewestPage(now, page) : page;
        setFolder(key, { status: 'ready', error: null, missing: false, loadingMore: now?.loadingMore ?? false, ...merged });
      } catch (err) {
        if (folderSeq.get(key) !== seq) return;
        setFolder(key, { ...EMPTY_FOLDER, status: 'failed', error: errorText(err), missing: err instanceof HubApiError && err.status === 404 });
      }
    },

    async loadMore(root, path) {
      const key = locationKey(root, path);
      const folder = get().folders[key];
      if (!folder?.next || folder.loadingMore) return;
      setFolder(key, { ...folder, loadingMore: true });
      try {
        const page = await listFolder(root, path, folder.next);
        const now = get().folders[key] ?? folder;
        const known = new Set(now.entries.map((e) => e.path));
        setFolder(key, { ...now, loadingMore: false, error: null, next: page.next, entries: [...now.entries, ...page.entries.filter((e) => !known.has(e.path))] });
      } catch (err) {
        setFolder(key, { ...(get().folders[key] ?? folder), loadingMore: false, error: errorText(err) });
      }
    },

    async loadDeep(root) {
      const at = get().deepLoadedAt[root];
      if (at && Date.now() - at < 30_000) return;
      set((s) => ({ deepLoadedAt: { ...s.deepLoadedAt, [root]: Date.now() } }));
      let listing: FolderListing;
      try {
        listing = await hubApi.get<FolderListing>(apiUrl(root, ''), { recursive: true });
      } catch {
        return; // The tree keeps what it has; opening a folder reports its own error.
      }
      const byFolder = new Map<string, WorkspaceEntry[]>([['', []]]);
      for (const entry of fromListing(listing.entries)) {
        const parent = parentPath(entry.path);
        if (!byFolder.has(parent)) byFolder.set(parent, []);
        byFolder.get(parent)!.push(entry);
        if (entry.type === 'dir' && !byFolder.has(entry.path)) byFolder.set(entry.path, []);
      }
      set((s) => {
        const folders = { ...s.folders };
        for (const [path, entries] of byFolder) {
          // The record folders are listed from the record, in pages, not from disk.
          if (isRecordFolder(root, path)) continue;
          const listed = root === CENTRAL && path === '' ? withRecordFolders(entries) : entries;
          folders[locationKey(root, path)] = { ...EMPTY_FOLDER, status: 'ready', entries: listed.sort(byFolderThenName) };
        }
        return { folders };
      });
    },

    open(location) {
      const { root, path } = location;
      set((s) => {
        const expanded = { ...s.expanded };
        for (const p of ancestorPaths(path)) expanded[locationKey(root, p)] = true;
        return { current: location, expanded };
      });
      const { folders } = get();
      for (const p of ancestorPaths(path)) {
        const f = folders[locationKey(root, p)];
        if (!f || f.status === 'failed') void get().loadFolder(root, p);
      }
    },

    setExpanded(root, path, expanded) {
      const key = locationKey(root, path);
      set((s) => ({ expanded: { ...s.expanded, [key]: expanded } }));
      // Opening a folder re-reads it: what the tree shows should be what is there now.
      if (expanded) void get().loadFolder(root, path, true);
    },

    async loadPreview(root, path, entry, force = false) {
      const key = locationKey(root, path);
      const version = versionOf(entry);
      const was = get().preview;
      if (!force && was && was.key === key && was.version === version && was.status !== 'failed') return;
      const seq = ++previewSeq;
      // The same file, changed: keep showing it until the new bytes are in.
      const sameFile = was?.key === key && was.status === 'ready';
      if (!sameFile) {
        releaseBody(was?.body);
        set({ preview: { key, version, status: 'loading', error: null, body: null } });
      } else {
        set({ preview: { ...was, version } });
      }
      try {
        const body = await readPreview(root, path, entry);
        if (seq !== previewSeq) return releaseBody(body);
        const old = get().preview;
        if (old?.body !== body) releaseBody(old?.body);
        set({ preview: { key, version, status: 'ready', error: null, body } });
      } catch (err) {
        if (seq !== previewSeq) return;
        releaseBody(get().preview?.body);
        const gone = err instanceof HubApiError && err.status === 404;
        set({ preview: { key, version, status: gone ? 'gone' : 'failed', error: errorText(err), body: null } });
      }
    },

    closePreview() {
      previewSeq++;
      releaseBody(get().preview?.body);
      set({ preview: null });
    },

    async fileBlob(root, entry) {
      if (entry.record) {
        const body = await readPreview(root, entry.path, entry);
        if (body.kind !== 'record') throw new Error('not a record');
        return new Blob([body.source], { type: 'text/markdown;charset=utf-8' });
      }
      if ((entry.bytes ?? 0) > BLOB_DOWNLOAD_BYTES) return null;
      return (await fetchFile(apiUrl(root, entry.path))).blob();
    },

    follow() {
      const pending = new Set<string>();
      let timer: ReturnType<typeof setTimeout> | null = null;
      // Writes come in bursts (an agent saving ten files, a sync copying a folder): one re-read per burst.
      const flush = () => {
        timer = null;
        for (const root of pending) for (const path of visibleFolders(root)) void get().loadFolder(root, path, true);
        pending.clear();
      };
      const touch = (root: string) => {
        pending.add(root);
        if (timer === null) timer = setTimeout(flush, 250);
      };
      const scratchOf = (event: LiveEvent) => {
        const target = typeof event.data.target === 'string' ? event.data.target : '';
        const agent = target.split('/')[0] || (typeof event.data.actor === 'string' ? event.data.actor : '');
        if (agent) touch(scratchRoot(agent));
      };
      const centralTypes = ['message.created', 'result.created', 'artifact.synced', 'shared_resource.synced', 'taskforce.file', 'job.queued', 'job.started', 'job.succeeded', 'job.failed', 'job.cancelled'];
      const offs = [
        liveEvents.on('scratch.', scratchOf),
        ...centralTypes.map((type) => liveEvents.on(type, () => touch(CENTRAL))),
        liveEvents.on('agent.registered', () => void get().loadAgents()),
        liveEvents.onReset(() => {
          void get().loadAgents();
          for (const key of Object.keys(get().folders)) touch(key.slice(0, key.indexOf(':')));
        }),
      ];
      return () => {
        offs.forEach((off) => off());
        if (timer !== null) clearTimeout(timer);
      };
    },
  };
});

/** What the route's location is, as far as the listings loaded so far tell. */
export type Resolved =
  | { state: 'loading' }
  | { state: 'dir' }
  | { state: 'file'; entry: WorkspaceEntry }
  | { state: 'gone'; missingFolder: string | null }
  | { state: 'failed'; error: string };

export function resolveLocation(folders: Record<string, FolderState>, root: string, path: string): Resolved {
  if (path === '' || isRecordFolder(root, path)) {
    const self = folders[locationKey(root, path)];
    if (self?.status === 'failed') return self.missing ? { state: 'gone', missingFolder: path } : { state: 'failed', error: self.error ?? 'the folder could not be read' };
    return { state: 'dir' };
  }
  if (isRecordFile(root, path)) return { state: 'file', entry: recordEntry(path) };
  // Walk down from the root: each folder on the way must be read and must still hold the next step.
  const chain = ancestorPaths(path);
  for (let i = 0; i < chain.length; i++) {
    const here = chain[i]!;
    const folder = folders[locationKey(root, here)];
    if (!folder || folder.status === 'loading') return { state: 'loading' };
    if (folder.status === 'failed') return folder.missing ? { state: 'gone', missingFolder: here } : { state: 'failed', error: folder.error ?? 'the folder could not be read' };
    const step = chain[i + 1] ?? path;
    const entry = folder.entries.find((e) => e.path === step);
    if (!entry) return { state: 'gone', missingFolder: step === path ? null : step };
    if (step === path) return entry.type === 'dir' ? { state: 'dir' } : { state: 'file', entry };
  }
  return { state: 'loading' };
}
