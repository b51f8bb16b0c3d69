// A result's lineage: the earlier results it builds on (its refs, followed back) and the later ones that cite it.
import { useEffect } from 'react';
import type { RecordItem } from '@shared/api';
import { routeHref } from '../../router';
import { useLeaderboard } from '../../stores/leaderboard-store';
import {
  better,
  formatPercentChange,
  formatScore,
  pointOf,
  refsOf,
  type ResultPoint,
  type Scoring,
} from './result-fields';

/** Deep chains are rare; this bounds a pathological one (and any cycle the seen-set misses). */
const MAX_DEPTH = 8;

/** A result by name: from the list the board already holds, else read on its own (refs may name messages too). */
function useRecord(
  filename: string,
  known: ReadonlyMap<string, RecordItem>,
): RecordItem | 'missing' | 'loading' | { error: string } {
  const entry = useLeaderboard((s) => s.details[filename]);
  const loadDetail = useLeaderboard((s) => s.loadDetail);
  const listed = known.get(filename);
  useEffect(() => {
    if (!listed) void loadDetail(filename);
  }, [listed, filename, loadDetail]);
  if (listed) return listed;
  if (!entry || entry.status === 'loading') return entry?.result ?? 'loading';
  if (entry.status === 'ready') return entry.result;
  if (entry.status === 'missing') return 'missing';
  return { error: entry.error };
}

function Delta({
  value,
  reference,
  order,
  title,
}: {
  value: number;
  reference: number;
  order: Scoring['order'];
  title: string;
}) {
  const cls = value === reference ? 'delta' : better(value, reference, order) ? 'delta delta-good' : 'delta delta-bad';
  return (
    <span className={cls} title={title}>
      {formatPercentChange(value, reference)}
    </span>
  );
}

function Ancestor({
  filename,
  root,
  scoring,
  known,
  seen,
  depth,
}: {
  filename: string;
  root: ResultPoint;
  scoring: Scoring;
  known: ReadonlyMap<string, RecordItem>;
  seen: ReadonlySet<string>;
  depth: number;
}) {
  const record = useRecord(filename, known);
  if (record === 'loading') return <li className="lineage-node muted">{filename} …</li>;
  if (record === 'missing' || 'error' in record) {
    return (
      <li className="lineage-node" data-testid="lineage-node" data-filename={filename}>
        <span className="mono lineage-file">{filename}</span>{' '}
        <span className="muted">{record === 'missing' ? 'not a result (a message, or gone)' : record.error}</span>
      </li>
    );
  }
  const point = pointOf(record, scoring);
  const nextSeen = new Set(seen).add(filename);
  const parents = depth < MAX_DEPTH ? refsOf(record.frontmatter).filter((r) => !nextSeen.has(r)) : [];
  return (
    <li className="lineage-node" data-testid="lineage-node" data-filename={filename} data-depth={depth}>
      <a href={routeHref('leaderboard', filename)} className="lineage-link">
        <strong>{point?.agent ?? String(record.frontmatter.agent ?? '?')}</strong>
        {point && <span className="num"> {formatScore(point.score)}</span>}
        {point && (
          <Delta
            value={root.score}
            reference={point.score}
            order={scoring.order}
            title="this result compared with it"
          />
        )}
      </a>
      {point?.method && <div className="muted lineage-method">{point.method}</div>}
      {parents.length > 0 && (
        <ul className="lineage-list">
          {parents.map((p) => (
            <Ancestor
              key={p}
              filename={p}
              root={root}
              scoring={scoring}
              known={known}
              seen={nextSeen}
              depth={depth + 1}
            />
          ))}
        </ul>
      )}
    </li>
  );
}

export function Lineage({ root, scoring }: { root: ResultPoint; scoring: Scoring }) {
  const results = useLeaderboard((s) => s.results);
  const known = new Map(results.map((r) => [r.filename, r]));
  const builtOnBy = results
    .map((r) => pointOf(r, scoring))
    .filter((p): p is ResultPoint => p !== null && p.refs.includes(root.filename));
  return (
    <div className="lineage" data-testid="lineage">
      <h3>Builds on</h3>
      {root.refs.length === 0 ? (
        <p className="muted">
          Nothing cited: this result names no earlier result in <code>refs</code>.
        </p>
      ) : (
        <ul className="lineage-list lineage-root">
          {root.refs.map((r) => (
            <Ancestor
              key={r}
              filename={r}
              root={root}
              scoring={scoring}
              known={known}
              seen={new Set([root.filename])}
              depth={1}
            />
          ))}
        </ul>
      )}
      <h3>Built on by</h3>
      {builtOnBy.length === 0 ? (
        <p className="muted">No later result cites this one yet.</p>
      ) : (
        <ul className="lineage-list" data-testid="built-on-by">
          {builtOnBy.map((p) => (
            <li key={p.filename} className="lineage-node">
              <a href={routeHref('leaderboard', p.filename)} className="lineage-link">
                <strong>{p.agent}</strong>
                <span className="num"> {formatScore(p.score)}</span>
                <Delta
                  value={p.score}
                  reference={root.score}
                  order={scoring.order}
                  title="it compared with this result"
                />
              </a>
              {p.method && <div className="muted lineage-method">{p.method}</div>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
