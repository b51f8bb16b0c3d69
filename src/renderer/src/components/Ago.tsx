// A time shown relative ("3 min ago") that stays current, with the exact local time on hover; and the clock behind it.
import { useEffect, useState } from 'react';
import { formatAgo, formatTime } from '../format';

/** Re-renders every `ms` so relative times and elapsed durations move on their own. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function Ago({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {formatAgo(iso, now)}
    </time>
  );
}
