// A record's frontmatter (agent, timestamp, score, method…) as a small table above its rendered body.
import { BreakableText } from '../../components/BreakableText';

export function FrontmatterTable({ fields }: { fields: Array<[string, string]> }) {
  if (fields.length === 0) return null;
  return (
    <table className="ws-frontmatter" aria-label="Frontmatter">
      <tbody>
        {fields.map(([key, value], i) => (
          <tr key={`${key}-${i}`}>
            <th scope="row">{key}</th>
            <td>
              {/* Compact JSON and paths wrap after a comma or a slash, not inside a key or a name. */}
              <BreakableText text={value} after=",/" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
