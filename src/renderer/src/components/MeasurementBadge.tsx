// How far a measurement can be trusted (clean, noisy, disturbed) as a mark, with what it means and why on hover.
import { MEASUREMENT_EXPLAINED, measurementOf } from '../facts';

export function MeasurementBadge({ quality, note }: { quality: unknown; note?: string | null }) {
  const known = measurementOf(quality);
  const label = known ?? (typeof quality === 'string' && quality ? quality : 'unknown');
  const meaning = known ? MEASUREMENT_EXPLAINED[known] : 'a measurement quality this dashboard does not know';
  return (
    <span
      className={`badge badge-measurement badge-measurement-${known ?? 'unknown'}`}
      data-testid="measurement-badge"
      data-quality={label}
      title={note ? `${meaning}. ${note}` : meaning}
    >
      {label === 'clean' ? 'clean measurement' : label}
    </span>
  );
}
