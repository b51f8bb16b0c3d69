// The verified / pending / invalid mark a result carries everywhere it is shown.
import type { VerificationState } from '../../../shared/api';

const LABEL: Record<VerificationState, string> = { valid: 'verified', pending: 'pending', invalid: 'invalid' };

export function VerificationBadge({ state }: { state: VerificationState }) {
  return <span className={`badge badge-${state}`} title={`verification: ${state}`}>{LABEL[state]}</span>;
}
