// How often the target accepted the drafted token at each draft position: where speculation stops paying.

export function AcceptanceBars({ values }: { values: number[] }) {
  return (
    <div className="acceptance" data-testid="acceptance" role="list" aria-label="Acceptance per draft position">
      {values.map((v, i) => {
        const pct = Math.max(0, Math.min(1, v)) * 100;
        return (
          <div
            key={i}
            className="acceptance-col"
            role="listitem"
            title={`position ${i + 1}: ${pct.toFixed(1)}% accepted`}
            data-testid="acceptance-bar"
          >
            <span className="acceptance-value">{Math.round(pct)}%</span>
            <div className="acceptance-track">
              <span className="acceptance-fill" style={{ height: `${pct}%` }} />
            </div>
            <span className="acceptance-pos">{i + 1}</span>
          </div>
        );
      })}
    </div>
  );
}
