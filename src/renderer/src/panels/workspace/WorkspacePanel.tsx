// The Workspace panel: browse the central record and every agent's scratch folder, preview and download files; routes are #/workspace/central/<path> and #/workspace/scratch/<agent>/<path> (see model/workspace-location.ts).
import { useEffect, useMemo, useRef } from 'react';
import { ErrorNotice } from '../../components/Notice';
import { versionOf } from '../../model/workspace-entries';
import { useWorkspaceAgents } from '../../stores/workspace-agents-store';
import { useWorkspacePreview } from '../../stores/workspace-preview-store';
import { resolveLocation, useWorkspaceTree } from '../../stores/workspace-tree-store';
import { Breadcrumbs } from './Breadcrumbs';
import { FilePreview } from './FilePreview';
import { FileTree } from './FileTree';
import { FolderView } from './FolderView';
import { GoneNotice } from './GoneNotice';
import { locationFromRoute, locationKey } from '../../model/workspace-location';
import './workspace.css';

export function WorkspacePanel({ rest }: { rest: string[] }) {
  const routeKey = rest.join('/');
  // The route's text is its identity: a new `rest` array for the same route is the same location.
  const location = useMemo(() => locationFromRoute(routeKey.split('/').filter(Boolean)), [routeKey]);
  const { root, path } = location;
  const folders = useWorkspaceTree((s) => s.folders);
  const previewKey = useWorkspacePreview((s) => s.preview?.key ?? null);
  const { loadAgents } = useWorkspaceAgents.getState();
  const { follow, open } = useWorkspaceTree.getState();
  const { loadPreview, closePreview } = useWorkspacePreview.getState();

  useEffect(() => {
    void loadAgents();
    const stop = follow();
    return () => {
      stop();
      closePreview();
    };
  }, [loadAgents, follow, closePreview]);

  useEffect(() => open(location), [open, location]);

  const resolved = resolveLocation(folders, root, path);
  const entry = resolved.state === 'file' ? resolved.entry : null;
  const entryVersion = entry ? versionOf(entry) : null;

  // A folder opened from a link or the table opens in the tree too (which reads it), once per visit: the
  // person may fold it again.
  const unfoldedFor = useRef<string | null>(null);
  useEffect(() => {
    const key = locationKey(root, path);
    if (resolved.state !== 'dir' || unfoldedFor.current === key) return;
    unfoldedFor.current = key;
    const state = useWorkspaceTree.getState();
    if (!state.expanded[key]) state.setExpanded(root, path, true);
    else if (!state.folders[key]) void state.loadFolder(root, path);
  }, [resolved.state, root, path]);

  // The preview follows the file: opened, or changed on disk (its listing shows a new time or size).
  useEffect(() => {
    if (entry) void loadPreview(root, path, entry);
    // Re-read only when the file is another one or has changed, not on every new listing object.
  }, [root, path, entryVersion, loadPreview]);

  return (
    <section className="panel ws-panel">
      <div className="panel-header">
        <h1>Workspace</h1>
        <span className="muted ws-subtitle">
          The central record is written by the hub only; each agent writes its own scratch folder. Everything updates
          live.
        </span>
      </div>
      <div className="ws-split">
        <FileTree current={location} />
        <div className="ws-main card">
          <Breadcrumbs root={root} path={path} />
          {resolved.state === 'dir' ? (
            <FolderView root={root} path={path} />
          ) : resolved.state === 'file' ? (
            <FilePreview key={locationKey(root, path)} root={root} entry={resolved.entry} />
          ) : resolved.state === 'gone' ? (
            <GoneNotice
              root={root}
              path={path}
              kind={
                resolved.missingFolder === path
                  ? 'folder'
                  : resolved.missingFolder === null && (previewKey === locationKey(root, path) || /\.[^/]+$/.test(path))
                    ? 'file'
                    : 'item'
              }
            />
          ) : resolved.state === 'failed' ? (
            <ErrorNotice error={resolved.error} onRetry={() => open(location)} />
          ) : (
            <p className="muted ws-loading">Opening…</p>
          )}
        </div>
      </div>
    </section>
  );
}
