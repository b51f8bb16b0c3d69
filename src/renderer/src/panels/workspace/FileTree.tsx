// The left tree: the central record and one scratch folder per agent, folders opening lazily, with a name filter.
import { useEffect, useMemo, useState } from 'react';
import { ErrorNotice } from '../../components/Notice';
import { formatAgo, formatBytes, formatTime } from '../../format';
import { routeHref } from '../../router';
import type { WorkspaceEntry } from '../../model/workspace-entries';
import { useWorkspaceAgents } from '../../stores/workspace-agents-store';
import { useWorkspaceTree, type FolderState } from '../../stores/workspace-tree-store';
import { FileIcon } from './FileIcon';
import {
  ancestorPaths,
  CENTRAL,
  locationKey,
  routeParts,
  scratchRoot,
  type WorkspaceLocation,
} from '../../model/workspace-location';

/** A folder in the tree shows this many children; the folder view on the right has them all. */
const TREE_CHILDREN = 200;

/** While filtering: the keys of matching entries and of every folder on the way to one. */
type Shown = Set<string> | null;

function matchingKeys(folders: Record<string, FolderState>, roots: string[], query: string): Set<string> {
  const q = query.toLowerCase();
  const shown = new Set<string>();
  for (const [key, folder] of Object.entries(folders)) {
    const root = key.slice(0, key.indexOf(':'));
    if (!roots.includes(root)) continue;
    for (const e of folder.entries) {
      if (!e.name.toLowerCase().includes(q)) continue;
      shown.add(locationKey(root, e.path));
      for (const p of ancestorPaths(e.path)) shown.add(locationKey(root, p));
    }
  }
  return shown;
}

interface NodeProps {
  root: string;
  entry: WorkspaceEntry;
  label?: string;
  current: WorkspaceLocation;
  shown: Shown;
  depth: number;
}

function TreeNode({ root, entry, label, current, shown, depth }: NodeProps) {
  const key = locationKey(root, entry.path);
  const folder = useWorkspaceTree((s) => (entry.type === 'dir' ? s.folders[key] : undefined));
  const expanded = useWorkspaceTree((s) => s.expanded[key] === true);
  const setExpanded = useWorkspaceTree((s) => s.setExpanded);
  const isDir = entry.type === 'dir';
  const open = isDir && (shown ? true : expanded);
  const selected = current.root === root && current.path === entry.path;
  const name = label ?? entry.name;
  const children = folder?.entries.filter((e) => !shown || shown.has(locationKey(root, e.path))) ?? [];
  return (
    <li className="ws-tree-item">
      <div className={selected ? 'ws-tree-row selected' : 'ws-tree-row'} style={{ paddingLeft: 4 + depth * 14 }}>
        {isDir ? (
          <button
            className="ws-tree-toggle"
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${name}`}
            onClick={() => setExpanded(root, entry.path, !expanded)}
            disabled={shown !== null}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="ws-tree-toggle" aria-hidden />
        )}
        <a
          className="ws-tree-link"
          href={routeHref('workspace', ...routeParts(root, entry.path))}
          aria-current={selected ? 'page' : undefined}
          title={
            entry.modified
              ? `${name} · modified ${formatTime(entry.modified)}${entry.bytes !== null ? ` · ${formatBytes(entry.bytes)}` : ''}`
              : name
          }
        >
          <FileIcon type={entry.type} path={entry.path} />
          <span className="ws-tree-name">{name}</span>
        </a>
        {!isDir && entry.bytes !== null && <span className="ws-tree-meta">{formatBytes(entry.bytes)}</span>}
        {!isDir && entry.bytes === null && entry.modified && (
          <span className="ws-tree-meta">{formatAgo(entry.modified)}</span>
        )}
      </div>
      {open && (
        <ul className="ws-tree-list">
          {!folder || (folder.status === 'loading' && folder.entries.length === 0) ? (
            <li className="ws-tree-note muted" style={{ paddingLeft: 22 + depth * 14 }}>
              reading…
            </li>
          ) : folder.status === 'failed' ? (
            <li
              className="ws-tree-note ws-tree-error"
              style={{ paddingLeft: 22 + depth * 14 }}
              title={folder.error ?? ''}
            >
              {folder.missing ? 'gone' : 'could not be read'}
            </li>
          ) : children.length === 0 ? (
            <li className="ws-tree-note muted" style={{ paddingLeft: 22 + depth * 14 }}>
              {shown ? 'no match' : 'empty'}
            </li>
          ) : (
            <>
              {children.slice(0, TREE_CHILDREN).map((e) => (
                <TreeNode key={e.path} root={root} entry={e} current={current} shown={shown} depth={depth + 1} />
              ))}
              {(children.length > TREE_CHILDREN || folder.next) && (
                <li className="ws-tree-note" style={{ paddingLeft: 22 + depth * 14 }}>
                  <a href={routeHref('workspace', ...routeParts(root, entry.path))}>more in the folder view…</a>
                </li>
              )}
            </>
          )}
        </ul>
      )}
    </li>
  );
}

function rootEntry(): WorkspaceEntry {
  return { path: '', name: '', type: 'dir', bytes: null, modified: null };
}

export function FileTree({ current }: { current: WorkspaceLocation }) {
  const agents = useWorkspaceAgents((s) => s.agents);
  const agentsError = useWorkspaceAgents((s) => s.agentsError);
  const folders = useWorkspaceTree((s) => s.folders);
  const loadAgents = useWorkspaceAgents((s) => s.loadAgents);
  const loadDeep = useWorkspaceTree((s) => s.loadDeep);
  const [filter, setFilter] = useState('');
  const query = filter.trim();

  const roots = useMemo(() => [CENTRAL, ...(agents ?? []).map((a) => scratchRoot(a.agent_id))], [agents]);

  // Filtering searches whole roots, not only the folders opened so far: read each one whole (once a while).
  useEffect(() => {
    if (!query) return;
    const timer = setTimeout(() => roots.forEach((r) => void loadDeep(r)), 200);
    return () => clearTimeout(timer);
  }, [query, roots, loadDeep]);

  const shown: Shown = useMemo(() => (query ? matchingKeys(folders, roots, query) : null), [folders, roots, query]);
  const agentShown = (id: string) =>
    !shown || id.toLowerCase().includes(query.toLowerCase()) || shown.has(locationKey(scratchRoot(id), ''));
  const visibleAgents = (agents ?? []).filter((a) => agentShown(a.agent_id));
  // An agent matched by name alone shows its folder as it is, unfiltered.
  const shownFor = (id: string): Shown => (shown && !shown.has(locationKey(scratchRoot(id), '')) ? null : shown);

  return (
    <nav className="ws-tree card" aria-label="Workspace folders">
      <input
        type="search"
        className="ws-filter"
        placeholder="Filter by name…"
        aria-label="Filter files by name"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setFilter('');
        }}
      />
      <div className="ws-tree-scroll">
        <h3 className="ws-tree-heading">
          Central record{' '}
          <span
            className="badge"
            title="Only the hub writes here: messages, results, synced artifacts and shared resources, job logs"
          >
            read-only
          </span>
        </h3>
        {!shown || shown.has(locationKey(CENTRAL, '')) ? (
          <ul className="ws-tree-list">
            <TreeNode root={CENTRAL} entry={rootEntry()} label="central" current={current} shown={shown} depth={0} />
          </ul>
        ) : (
          <p className="ws-tree-note muted">no match</p>
        )}
        <h3 className="ws-tree-heading">Scratch folders</h3>
        {agentsError ? (
          <ErrorNotice error={agentsError} onRetry={() => void loadAgents()} />
        ) : agents === null ? (
          <p className="ws-tree-note muted">reading agents…</p>
        ) : agents.length === 0 ? (
          <p className="ws-tree-note muted">No agents have joined yet; each gets a scratch folder when it registers.</p>
        ) : visibleAgents.length === 0 ? (
          <p className="ws-tree-note muted">no match</p>
        ) : (
          <ul className="ws-tree-list" aria-label="Scratch folders">
            {visibleAgents.map((a) => (
              <TreeNode
                key={a.agent_id}
                root={scratchRoot(a.agent_id)}
                entry={rootEntry()}
                label={a.agent_id}
                current={current}
                shown={shownFor(a.agent_id)}
                depth={0}
              />
            ))}
          </ul>
        )}
      </div>
    </nav>
  );
}
