// What a link to a file or folder that is no longer there shows: what is gone, and the way back up.
import { routeHref } from '../../router';
import { parentPath, rootLabel, routeParts } from '../../model/workspace-location';

export function GoneNotice({ root, path, kind }: { root: string; path: string; kind: 'file' | 'folder' | 'item' }) {
  const parent = parentPath(path);
  return (
    <div className="empty-state ws-gone" role="status" data-testid="gone">
      <strong>This {kind} is gone</strong>
      <p>
        <code>{path}</code> is no longer in {rootLabel(root)}: it was deleted or moved after the link was made.
      </p>
      <a className="btn btn-small" href={routeHref('workspace', ...routeParts(root, parent))}>
        Open {parent ? parent.split('/').pop() : rootLabel(root)}
      </a>
    </div>
  );
}
