// The verified / pending / invalid / unverified mark a result carries everywhere it is shown, with what it means on hover.
import type { VerificationState } from '@shared/api';
import { VERIFICATION_STATES } from '@shared/api';

const LABEL: Record<VerificationState, string> = {
  valid: 'verified',
  pending: 'pending',
  invalid: 'invalid',
  unverified: 'unverified',
};

/** What each state means, in words a reader can act on. */
export const VERIFICATION_EXPLAINED: Record<VerificationState, string> = {
  valid: 'verified: a re-run on the private prompts (or the organizer) confirmed it',
  pending: 'pending: measured by a job of this hub, not re-run on the private prompts yet',
  invalid: 'invalid: a re-run on the private prompts (or the organizer) refuted it',
  unverified:
    'published by hand: no job of this hub measured it; publish through a job to be measured, ranked and verified',
};

export function isVerificationState(state: unknown): state is VerificationState {
  return typeof state === 'string' && (VERIFICATION_STATES as readonly string[]).includes(state);
}

/** A state this dashboard does not know (a newer hub's) is shown as the hub names it, in a neutral mark. */
export function VerificationBadge({ state }: { state: VerificationState | null | undefined }) {
  if (!isVerificationState(state)) {
    const name = typeof state === 'string' && state ? state : 'unknown';
    return (
      <span
        className="badge badge-unknown"
        data-testid="verification-badge"
        data-state={name}
        title={`verification: ${name} (a state this dashboard does not know)`}
      >
        {name}
      </span>
    );
  }
  return (
    <span
      className={`badge badge-${state}`}
      data-testid="verification-badge"
      data-state={state}
      title={VERIFICATION_EXPLAINED[state]}
    >
      {LABEL[state]}
    </span>
  );
}
