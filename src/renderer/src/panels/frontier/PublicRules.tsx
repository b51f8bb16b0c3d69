// A followed collab's rules (its central README as last read), folded: what counts there and on which hardware is its word, not this dashboard's.
import { Markdown } from '../../components/Markdown';

export function PublicRules({ rules }: { rules: string | null }) {
  if (!rules) return <p className="muted">Its rules have not been read yet.</p>;
  return (
    <details className="frontier-rules" data-testid="frontier-rules">
      <summary>Its rules (what counts, how and on which hardware it is measured)</summary>
      <Markdown text={rules} />
    </details>
  );
}
