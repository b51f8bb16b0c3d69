// Frontmatter objects (a run configuration, provenance) as a readable two-column table, nested keys joined by " · ".

export type FieldValue = string | number | boolean | null;

/** Flattens nested objects into [path, value] pairs; lists of plain values read as one space-separated line. */
export function flattenFields(value: unknown, prefix = ''): Array<[string, FieldValue]> {
  if (value === null || typeof value !== 'object') return [[prefix || 'value', value as FieldValue]];
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return [[prefix, value.map(String).join(' ')]];
    return value.flatMap((v, i) => flattenFields(v, `${prefix}[${i}]`));
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    flattenFields(v, prefix ? `${prefix} · ${k}` : k),
  );
}

function show(v: FieldValue): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(8)));
  return v;
}

export function FieldTable({ fields, testId }: { fields: Array<[string, FieldValue]>; testId?: string }) {
  return (
    <table className="field-table" data-testid={testId}>
      <tbody>
        {fields.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td
              className={
                typeof v === 'number' ? 'mono num-left' : typeof v === 'string' && v.length > 60 ? 'mono long' : 'mono'
              }
              title={typeof v === 'string' && v.length > 60 ? v : undefined}
            >
              {show(v)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
