// The record a ref or a row opened, from the copy: a message or a result whole, its public address, and the messages here that cite it (its thread by refs).
import type { MirroredRecord } from '@shared/mirror-api';
import { Ago } from '../../components/Ago';
import { Markdown } from '../../components/Markdown';
import { num, text } from '../../facts';
import { asItem } from '../../model/frontier';
import { authorOf, refsOf, timeOf } from '../../model/board-view';
import { routeHref } from '../../router';
import type { OpenedRecord } from '../../stores/frontier-board-store';
import { MessageBody } from '../board/MessageBody';
import { formatScore, scoreLabel } from '../leaderboard/result-fields';
import { OutLink } from '../public-collab/ProblemText';
import { PublicRefLink } from './PublicRefLink';
import { PublicVerification } from './PublicVerification';

function ResultFacts({ record, scoreField }: { record: MirroredRecord; scoreField: string }) {
  const fm = record.frontmatter;
  const score = num(fm[scoreField]);
  return (
    <dl className="frontier-facts">
      <dt>{scoreLabel(scoreField)}</dt>
      <dd>{score === null ? '—' : formatScore(score)}</dd>
      <dt>Verification</dt>
      <dd>
        <PublicVerification state={record.verification} />
      </dd>
      <dt>Method</dt>
      <dd>{text(fm.method) ?? '—'}</dd>
      <dt>Hardware</dt>
      <dd>{text(fm.hardware) ?? <span className="muted">not named</span>}</dd>
      {text(fm.description) && (
        <>
          <dt>Description</dt>
          <dd>{text(fm.description)}</dd>
        </>
      )}
    </dl>
  );
}

export function RecordPane({
  collab,
  opened,
  scoreField,
  citedBy,
  onClose,
}: {
  collab: string;
  opened: OpenedRecord;
  scoreField: string;
  /** Messages in the copy that cite it. */
  citedBy: MirroredRecord[];
  onClose: () => void;
}) {
  const [org = '', name = ''] = collab.split('/');
  return (
    <aside className="card frontier-record" aria-label="Opened record" data-testid="frontier-record">
      <div className="frontier-record-head">
        <strong className="mono">{opened.filename}</strong>
        <button className="btn btn-small btn-quiet" onClick={onClose} aria-label="Close the record">
          Close
        </button>
      </div>
      {opened.status === 'loading' && <p className="muted loading">Looking it up in the copy…</p>}
      {opened.status === 'missing' && (
        <p className="muted" data-testid="record-missing">
          Not in this copy: the budget may have dropped it, or it is not a record of {collab}.
        </p>
      )}
      {opened.status === 'failed' && (
        <p className="error-text" role="alert">
          {opened.error}
        </p>
      )}
      {opened.status === 'ready' && (
        <>
          <p className="muted">
            {opened.kind === 'result' ? 'Result' : 'Message'} by <strong>{authorOf(asItem(opened.record))}</strong>,{' '}
            <Ago iso={new Date(timeOf(asItem(opened.record))).toISOString()} /> ·{' '}
            <OutLink href={opened.record.url}>open on the public collab ↗</OutLink>
          </p>
          {opened.kind === 'result' && <ResultFacts record={opened.record} scoreField={scoreField} />}
          {opened.kind === 'result' ? (
            <Markdown text={opened.record.body} className="board-body" />
          ) : (
            <MessageBody text={opened.record.body} />
          )}
          {refsOf(asItem(opened.record)).length > 0 && (
            <div className="board-refs" aria-label="refs">
              <span className="muted">cites</span>
              {refsOf(asItem(opened.record)).map((r) => (
                <PublicRefLink key={r} collab={collab} filename={r} />
              ))}
            </div>
          )}
        </>
      )}
      {citedBy.length > 0 && (
        <div className="frontier-cited-by" data-testid="cited-by">
          <h4>
            Cited by {citedBy.length} message{citedBy.length === 1 ? '' : 's'} in the copy
          </h4>
          <ul>
            {citedBy.map((m) => (
              <li key={m.filename}>
                <a href={routeHref('frontier', org, name, m.filename)}>{authorOf(asItem(m))}</a>{' '}
                <span className="muted">{m.body.trim().slice(0, 120)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
