// A public result's verification as its collab gives it (valid, pending, invalid), as a badge with what it means there.
const EXPLAINED: Record<string, string> = {
  valid: 'verified: the public collab re-ran it (or its organizer confirmed it)',
  pending: 'pending: the public collab has not re-run it yet',
  invalid: 'invalid: the public collab re-ran it (or its organizer) and refuted it',
};

const LABEL: Record<string, string> = { valid: 'verified', pending: 'pending', invalid: 'invalid' };

/** A state this dashboard does not know (a newer collab's) is shown as the collab names it, in a neutral mark. */
export function PublicVerification({ state }: { state: string | null }) {
  const name = state ?? 'unknown';
  const known = Object.hasOwn(LABEL, name);
  return (
    <span
      className={`badge ${known ? `badge-${name}` : 'badge-unknown'}`}
      data-testid="verification-badge"
      data-state={name}
      title={known ? EXPLAINED[name] : `verification: ${name} (a state this dashboard does not know)`}
    >
      {known ? LABEL[name] : name}
    </span>
  );
}
