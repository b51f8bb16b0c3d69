// Parses the time forms the list grammar accepts for since/until into epoch milliseconds.
import { HubError } from './hub-error';

const STAMP = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d{3}))?$/;
const FRONTMATTER = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}) UTC$/;

/**
 * Accepts ISO 8601 (`2026-11-21T22:05:00Z`, `2026-11-21`), the frontmatter form (`2026-11-21 22:05 UTC`),
 * a file stamp (`20261121-220500[-123]`) or epoch milliseconds.
 */
export function parseTime(value: string, name: string): number {
  let ms = Number.NaN;
  const stamp = STAMP.exec(value);
  const fm = FRONTMATTER.exec(value);
  if (stamp) {
    const [, y, mo, d, h, mi, s, milli] = stamp;
    ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, milli ? +milli : 0);
  } else if (fm) {
    const [, y, mo, d, h, mi] = fm;
    ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!);
  } else if (/^\d{10,14}$/.test(value)) {
    ms = Number(value);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || value.length === 10 ? value : value + 'Z');
  }
  if (Number.isNaN(ms)) {
    throw new HubError(
      'INVALID_QUERY',
      `${name}="${value}" is not a time`,
      `use ISO 8601 (2026-11-21T22:05:00Z), "2026-11-21 22:05 UTC" or a file stamp (20261121-220500)`,
    );
  }
  return ms;
}
