// A result's verification: the verdict, who gave it and why, its history, and the organizer's controls.
import { useState } from 'react';
import type { Verdict, VerdictBody, VerificationState } from '@shared/api';
import { isVerificationState, VERIFICATION_EXPLAINED, VerificationBadge } from '../../components/VerificationBadge';
import { errorText } from '../../connection/hub-api';
import { formatAgo, formatTime } from '../../format';
import { useLeaderboard } from '../../stores/leaderboard-store';
import { useIsOrganizer, useSession } from '../../stores/session-store';

const ACTIONS: Array<{ state: VerdictBody['verdict']; label: string; className: string }> = [
  { state: 'valid', label: 'Mark valid', className: 'btn btn-small' },
  { state: 'invalid', label: 'Mark invalid', className: 'btn btn-small btn-danger' },
  { state: 'pending', label: 'Mark pending', className: 'btn btn-small' },
];

const SIGN_IN = 'sign in as organizer to set a verdict';

/** `verdict` comes with single-result reads; `state` (the list's) stands in where a hub sent none. */
export function VerdictCard({
  filename,
  verdict,
  state: listed,
}: {
  filename: string;
  verdict: Verdict | null | undefined;
  state?: VerificationState;
}) {
  const state = verdict?.state ?? listed;
  const by = typeof verdict?.by === 'string' ? verdict.by : null;
  const at = typeof verdict?.at === 'string' ? verdict.at : null;
  const verdictNote = typeof verdict?.note === 'string' ? verdict.note : null;
  const isOrganizer = useIsOrganizer();
  const canVerify = useSession((s) => s.hub?.features.jobs === true && s.hub.features.challenge === true);
  const setVerdict = useLeaderboard((s) => s.setVerdict);
  const requestVerification = useLeaderboard((s) => s.requestVerification);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<string | null>(null);

  const decide = async (next: VerdictBody['verdict']) => {
    setBusy(true);
    setError(null);
    try {
      await setVerdict(filename, { verdict: next, ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
    } catch (err) {
      // The note stays in the box: nothing typed is lost to a refusal.
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      const job = await requestVerification(filename);
      setQueued(`${job.id} (${job.state})`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const history = Array.isArray(verdict?.history) ? [...verdict.history].reverse() : [];
  return (
    <div className="card verdict-card" data-testid="verdict">
      <h3>Verification</h3>
      <div className="row verdict-now">
        <VerificationBadge state={state} />
        {by ? (
          <span className="muted">
            by <strong>{by}</strong>
            {at && (
              <>
                {' '}
                ·{' '}
                <time dateTime={at} title={formatTime(at)}>
                  {formatAgo(at)}
                </time>
              </>
            )}
          </span>
        ) : (
          <span className="muted">nobody has judged it yet</span>
        )}
      </div>
      {isVerificationState(state) && (state === 'unverified' || !by) && (
        <p className="muted verdict-meaning" data-testid="verification-meaning">
          {VERIFICATION_EXPLAINED[state]}.
        </p>
      )}
      {verdictNote && <p className="verdict-note">“{verdictNote}”</p>}
      {history.length > 0 && (
        <ol className="verdict-history" data-testid="verdict-history">
          {history.map((h, i) => (
            <li key={i}>
              <VerificationBadge state={h.state} /> <strong>{h.by}</strong>{' '}
              <span className="muted">({h.authority})</span>{' '}
              <time className="muted" dateTime={h.at} title={formatTime(h.at)}>
                {formatAgo(h.at)}
              </time>
              {h.note && <div className="verdict-history-note">{h.note}</div>}
            </li>
          ))}
        </ol>
      )}
      <form className="verdict-form" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="verdict-note">
          Note <span className="muted">(optional, kept with the verdict)</span>
        </label>
        <textarea
          id="verdict-note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder={isOrganizer ? 'why: e.g. "re-run on the private prompts gave 20% less"' : SIGN_IN}
          disabled={!isOrganizer || busy}
          rows={2}
          maxLength={4000}
        />
        <div className="row wrap">
          {ACTIONS.map((a) => (
            <button
              key={a.state}
              type="button"
              className={a.className}
              disabled={!isOrganizer || busy || (state === a.state && !note.trim())}
              title={
                !isOrganizer
                  ? SIGN_IN
                  : state === a.state
                    ? `already ${a.state}; add a note to record it again`
                    : undefined
              }
              onClick={() => void decide(a.state)}
            >
              {a.label}
            </button>
          ))}
          {canVerify && (
            <button
              type="button"
              className="btn btn-small"
              disabled={!isOrganizer || busy}
              title={
                !isOrganizer
                  ? 'sign in as organizer to re-run a result'
                  : 'queue a job that re-runs its configuration on the private prompts and posts the verdict'
              }
              onClick={() => void verify()}
            >
              Re-run on private prompts
            </button>
          )}
        </div>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {queued && (
          <p className="muted" role="status">
            Verification job queued: {queued}
          </p>
        )}
      </form>
    </div>
  );
}
