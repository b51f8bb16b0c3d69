// Plain text in the preview: monospace, with line numbers in a gutter that scrolls with it.
import { useMemo } from 'react';

export function TextView({ text, label }: { text: string; label: string }) {
  const numbers = useMemo(() => {
    const count = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    return Array.from({ length: Math.max(count, 1) }, (_, i) => i + 1).join('\n');
  }, [text]);
  return (
    <div className="ws-text" data-testid="text-view" role="region" aria-label={label} tabIndex={0}>
      <pre className="ws-text-gutter" aria-hidden>
        {numbers}
      </pre>
      <pre className="ws-text-body">{text}</pre>
    </div>
  );
}
