// A ref a message cites: a result opens on the leaderboard, a message opens in its thread, a public collab's record opens on the collab, a name the hub lacks says so.
import { useEffect } from 'react';
import type { PostedVerdict } from '../../model/board-view';
import { refLabel } from '../../format';
import { routeHref } from '../../router';
import { useBoardRefs } from '../../stores/board-refs-store';

/** `verdict`: the verdict the citing post gives this result (a verifier's post); the chip is coloured by it. */
export function RefLink({ filename, verdict }: { filename: string; verdict?: PostedVerdict }) {
  const kind = useBoardRefs((s) => s.refKinds[filename]);
  const record = useBoardRefs((s) => s.publicRefs[filename]);
  const resolveRef = useBoardRefs((s) => s.resolveRef);
  useEffect(() => {
    resolveRef(filename);
  }, [filename, resolveRef]);

  const label = refLabel(filename);
  if (kind === 'missing')
    return (
      <span className="board-ref missing" title={`${filename}: not on this hub`}>
        {label}
      </span>
    );
  if (kind === 'public' && record) {
    const text = record.body.replace(/\s+/g, ' ').trim();
    const short = text.length > 80 ? `${text.slice(0, 79)}…` : text;
    return (
      <a
        className="board-ref public"
        href={record.url}
        target="_blank"
        rel="noreferrer noopener"
        title={`${filename}: a record of the public collab ${record.origin} (read-only)\n\n${text.slice(0, 400)}`}
        data-testid="ref"
        data-kind="public"
      >
        <span className="board-ref-kind">public: {record.origin}</span>
        {label}
        {short && <span className="board-ref-excerpt muted">{short}</span>}
      </a>
    );
  }
  // Until the hub says which it is, the board link is right: the board sends a result on to the leaderboard.
  const href = kind === 'result' ? routeHref('leaderboard', filename) : routeHref('board', filename);
  return (
    <a
      className={`board-ref ${kind ?? ''}${verdict ? ` verdict-${verdict}` : ''}`}
      href={href}
      title={verdict ? `${filename}: ${verdict}` : filename}
      data-testid="ref"
      data-kind={kind ?? 'unknown'}
      data-verdict={verdict}
    >
      {kind === 'result' && <span className="board-ref-kind">{verdict ? `result · ${verdict}` : 'result'}</span>}
      {label}
    </a>
  );
}
