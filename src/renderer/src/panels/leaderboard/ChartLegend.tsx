// What the chart's marks mean, drawn with the same marks (and the same theme colours) as the chart itself.

function Swatch({ kind }: { kind: string }) {
  return (
    <svg width="22" height="14" viewBox="0 0 22 14" aria-hidden className="legend-swatch">
      {kind === 'best' && <path className="chart-running-best" d="M1,10H11V4H21" />}
      {kind === 'baseline' && <line className="chart-baseline-line" x1="1" x2="21" y1="7" y2="7" />}
      {kind === 'interval' && (
        <g className="interval-bar interval-pending">
          <line x1="11" x2="11" y1="1" y2="13" />
          <line x1="8" x2="14" y1="1" y2="1" />
          <line x1="8" x2="14" y1="13" y2="13" />
        </g>
      )}
      {kind.startsWith('point-') && (
        <g className={`chart-point ${kind}`}>
          {kind.includes('point-tie') && <circle className="point-ring" cx="11" cy="7" r="6" />}
          <circle className="point-dot" cx="11" cy="7" r="4" />
        </g>
      )}
    </svg>
  );
}

export function ChartLegend({
  hasBaseline,
  includeInvalid,
  includeUnverified,
}: {
  hasBaseline: boolean;
  includeInvalid: boolean;
  includeUnverified?: boolean;
}) {
  const items: Array<[string, string]> = [
    ['point-valid', 'verified'],
    ['point-pending', 'pending'],
    ...(includeInvalid ? [['point-invalid', 'invalid'] as [string, string]] : []),
    includeUnverified
      ? ['point-unverified', 'unverified (published by hand)']
      : ['point-unverified point-unranked', 'unverified: published by hand, not ranked'],
    ['point-pending point-unranked', 'not ranked (the list below says why)'],
    ['point-pending point-tie', 'tie with the leader (intervals overlap)'],
    ['interval', '95% interval'],
    ['best', 'running best'],
    ...(hasBaseline ? [['baseline', 'baseline'] as [string, string]] : []),
  ];
  return (
    <ul className="chart-legend" aria-label="Chart legend">
      {items.map(([kind, text]) => (
        <li key={kind}>
          <Swatch kind={kind} />
          {text}
        </li>
      ))}
    </ul>
  );
}
