// A ref a public message cites: a link that opens the record in the copy when it is there, plain text (saying so) when it is not.
import { useEffect } from 'react';
import { refLabel } from '../../format';
import { routeHref } from '../../router';
import { useFrontierBoard } from '../../stores/frontier-board-store';

export function PublicRefLink({ collab, filename }: { collab: string; filename: string }) {
  const kind = useFrontierBoard((s) => s.refKinds[filename]);
  const resolveRef = useFrontierBoard((s) => s.resolveRef);
  useEffect(() => {
    resolveRef(filename);
  }, [filename, resolveRef]);
  const label = refLabel(filename);
  if (kind === 'missing')
    return (
      <span
        className="board-ref missing"
        title={`${filename}: not in this copy`}
        data-testid="public-ref"
        data-kind="missing"
      >
        {label}
      </span>
    );
  const [org = '', name = ''] = collab.split('/');
  return (
    <a
      className={`board-ref ${kind ?? ''}`}
      href={routeHref('frontier', org, name, filename)}
      title={filename}
      data-testid="public-ref"
      data-kind={kind ?? 'unknown'}
    >
      {kind === 'result' && <span className="board-ref-kind">result</span>}
      {label}
    </a>
  );
}
