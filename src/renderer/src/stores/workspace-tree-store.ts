// The workspace tree: folder listings read so far (record folders in pages), which are open, where the route points; kept fresh from the event stream.
import { create } from 'zustand';
import type { FolderListing } from '@shared/api';
import { HubClientError } from '@shared/hub-error';
import { errorText, isNotFound } from '../connection/hub-api';
import { liveEvents, type LiveEvent } from '../connection/live-events';
import {
  byFolderThenName,
  fromListing,
  isRecordFile,
  isRecordFolder,
  newestFirst,
  recordEntry,
  withRecordFolders,
  type WorkspaceEntry,
} from '../model/workspace-entries';
import {
  ancestorPaths,
  CENTRAL,
  locationKey,
  parentPath,
  scratchRoot,
  type WorkspaceLocation,
} from '../model/workspace-location';
import { workspaceService } from '../services/workspace';
import { useWorkspaceAgents } from './workspace-agents-store';

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

type FolderPage = Pick<FolderState, 'entries' | 'next' | 'total'>;

const EMPTY_FOLDER: FolderState = {
  status: 'loading',
  entries: [],
  error: null,
  missing: false,
  next: null,
  total: null,
  loadingMore: false,
};
/** A whole root read for the filter is read again only after this long. */
const DEEP_READ_FRESH_MS = 30_000;
/** Writes come in bursts (an agent saving ten files, a sync copying a folder): one re-read per burst. */
const BURST_MS = 250;
/** Events that change what central's folders list. */
const CENTRAL_EVENTS = [
  'message.created',
  'result.created',
  'artifact.synced',
  'shared_resource.synced',
  'taskforce.file',
  'job.queued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.cancelled',
];

async function listFolder(root: string, path: string, before?: string): Promise<FolderPage> {
  if (isRecordFolder(root, path)) {
    const page = await workspaceService.listRecordFolder(path, before);
    const entries = page.items.map((item) => recordEntry(`${path}/${typeof item === 'string' ? item : item.filename}`));
    return { entries, next: page.next, total: page.count };
  }
  const listing = await workspaceService.readFolder(root, path);
  if (listing === null) {
    throw new HubClientError(409, 'NOT_A_FOLDER', `${path} is a file now, not a folder`, 'open its parent folder');
  }
  const entries = fromListing(listing.entries);
  return {
    entries: (root === CENTRAL && path === '' ? withRecordFolders(entries) : entries).sort(byFolderThenName),
    next: null,
    total: null,
  };
}

/**
 * A record folder re-read while its older pages are loaded: the fresh first page replaces what it covers, and the
 * older entries loaded before stay, with their cursor, so a busy board does not fold back to one page at every post.
 */
function withNewestPage(loaded: FolderState, page: FolderPage): FolderPage {
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

interface WorkspaceTreeState {
  folders: Record<string, FolderState>;
  expanded: Record<string, boolean>;
  /** The location the route names. */
  current: WorkspaceLocation | null;
  /** Roots read whole (for the filter), with when. */
  deepLoadedAt: Record<string, number>;

  /** Reads a folder's listing; `quiet` keeps the old one on view until the new one arrives. */
  loadFolder(root: string, path: string, quiet?: boolean): Promise<void>;
  loadMore(root: string, path: string): Promise<void>;
  /** Reads a whole root at once (recursive=true) and files every folder in it: the filter searches it. */
  loadDeep(root: string): Promise<void>;
  /** The route changed: opens the folders on the way to the location. */
  open(location: WorkspaceLocation): void;
  setExpanded(root: string, path: string, expanded: boolean): void;
  /** Follows the event stream; returns the unsubscribe. */
  follow(): () => void;
}

export const useWorkspaceTree = create<WorkspaceTreeState>((set, get) => {
  /** Numbers each folder read: only the latest one per folder may land. */
  const folderSeq = new Map<string, number>();
  const setFolder = (key: string, folder: FolderState) => set((s) => ({ folders: { ...s.folders, [key]: folder } }));

  /** The folders worth re-reading when a root changes: open in the tree, or shown on the right. */
  const visibleFolders = (root: string): string[] => {
    const { folders, expanded, current } = get();
    const keep = new Set<string>();
    for (const key of Object.keys(folders))
      if (key.startsWith(`${root}:`) && expanded[key]) keep.add(key.slice(root.length + 1));
    if (current?.root === root) {
      keep.add(current.path);
      keep.add(parentPath(current.path));
    }
    return [...keep].filter((p) => folders[locationKey(root, p)]);
  };

  return {
    folders: {},
    expanded: { [locationKey(CENTRAL, '')]: true },
    current: null,
    deepLoadedAt: {},

    async loadFolder(root, path, quiet = false) {
      const key = locationKey(root, path);
      const seq = (folderSeq.get(key) ?? 0) + 1;
      folderSeq.set(key, seq);
      const before = get().folders[key];
      if (!quiet || !before || before.status === 'failed')
        setFolder(key, { ...(before ?? EMPTY_FOLDER), status: 'loading', error: null });
      try {
        const page = await listFolder(root, path);
        if (folderSeq.get(key) !== seq) return;
        const now = get().folders[key];
        const merged =
          quiet && isRecordFolder(root, path) && now?.status === 'ready' ? withNewestPage(now, page) : page;
        setFolder(key, {
          status: 'ready',
          error: null,
          missing: false,
          loadingMore: now?.loadingMore ?? false,
          ...merged,
        });
      } catch (err) {
        if (folderSeq.get(key) !== seq) return;
        setFolder(key, { ...EMPTY_FOLDER, status: 'failed', error: errorText(err), missing: isNotFound(err) });
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
        setFolder(key, {
          ...now,
          loadingMore: false,
          error: null,
          next: page.next,
          entries: [...now.entries, ...page.entries.filter((e) => !known.has(e.path))],
        });
      } catch (err) {
        setFolder(key, { ...(get().folders[key] ?? folder), loadingMore: false, error: errorText(err) });
      }
    },

    async loadDeep(root) {
      const at = get().deepLoadedAt[root];
      if (at && Date.now() - at < DEEP_READ_FRESH_MS) return;
      set((s) => ({ deepLoadedAt: { ...s.deepLoadedAt, [root]: Date.now() } }));
      let listing: FolderListing;
      try {
        listing = await workspaceService.readTree(root);
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
          folders[locationKey(root, path)] = {
            ...EMPTY_FOLDER,
            status: 'ready',
            entries: listed.sort(byFolderThenName),
          };
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

    follow() {
      const pending = new Set<string>();
      let timer: ReturnType<typeof setTimeout> | null = null;
      const flush = () => {
        timer = null;
        for (const root of pending) for (const path of visibleFolders(root)) void get().loadFolder(root, path, true);
        pending.clear();
      };
      const touch = (root: string) => {
        pending.add(root);
        if (timer === null) timer = setTimeout(flush, BURST_MS);
      };
      const scratchOf = (event: LiveEvent) => {
        const target = typeof event.data.target === 'string' ? event.data.target : '';
        const agent = target.split('/')[0] || (typeof event.data.actor === 'string' ? event.data.actor : '');
        if (agent) touch(scratchRoot(agent));
      };
      const loadAgents = () => void useWorkspaceAgents.getState().loadAgents();
      const offs = [
        liveEvents.on('scratch.', scratchOf),
        ...CENTRAL_EVENTS.map((type) => liveEvents.on(type, () => touch(CENTRAL))),
        liveEvents.on('agent.registered', loadAgents),
        liveEvents.onReset(() => {
          loadAgents();
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
    if (self?.status === 'failed')
      return self.missing
        ? { state: 'gone', missingFolder: path }
        : { state: 'failed', error: self.error ?? 'the folder could not be read' };
    return { state: 'dir' };
  }
  if (isRecordFile(root, path)) return { state: 'file', entry: recordEntry(path) };
  // Walk down from the root: each folder on the way must be read and must still hold the next step.
  const chain = ancestorPaths(path);
  for (let i = 0; i < chain.length; i++) {
    const here = chain[i]!;
    const folder = folders[locationKey(root, here)];
    if (!folder || folder.status === 'loading') return { state: 'loading' };
    if (folder.status === 'failed')
      return folder.missing
        ? { state: 'gone', missingFolder: here }
        : { state: 'failed', error: folder.error ?? 'the folder could not be read' };
    const step = chain[i + 1] ?? path;
    const entry = folder.entries.find((e) => e.path === step);
    if (!entry) return { state: 'gone', missingFolder: step === path ? null : step };
    if (step === path) return entry.type === 'dir' ? { state: 'dir' } : { state: 'file', entry };
  }
  return { state: 'loading' };
}
