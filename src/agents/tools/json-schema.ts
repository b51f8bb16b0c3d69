// Tool argument schemas that grammar-constrained decoding can always finish: the types, builders, and ajv checks.
import Ajv, { type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';

/*
 * Local agents decode tool calls under a JSON grammar (node-llama-cpp's GbnfJsonSchema), often on small or even
 * random-weight models. The grammar generates every property of an object, admits exponents in integers and never
 * closes an unbounded string, so these types only allow what always terminates: every string has a maxLength,
 * every array a maxItems, numbers with a range are enums, and every object lists all its properties as required.
 * Each type is a structural subset of GbnfJsonSchema, so a tool's parameters can be handed to the grammar as they are;
 * they are type aliases (not interfaces) so they also fit plain `{ [key: string]: unknown }` JSON Schema slots.
 */

export type JsonStringSchema = { type: 'string'; minLength?: number; maxLength: number; description?: string };
export type JsonNumberSchema = { type: 'number'; description?: string };
export type JsonBooleanSchema = { type: 'boolean'; description?: string };
export type JsonConstSchema = { const: string | number | boolean; description?: string };
export type JsonEnumSchema = { enum: ReadonlyArray<string | number | boolean>; description?: string };
export type JsonOneOfSchema = { oneOf: readonly JsonSchema[]; description?: string };
export type JsonArraySchema = { type: 'array'; items: JsonSchema; maxItems: number; description?: string };
export type JsonObjectSchema = {
  type: 'object';
  properties: Record<string, JsonSchema>;
  /** Always every property: the grammar generates them all, so a validator must expect them all. */
  required: readonly string[];
  additionalProperties: false;
  description?: string;
};
export type JsonSchema =
  | JsonStringSchema
  | JsonNumberSchema
  | JsonBooleanSchema
  | JsonConstSchema
  | JsonEnumSchema
  | JsonOneOfSchema
  | JsonArraySchema
  | JsonObjectSchema;

// ---- builders ---------------------------------------------------------------------------------------------------

export function str(maxLength: number, description: string, minLength = 0): JsonStringSchema {
  return minLength > 0
    ? { type: 'string', minLength, maxLength, description }
    : { type: 'string', maxLength, description };
}

export function oneOfValues<T extends string | number | boolean>(
  values: readonly T[],
  description?: string,
): JsonEnumSchema {
  return description === undefined ? { enum: values } : { enum: values, description };
}

export function object(properties: Record<string, JsonSchema>, description?: string): JsonObjectSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
    ...(description ? { description } : {}),
  };
}

// ---- validation -------------------------------------------------------------------------------------------------

const ajv = new Ajv({ allErrors: true, strict: false });
/**
 * Keyed by the schema's text, not its object: tool lists are rebuilt whenever the challenge may have changed (every
 * step of a local agent), and ajv keeps every schema object it ever compiled.
 */
const compiled = new Map<string, ValidateFunction>();

/** null when `value` fits `schema`; otherwise what is wrong, one clause per problem, naming the fields. */
export function checkArguments(schema: JsonObjectSchema, value: unknown): string | null {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(JSON.parse(key) as AnySchema);
    compiled.set(key, validate);
  }
  if (validate(value)) return null;
  return describeErrors(schema, validate.errors ?? [], value);
}

type Path = Array<string | number>;

function at(root: unknown, path: Path): unknown {
  let v = root;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined;
  return v;
}

function pointer(path: string): Path {
  return path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function fieldName(path: Path): string {
  if (path.length === 0) return 'the arguments';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The values a property may take in a branch, when the branch pins them (const or enum). */
function pinned(schema: JsonSchema | undefined): ReadonlyArray<string | number | boolean> | null {
  if (!schema) return null;
  if ('const' in schema) return [schema.const];
  if ('enum' in schema) return schema.enum;
  return null;
}

/**
 * Which branch of a oneOf the caller meant: narrowed by each property whose pinned values tell branches apart
 * (spec_type first, then the settings that depend on it). Returns the branch, or the property that matched none.
 */
function chooseBranch(
  branches: readonly JsonSchema[],
  value: unknown,
): { index: number } | { key: string; allowed: Array<string | number | boolean> } | null {
  const objects = branches
    .map((b, index) => ({ b, index }))
    .filter((x): x is { b: JsonObjectSchema; index: number } => 'properties' in x.b);
  if (objects.length === 0 || objects.length !== branches.length || value === null || typeof value !== 'object')
    return null;
  const keys = Object.keys(objects[0]!.b.properties).filter((k) =>
    objects.every(({ b }) => pinned(b.properties[k]) !== null),
  );
  let candidates = objects;
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const sets = candidates.map(({ b }) => pinned(b.properties[key])!);
    if (sets.every((s) => s.length === sets[0]!.length && s.every((x) => sets[0]!.includes(x)))) continue;
    const next = candidates.filter(({ b }) => pinned(b.properties[key])!.includes(v as string));
    if (next.length === 0) return { key, allowed: [...new Set(sets.flat())] };
    candidates = next;
  }
  return { index: candidates[0]!.index };
}

function schemaAt(root: JsonSchema, schemaPath: string): JsonSchema | undefined {
  let s: unknown = root;
  for (const key of pointer(schemaPath.replace(/^#/, '')))
    s = s !== null && typeof s === 'object' ? (s as Record<string | number, unknown>)[key] : undefined;
  return s as JsonSchema | undefined;
}

function clause(root: JsonSchema, e: ErrorObject): string {
  const where = fieldName(pointer(e.instancePath));
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const parent = schemaAt(root, e.schemaPath.replace(/\/additionalProperties$/, ''));
      const fields =
        parent && 'properties' in parent ? ` (its fields: ${Object.keys(parent.properties).join(', ')})` : '';
      return `${where} has an unknown field "${String(p.additionalProperty)}"${fields}`;
    }
    case 'enum':
      return `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(p.allowedValue)}`;
    case 'maxLength':
      return `${where} is too long: at most ${String(p.limit)} characters`;
    case 'minLength':
      return p.limit === 1 ? `${where} must not be empty` : `${where} must have at least ${String(p.limit)} characters`;
    // Only in MCP's relaxed schemas, where a numeric choice becomes an integer range.
    case 'minimum':
    case 'maximum': {
      const field = schemaAt(root, e.schemaPath.replace(/\/(minimum|maximum)$/, '')) as
        { minimum?: number; maximum?: number } | undefined;
      return field?.minimum !== undefined && field.maximum !== undefined
        ? `${where} must be an integer from ${field.minimum} to ${field.maximum}`
        : `${where} ${e.message ?? 'is out of range'}`;
    }
    case 'maxItems':
      return `${where} has too many items: at most ${String(p.limit)}`;
    case 'type':
      return `${where} must be ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)}`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * ajv reports every branch of a oneOf as failing; an agent needs only the complaints about the branch it meant
 * (or, when no branch fits its discriminating value, the values that would).
 */
function describeErrors(root: JsonObjectSchema, errors: ErrorObject[], value: unknown): string {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const skip = new Set<ErrorObject>(oneOfs);
  const extra: string[] = [];
  for (const o of oneOfs) {
    // ajv's schemaPath of a oneOf error ends at the keyword itself: "#/properties/config/oneOf".
    const branches = (schemaAt(root, o.schemaPath) as readonly JsonSchema[] | undefined) ?? [];
    const instancePath = pointer(o.instancePath);
    const choice = chooseBranch(branches, at(value, instancePath));
    const inside = errors.filter((e) => e.schemaPath.startsWith(`${o.schemaPath}/`));
    if (choice === null) continue;
    if ('key' in choice) {
      inside.forEach((e) => skip.add(e));
      extra.push(
        `${fieldName([...instancePath, choice.key])} must be one of ${choice.allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    } else {
      for (const e of inside) if (!e.schemaPath.startsWith(`${o.schemaPath}/${choice.index}/`)) skip.add(e);
    }
  }
  const kept = errors.filter((e) => !skip.has(e));
  // Wrong values first (they are what the agent got wrong), then one clause per object listing what it left out.
  const wrong = kept.filter((e) => e.keyword !== 'required').map((e) => clause(root, e));
  const missing = new Map<string, string[]>();
  for (const e of kept.filter((x) => x.keyword === 'required')) {
    const list = missing.get(e.instancePath) ?? [];
    list.push(`"${String((e.params as { missingProperty?: unknown }).missingProperty)}"`);
    missing.set(e.instancePath, list);
  }
  const absent = [...missing].map(
    ([path, names]) =>
      `${path === '' ? 'the arguments are' : `${fieldName(pointer(path))} is`} missing ${names.join(', ')}`,
  );
  const unique = [...new Set([...extra, ...wrong, ...absent])];
  return unique.length === 0 ? 'the arguments do not fit the schema' : unique.slice(0, 6).join('; ');
}

// ---- examples ---------------------------------------------------------------------------------------------------

/**
 * A call that fits the schema, shaped like the caller's attempt where it can be (the oneOf branch it meant):
 * shown beside an error so a small model can copy the structure.
 */
export function exampleOf(schema: JsonSchema, like?: unknown): unknown {
  if ('const' in schema) return schema.const;
  if ('enum' in schema) return like !== undefined && schema.enum.includes(like as string) ? like : schema.enum[0];
  if ('oneOf' in schema) {
    const choice = chooseBranch(schema.oneOf, like);
    const index = choice && 'index' in choice ? choice.index : 0;
    return exampleOf(schema.oneOf[index]!, like);
  }
  // MCP's relaxed schemas turn a numeric choice into an integer range; the grammar's own schemas have none.
  const range = schema as { type?: string; minimum?: number; maximum?: number };
  if (range.type === 'integer') {
    const [lo, hi] = [range.minimum ?? 1, range.maximum ?? Number.MAX_SAFE_INTEGER];
    return typeof like === 'number' && Number.isInteger(like) && like >= lo && like <= hi ? like : lo;
  }
  switch (schema.type) {
    case 'string':
      // The caller's own short values are kept (a model name, a path); long text is not echoed back.
      return typeof like === 'string' &&
        like.length >= (schema.minLength ?? 0) &&
        like.length <= Math.min(schema.maxLength, 40)
        ? like
        : (schema.minLength ?? 0) > 0
          ? '...'
          : '';
    case 'number':
      return typeof like === 'number' ? like : 1;
    case 'boolean':
      return typeof like === 'boolean' ? like : false;
    case 'array':
      return [];
    case 'object': {
      const src =
        like !== null && typeof like === 'object' && !Array.isArray(like) ? (like as Record<string, unknown>) : {};
      return Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, exampleOf(s, src[k])]));
    }
  }
}
