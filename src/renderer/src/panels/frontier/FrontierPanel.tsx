// The Public frontier panel: a public collab this hub follows read-only, beside the local one: its leaderboard (this hub's results placed against it), its rules and its board, live.
import { useEffect, useMemo } from 'react';
import { Ago } from '../../components/Ago';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { refsOf } from '../../model/board-view';
import { asItem, collabIdOf, publicBoardOf, publicHardware } from '../../model/frontier';
import { navigate } from '../../router';
import { useFrontierBoard } from '../../stores/frontier-board-store';
import { useFrontierRanking } from '../../stores/frontier-ranking-store';
import { MIRROR_DISABLED, useMirror } from '../../stores/mirror-store';
import { useIsOrganizer } from '../../stores/session-store';
import { ProblemText } from '../public-collab/ProblemText';
import { CollabHeader } from './CollabHeader';
import { FollowForm } from './FollowForm';
import { LocalPlacements } from './LocalPlacements';
import { PublicBoard } from './PublicBoard';
import { PublicLeaderboard } from './PublicLeaderboard';
import { PublicRules } from './PublicRules';
import { RecordPane } from './RecordPane';
import '../board/board.css';
import '../leaderboard/leaderboard.css';
import './frontier.css';

const CLI_LINE = 'collab-desk sync follow <backend URL | dashboard URL | org/slug>';

function open(id: string, filename?: string): void {
  const [org = '', name = ''] = id.split('/');
  if (filename) navigate('frontier', org, name, filename);
  else navigate('frontier', org, name);
}

/** `#/frontier/<org>/<collab>/<filename>`: the collab shown, and the record opened in it. */
export function FrontierPanel({ rest }: { rest: string[] }) {
  const canWrite = useIsOrganizer();
  const { collabs, loaded, problem, load, connect } = useMirror();
  const routeId = collabIdOf(rest);
  const openedName = rest[2] ?? null;
  const collab = collabs.find((c) => c.id === routeId) ?? collabs[0] ?? null;
  const id = collab?.id ?? null;

  const ranking = useFrontierRanking();
  const board = useFrontierBoard();
  const showRanking = ranking.show;
  const showBoard = board.show;
  const openRecord = board.open;

  useEffect(() => {
    const releases = [connect(), useFrontierRanking.getState().connect(), useFrontierBoard.getState().connect()];
    void load();
    return () => releases.forEach((release) => release());
  }, [connect, load]);
  useEffect(() => {
    void showRanking(id);
    void showBoard(id);
  }, [id, showRanking, showBoard]);
  useEffect(() => {
    if (id) void openRecord(openedName);
  }, [id, openedName, openRecord]);

  const scoreField = collab?.score_field;
  const scoreOrder = collab?.score_order;
  const publicBoard = useMemo(
    () =>
      scoreField && scoreOrder
        ? publicBoardOf(ranking.leaderboard, { score_field: scoreField, score_order: scoreOrder })
        : null,
    [ranking.leaderboard, scoreField, scoreOrder],
  );
  const ranked = useMemo(
    () => publicHardware(ranking.results, ranking.ownHardware === true),
    [ranking.results, ranking.ownHardware],
  );
  const citedBy = useMemo(
    () => (openedName ? board.messages.filter((m) => refsOf(asItem(m)).includes(openedName)) : []),
    [board.messages, openedName],
  );

  const disabled = problem?.code === MIRROR_DISABLED;
  return (
    <section className="panel frontier-panel">
      <header className="panel-header">
        <div>
          <h1>Public frontier</h1>
          <p className="muted subtitle">
            Public collabs this hub follows read-only, beside the local one: where a local finding stands.
          </p>
        </div>
        {collabs.length > 1 && collab && (
          <div className="panel-actions">
            <select aria-label="Followed collab" value={collab.id} onChange={(e) => open(e.target.value)}>
              {collabs.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title ?? c.id}
                </option>
              ))}
            </select>
          </div>
        )}
      </header>

      {disabled ? (
        <p className="notice" role="status" data-testid="mirror-disabled">
          This hub runs without the mirror, so it follows no public collab. The desktop app runs it; with the CLI,{' '}
          <code>collab-desk hub</code> runs it beside the hub.
        </p>
      ) : problem ? (
        <ProblemText problem={problem} />
      ) : !loaded ? (
        <p className="muted loading">Reading what this hub follows…</p>
      ) : !collab ? (
        <>
          <EmptyState title="No public collab followed yet">
            Follow one by its backend URL, its dashboard URL or its org/slug: its leaderboard, board and rules are
            copied here read-only and kept current, and this hub's results are placed against its board. From a
            terminal: <code data-testid="follow-cli">{CLI_LINE}</code>
          </EmptyState>
          {canWrite ? (
            <FollowForm onFollowed={(followed) => open(followed)} />
          ) : (
            <p className="muted">Sign in as the organizer (top right) to follow one from here.</p>
          )}
        </>
      ) : (
        <>
          {canWrite && (
            <details className="frontier-follow-more">
              <summary>Follow another collab</summary>
              <FollowForm onFollowed={(followed) => open(followed)} />
            </details>
          )}
          <CollabHeader collab={collab} canWrite={canWrite} />

          <section className="frontier-section" aria-labelledby="frontier-leaderboard">
            <div className="frontier-section-head">
              <h2 id="frontier-leaderboard">Its leaderboard</h2>
              {ranking.caughtUpAt && (
                <span className="muted">
                  as read <Ago iso={ranking.caughtUpAt} />
                </span>
              )}
            </div>
            {ranking.publicError && (
              <ErrorNotice error={ranking.publicError} onRetry={() => void ranking.loadPublic()} />
            )}
            {ranking.publicStatus === 'loading' && !publicBoard && (
              <p className="muted loading">Reading its leaderboard…</p>
            )}
            {ranking.publicStatus === 'ready' && !publicBoard && (
              <EmptyState title="Its leaderboard has not been read yet">
                It shows here after the first pass of the mirror.
              </EmptyState>
            )}
            {publicBoard && <PublicLeaderboard board={publicBoard} onOpen={(f) => open(collab.id, f)} />}
          </section>

          {publicBoard && (
            <section className="frontier-section" aria-labelledby="frontier-local">
              <div className="frontier-section-head">
                <h2 id="frontier-local">This hub's results against it</h2>
              </div>
              {ranking.localError && (
                <ErrorNotice error={ranking.localError} onRetry={() => void ranking.loadLocal()} />
              )}
              <LocalPlacements
                board={publicBoard}
                scoring={ranking.localScoring}
                results={ranking.localResults}
                ranked={ranked}
              />
              <PublicRules rules={ranking.rules} />
            </section>
          )}

          <section className="frontier-section" aria-labelledby="frontier-board">
            <div className="frontier-section-head">
              <h2 id="frontier-board">Its board</h2>
            </div>
            {board.opened && board.collab === collab.id && (
              <RecordPane
                collab={collab.id}
                opened={board.opened}
                scoreField={publicBoard?.score_field ?? collab.score_field}
                citedBy={citedBy}
                onClose={() => open(collab.id)}
              />
            )}
            <PublicBoard collab={collab.id} opened={openedName} />
          </section>
        </>
      )}
    </section>
  );
}
