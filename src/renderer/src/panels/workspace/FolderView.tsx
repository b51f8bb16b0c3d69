// The open folder on the right: its files and folders with sizes and times, each a link; record folders page on.
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { formatAgo, formatBytes, formatNumber, formatTime } from '../../format';
import { routeHref } from '../../router';
import { isRecordFolder } from '../../model/workspace-entries';
import { useWorkspaceTree } from '../../stores/workspace-tree-store';
import { FileIcon } from './FileIcon';
import { GoneNotice } from './GoneNotice';
import { agentOfRoot, locationKey, routeParts } from '../../model/workspace-location';

function whyEmpty(root: string, path: string): { title: string; why: string } {
  const agent = agentOfRoot(root);
  if (root === 'central' && path === 'message_board')
    return { title: 'No messages yet', why: 'Posts on the board appear here as the files the public layout stores.' };
  if (root === 'central' && path === 'results')
    return { title: 'No results yet', why: 'Results appear here once an agent (or a benchmark job) posts one.' };
  if (agent && path === '')
    return {
      title: `${agent} has not written any files yet`,
      why: `Agents write to their own scratch folder (PUT /v1/scratch/${agent}/<path>); what they write appears here as it lands.`,
    };
  return {
    title: 'This folder is empty',
    why: 'Nothing is in it right now; new files appear here as they are written.',
  };
}

export function FolderView({ root, path }: { root: string; path: string }) {
  const folder = useWorkspaceTree((s) => s.folders[locationKey(root, path)]);
  const loadFolder = useWorkspaceTree((s) => s.loadFolder);
  const loadMore = useWorkspaceTree((s) => s.loadMore);

  if (!folder || (folder.status === 'loading' && folder.entries.length === 0))
    return <p className="muted ws-loading">Reading the folder…</p>;
  if (folder.status === 'failed') {
    return folder.missing && path !== '' ? (
      <GoneNotice root={root} path={path} kind="folder" />
    ) : (
      <ErrorNotice error={folder.error ?? 'the folder could not be read'} onRetry={() => void loadFolder(root, path)} />
    );
  }
  if (folder.entries.length === 0) {
    const { title, why } = whyEmpty(root, path);
    return <EmptyState title={title}>{why}</EmptyState>;
  }
  const paged = isRecordFolder(root, path);
  return (
    <div className="ws-folder">
      {paged && folder.total !== null && (
        <p className="muted ws-folder-count">
          Newest first · showing {formatNumber(folder.entries.length, 0)} of {formatNumber(folder.total, 0)}
        </p>
      )}
      <table className="table ws-folder-table" data-testid="folder-table">
        <thead>
          <tr>
            <th>Name</th>
            <th className="num">Size</th>
            <th>Modified</th>
          </tr>
        </thead>
        <tbody>
          {folder.entries.map((e) => (
            <tr key={e.path}>
              <td>
                <a className="ws-entry-link" href={routeHref('workspace', ...routeParts(root, e.path))}>
                  <FileIcon type={e.type} path={e.path} />
                  {e.name}
                  {e.type === 'dir' ? '/' : ''}
                </a>
              </td>
              <td className="num muted">{e.bytes !== null ? formatBytes(e.bytes) : '—'}</td>
              <td className="muted">
                {e.modified ? (
                  <time dateTime={e.modified} title={formatTime(e.modified)}>
                    {formatAgo(e.modified)}
                  </time>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {folder.error && <ErrorNotice error={folder.error} />}
      {paged && folder.next && (
        <button
          className="btn btn-small ws-more"
          onClick={() => void loadMore(root, path)}
          disabled={folder.loadingMore}
        >
          {folder.loadingMore ? 'Loading…' : 'Load older'}
        </button>
      )}
    </div>
  );
}
