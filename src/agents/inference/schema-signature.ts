// A tool's JSON Schema as a one-line signature for the prompt: what a model needs to fill a call, in a tenth of the tokens.

type Schema = Record<string, unknown>;

const json = (v: unknown) => JSON.stringify(v);

/**
 * The grammar already enforces the exact shape of a call, so the prompt only has to tell the model what each field
 * means: types, choices, bounds and top-level descriptions. Pretty-printed JSON Schema costs ~5x the tokens, which a
 * small model's context cannot spare when a dozen tools are offered each step.
 */
export function schemaSignature(schema: unknown, top = true): string {
  if (!schema || typeof schema !== 'object') return 'any';
  const s = schema as Schema;
  if ('const' in s) return json(s.const);
  if (Array.isArray(s.enum)) return s.enum.map(json).join(' | ');
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map((a) => schemaSignature(a, false)).join(' | ');
  const type = Array.isArray(s.type) ? (s.type as string[]).join(' | ') : (s.type as string | undefined);
  switch (type) {
    case 'string': {
      const min = typeof s.minLength === 'number' && s.minLength > 0 ? s.minLength : 0;
      const max = typeof s.maxLength === 'number' ? s.maxLength : null;
      return max === null ? 'string' : `string(${min ? `${min}-` : '≤'}${max})`;
    }
    case 'array': {
      const max = typeof s.maxItems === 'number' ? `, ≤${s.maxItems}` : '';
      return `[${schemaSignature(s.items, false)}${max}]`;
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const fields = Object.entries(props).map(([k, v]) => {
        const d =
          top && v && typeof v === 'object' && typeof (v as Schema).description === 'string'
            ? ` (${(v as Schema).description as string})`
            : '';
        return `${k}: ${schemaSignature(v, false)}${d}`;
      });
      return `{${fields.join(', ')}}`;
    }
    case undefined:
      return 'any';
    default:
      return type;
  }
}
