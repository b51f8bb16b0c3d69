// Turns a tool's JSON Schema into a bounded node-llama-cpp grammar schema, and checks generated values against the original.
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { GbnfJsonSchema } from 'node-llama-cpp';
import type { JsonSchema } from './openai-types';

/**
 * Upper bounds given to what a schema leaves open. Grammar-constrained generation ends only when the grammar lets it:
 * an unbounded string or array can go on forever, and on weak (or random) weights it does (field notes). With every
 * string and array bounded, a constrained call always closes.
 */
export interface GrammarBounds {
  /** maxLength for strings that set none. */
  maxStringLength: number;
  /** maxItems for arrays that set none. */
  maxArrayItems: number;
  /** Extra keys allowed by an `additionalProperties` schema, when maxProperties is not set. */
  maxExtraProperties: number;
}

export const DEFAULT_BOUNDS: GrammarBounds = { maxStringLength: 2000, maxArrayItems: 32, maxExtraProperties: 16 };

/** A schema (or part of one) that no grammar here can express; `path` names the part, e.g. tools[0].function.parameters.properties.x. */
export class SchemaConversionError extends Error {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`${path}: ${why}`);
    this.name = 'SchemaConversionError';
  }
}

type SchemaObject = { [key: string]: unknown };
type Primitive = string | number | boolean | null;

const IMMUTABLE_TYPES = ['string', 'number', 'integer', 'boolean', 'null'] as const;
const ALL_TYPES = new Set<string>([...IMMUTABLE_TYPES, 'object', 'array']);
const GRAMMAR_FORMATS = new Set(['date-time', 'date', 'time']);

const isObject = (v: unknown): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): v is Primitive => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * The JSON Schema -> GbnfJsonSchema conversion. node-llama-cpp's grammar knows objects (every listed property is
 * generated, in order), strings with lengths, numbers without ranges, enum/const/oneOf, arrays with item counts and
 * local $defs references. Keywords it cannot express (minimum, pattern, uniqueItems, ...) are dropped: the grammar
 * is then looser than the schema, and the caller checks the result with `schemaProblems` to say so.
 */
class Converter {
  private readonly defs: Record<string, GbnfJsonSchema> = {};
  private readonly rawDefs: Record<string, unknown> = {};

  constructor(
    private readonly bounds: GrammarBounds,
    private readonly root: string,
  ) {}

  convertRoot(schema: unknown): GbnfJsonSchema {
    if (isObject(schema)) {
      for (const key of ['$defs', 'definitions'] as const) {
        const defs = schema[key];
        if (defs === undefined) continue;
        if (!isObject(defs))
          throw new SchemaConversionError(`${this.root}.${key}`, `${key} must be an object of schemas`);
        for (const [name, def] of Object.entries(defs)) this.rawDefs[name] = def;
      }
      // Definitions are converted first so that references can be checked; a recursive definition refers to itself by name only.
      for (const [name, def] of Object.entries(this.rawDefs))
        this.defs[name] = this.convert(def, `${this.root}.$defs.${name}`);
    }
    const converted = this.convert(schema, this.root);
    if (Object.keys(this.defs).length === 0) return converted;
    return this.withDefs(converted);
  }

  /** $defs ride on the root; node-llama-cpp resolves references within the scope that carries them. */
  private withDefs(converted: GbnfJsonSchema): GbnfJsonSchema {
    const c = converted as SchemaObject;
    if ('properties' in c || c.type === 'object' || c.type === 'array' || 'oneOf' in c || '$ref' in c) {
      return { ...c, $defs: this.defs } as GbnfJsonSchema;
    }
    return { oneOf: [converted], $defs: this.defs } as GbnfJsonSchema;
  }

  private convert(schema: unknown, path: string): GbnfJsonSchema {
    if (schema === true) return this.anyValue();
    if (schema === false)
      throw new SchemaConversionError(path, 'the schema `false` admits no value, so no call could be generated');
    if (!isObject(schema))
      throw new SchemaConversionError(path, `a schema must be an object or a boolean, not ${JSON.stringify(schema)}`);
    const description = typeof schema.description === 'string' ? { description: schema.description } : {};

    if (schema.nullable === true) {
      // OpenAPI's `nullable`: the value or null.
      const { nullable: _nullable, ...rest } = schema;
      return { oneOf: [this.convert(rest, path), { type: 'null' }], ...description };
    }
    if (typeof schema.$ref === 'string') return { $ref: this.ref(schema.$ref, path), ...description } as GbnfJsonSchema;
    if (schema.$ref !== undefined) throw new SchemaConversionError(`${path}.$ref`, '$ref must be a string');
    if ('const' in schema) {
      if (!isPrimitive(schema.const))
        throw new SchemaConversionError(
          `${path}.const`,
          'only a string, number, boolean or null const can be generated',
        );
      return { const: schema.const, ...description };
    }
    if ('enum' in schema) {
      const values = schema.enum;
      if (!Array.isArray(values) || values.length === 0)
        throw new SchemaConversionError(`${path}.enum`, 'enum must be a non-empty array');
      const bad = values.findIndex((v) => !isPrimitive(v));
      if (bad >= 0)
        throw new SchemaConversionError(
          `${path}.enum[${bad}]`,
          'only string, number, boolean or null enum values can be generated',
        );
      return { enum: values as Primitive[], ...description };
    }
    if (Array.isArray(schema.allOf)) return this.convert(this.mergeAllOf(schema, path), path);
    if (schema.allOf !== undefined)
      throw new SchemaConversionError(`${path}.allOf`, 'allOf must be an array of schemas');

    const alternatives = schema.oneOf ?? schema.anyOf;
    const key = schema.oneOf !== undefined ? 'oneOf' : 'anyOf';
    // A oneOf beside a type or properties only narrows that type (e.g. "one of these keys is required"): a rule the
    // grammar cannot hold, so the type alone is generated. A bare oneOf/anyOf lists the alternatives themselves.
    const narrowsAType = schema.type !== undefined || schema.properties !== undefined;
    if (alternatives !== undefined && !narrowsAType) {
      if (!Array.isArray(alternatives) || alternatives.length === 0)
        throw new SchemaConversionError(`${path}.${key}`, `${key} must be a non-empty array of schemas`);
      return { oneOf: alternatives.map((alt, i) => this.convert(alt, `${path}.${key}[${i}]`)), ...description };
    }

    const type = schema.type;
    if (Array.isArray(type)) {
      const types = [...new Set(type)];
      for (const [i, t] of types.entries()) {
        if (typeof t !== 'string' || !ALL_TYPES.has(t))
          throw new SchemaConversionError(
            `${path}.type[${i}]`,
            `${JSON.stringify(t)} is not a JSON Schema type (${[...ALL_TYPES].join(', ')})`,
          );
      }
      if (types.length === 0) throw new SchemaConversionError(`${path}.type`, 'type must not be an empty array');
      if (types.length === 1) return this.convert({ ...schema, type: types[0] }, path);
      // e.g. ["string", "null"]: each type keeps the keywords that apply to it (a string keeps its maxLength).
      return {
        oneOf: types.map((t) => this.convert({ ...schema, type: t, description: undefined }, path)),
        ...description,
      };
    }
    if (type !== undefined && (typeof type !== 'string' || !ALL_TYPES.has(type))) {
      throw new SchemaConversionError(
        `${path}.type`,
        `${JSON.stringify(type)} is not a JSON Schema type (${[...ALL_TYPES].join(', ')})`,
      );
    }
    const implied =
      type ??
      (schema.properties !== undefined || schema.additionalProperties !== undefined
        ? 'object'
        : schema.items !== undefined || schema.prefixItems !== undefined
          ? 'array'
          : undefined);
    switch (implied) {
      case 'string':
        return { ...this.string(schema, path), ...description };
      case 'number':
      case 'integer':
      case 'boolean':
      case 'null':
        return { type: implied, ...description };
      case 'object':
        return { ...this.object(schema, path), ...description } as GbnfJsonSchema;
      case 'array':
        return { ...this.array(schema, path), ...description } as GbnfJsonSchema;
      default:
        return { ...this.anyValue(), ...description };
    }
  }

  private string(schema: SchemaObject, path: string): GbnfJsonSchema {
    const minLength = this.count(schema.minLength, `${path}.minLength`);
    const maxLength = this.count(schema.maxLength, `${path}.maxLength`);
    if (
      typeof schema.format === 'string' &&
      GRAMMAR_FORMATS.has(schema.format) &&
      minLength === undefined &&
      maxLength === undefined
    ) {
      // Dates and times have a fixed shape: bounded by nature.
      return { type: 'string', format: schema.format as 'date-time' | 'date' | 'time' };
    }
    const cap = maxLength ?? Math.max(this.bounds.maxStringLength, minLength ?? 0);
    if (minLength !== undefined && minLength > cap)
      throw new SchemaConversionError(`${path}.minLength`, `minLength ${minLength} is more than maxLength ${cap}`);
    return { type: 'string', ...(minLength ? { minLength } : {}), maxLength: cap };
  }

  private object(schema: SchemaObject, path: string): GbnfJsonSchema {
    const props = schema.properties ?? {};
    if (!isObject(props))
      throw new SchemaConversionError(`${path}.properties`, 'properties must be an object of schemas');
    // Every listed property is generated (node-llama-cpp's grammar has no optional keys); a value the schema
    // allows, since listing more than `required` asks for is never wrong.
    const properties = Object.fromEntries(
      Object.entries(props).map(([name, s]) => [name, this.convert(s, `${path}.properties.${name}`)]),
    );
    const extra = schema.additionalProperties;
    if (!isObject(extra)) {
      // `true` (or JSON Schema's default) would let the grammar invent keys holding unbounded JSON: the listed keys only.
      return { type: 'object', properties };
    }
    const listed = Object.keys(properties).length;
    const maxProperties =
      this.count(schema.maxProperties, `${path}.maxProperties`) ?? listed + this.bounds.maxExtraProperties;
    const minProperties = this.count(schema.minProperties, `${path}.minProperties`);
    return {
      type: 'object',
      properties,
      additionalProperties: this.convert(extra, `${path}.additionalProperties`),
      maxProperties: Math.max(maxProperties, listed),
      ...(minProperties !== undefined ? { minProperties } : {}),
    };
  }

  private array(schema: SchemaObject, path: string): GbnfJsonSchema {
    // draft-07 tuples (`items: [...]`) and 2020-12 tuples (`prefixItems`) are the same thing to the grammar.
    const tuple = Array.isArray(schema.items) ? schema.items : schema.prefixItems;
    if (tuple !== undefined && !Array.isArray(tuple))
      throw new SchemaConversionError(`${path}.prefixItems`, 'prefixItems must be an array of schemas');
    const tupleKey = Array.isArray(schema.items) ? 'items' : 'prefixItems';
    const prefixItems = tuple?.map((s, i) => this.convert(s, `${path}.${tupleKey}[${i}]`));
    const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
    const minItems = this.count(schema.minItems, `${path}.minItems`);
    let maxItems = this.count(schema.maxItems, `${path}.maxItems`);
    let items: GbnfJsonSchema | undefined;
    if (rest === false) maxItems = prefixItems?.length ?? 0;
    else if (rest === undefined || rest === true) items = this.anyValue();
    else items = this.convert(rest, `${path}.items`);
    maxItems ??= Math.max(this.bounds.maxArrayItems, minItems ?? 0, prefixItems?.length ?? 0);
    if (minItems !== undefined && minItems > maxItems)
      throw new SchemaConversionError(`${path}.minItems`, `minItems ${minItems} is more than maxItems ${maxItems}`);
    return {
      type: 'array',
      ...(items ? { items } : {}),
      ...(prefixItems ? { prefixItems } : {}),
      ...(minItems ? { minItems } : {}),
      maxItems,
    };
  }

  /** allOf of plain object schemas merges into one; a lone part (pydantic's way of describing a $ref) stands for itself. */
  private mergeAllOf(schema: SchemaObject, path: string): SchemaObject {
    const { allOf, ...rest } = schema;
    const parts = allOf as unknown[];
    if (parts.length === 1 && isObject(parts[0])) return { ...rest, ...parts[0] };
    const merged: SchemaObject = { ...rest };
    const properties: SchemaObject = isObject(rest.properties) ? { ...rest.properties } : {};
    for (const [i, part] of parts.entries()) {
      if (
        !isObject(part) ||
        part.$ref !== undefined ||
        part.oneOf !== undefined ||
        part.anyOf !== undefined ||
        part.allOf !== undefined
      ) {
        throw new SchemaConversionError(
          `${path}.allOf[${i}]`,
          'allOf can only be generated when its parts are plain schemas (no $ref, oneOf, anyOf or allOf inside): merge them into one schema',
        );
      }
      if (part.type !== undefined && merged.type !== undefined && part.type !== merged.type) {
        throw new SchemaConversionError(
          `${path}.allOf[${i}].type`,
          `type ${JSON.stringify(part.type)} conflicts with ${JSON.stringify(merged.type)}`,
        );
      }
      Object.assign(merged, part);
      if (isObject(part.properties)) Object.assign(properties, part.properties);
    }
    if (Object.keys(properties).length > 0) merged.properties = properties;
    return merged;
  }

  private ref(ref: string, path: string): string {
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    if (!match)
      throw new SchemaConversionError(
        `${path}.$ref`,
        `reference ${ref} cannot be followed: only #/$defs/<name> and #/definitions/<name> at the schema's root are supported`,
      );
    const name = decodeURIComponent(match[2]!.replaceAll('~1', '/').replaceAll('~0', '~'));
    if (!(name in this.rawDefs))
      throw new SchemaConversionError(
        `${path}.$ref`,
        `reference ${ref} names no definition (known: ${Object.keys(this.rawDefs).join(', ') || 'none'})`,
      );
    return `#/$defs/${name}`;
  }

  private count(v: unknown, path: string): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new SchemaConversionError(path, `must be a non-negative integer, not ${JSON.stringify(v)}`);
    return v;
  }

  /** "Any value", bounded: a string (capped), a number, a boolean or null. Objects and arrays are left out, so it always closes. */
  private anyValue(): GbnfJsonSchema {
    return {
      oneOf: [
        { type: 'string', maxLength: this.bounds.maxStringLength },
        { type: 'number' },
        { type: 'boolean' },
        { type: 'null' },
      ],
    };
  }
}

/**
 * The grammar schema for a JSON Schema, every string and array bounded. `path` names the schema in errors
 * (e.g. "tools[0].function.parameters"). Throws SchemaConversionError for what cannot be expressed.
 */
export function toGbnfJsonSchema(
  schema: JsonSchema | undefined,
  path: string,
  bounds: GrammarBounds = DEFAULT_BOUNDS,
): GbnfJsonSchema {
  // No parameters: the arguments are an empty object, as OpenAI models call such tools.
  if (schema === undefined) return { type: 'object', properties: {} };
  return new Converter(bounds, path).convertRoot(schema);
}

/**
 * node-llama-cpp's JSON grammar lets an integer carry an exponent (field notes), and "1e-3" is not an integer.
 * This takes the exponent out of the integer rule of a generated GBNF text (numbers keep theirs).
 */
export function withoutIntegerExponents(gbnf: string): string {
  return gbnf.replace(
    /^(integer-number-rule ::= .*?) \(\[eE\] \[-\+\]\? \("0" \| \[1-9\] \[0-9\]\{0,15\}\)\)\?$/m,
    '$1',
  );
}

type Validate = ((value: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

const validators = new Map<string, Validate | string>();
const MAX_VALIDATORS = 256;
let draft07: Ajv | null = null;
let draft2020: Ajv2020 | null = null;

function compile(schema: JsonSchema): Validate | string {
  const key = JSON.stringify(schema);
  const cached = validators.get(key);
  if (cached !== undefined) return cached;
  let result: Validate | string;
  try {
    // Tuples say which draft a schema is written in: `prefixItems` (2020-12) or `items: [...]` (draft-07).
    const is2020 =
      (isObject(schema) && typeof schema.$schema === 'string' && schema.$schema.includes('2020-12')) ||
      key.includes('"prefixItems"');
    const options = { strict: false, allErrors: true } as const;
    const ajv = is2020 ? (draft2020 ??= addFormats(new Ajv2020(options))) : (draft07 ??= addFormats(new Ajv(options)));
    result = ajv.compile(schema) as Validate;
  } catch (err) {
    result = `the schema could not be compiled for checking: ${(err as Error).message}`;
  }
  if (validators.size >= MAX_VALIDATORS) validators.delete(validators.keys().next().value!);
  validators.set(key, result);
  return result;
}

/**
 * What is wrong with a generated value under the original schema (empty: nothing). For reporting only: the grammar
 * drops rules it cannot express, so a value can follow the grammar and still break e.g. a `minimum`. Never throws.
 */
export function schemaProblems(schema: JsonSchema | undefined, value: unknown): string[] {
  if (schema === undefined) return [];
  const validate = compile(schema);
  if (typeof validate === 'string') return [validate];
  try {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  } catch (err) {
    return [`checking failed: ${(err as Error).message}`];
  }
}
