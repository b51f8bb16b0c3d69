// Tool schemas become bounded grammar schemas: what is kept, what is capped, what is refused (by path), what is reported.
import { describe, expect, it } from 'vitest';
import {
  schemaProblems,
  toGbnfJsonSchema,
  withoutIntegerExponents,
} from '../../../src/agents/inference/json-schema-grammar';

const bounds = { maxStringLength: 100, maxArrayItems: 5, maxExtraProperties: 3 };
const convert = (schema: unknown) => toGbnfJsonSchema(schema as never, 'tools[0].function.parameters', bounds) as any;

describe('JSON Schema to grammar schema', () => {
  it('bounds every string and array the schema leaves open, and keeps the bounds it sets', () => {
    const out = convert({
      type: 'object',
      properties: {
        free: { type: 'string', description: 'kept' },
        short: { type: 'string', maxLength: 8, minLength: 2 },
        when: { type: 'string', format: 'date-time' },
        list: { type: 'array', items: { type: 'string' } },
        few: { type: 'array', items: { type: 'integer' }, maxItems: 2 },
      },
    });
    expect(out.properties.free).toEqual({ type: 'string', maxLength: 100, description: 'kept' });
    expect(out.properties.short).toEqual({ type: 'string', minLength: 2, maxLength: 8 });
    expect(out.properties.when).toEqual({ type: 'string', format: 'date-time' });
    expect(out.properties.list).toEqual({ type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 5 });
    expect(out.properties.few).toEqual({ type: 'array', items: { type: 'integer' }, maxItems: 2 });
  });

  it('maps anyOf to oneOf, type lists to alternatives, nullable to a null alternative', () => {
    expect(convert({ anyOf: [{ type: 'string' }, { type: 'number' }] })).toEqual({
      oneOf: [{ type: 'string', maxLength: 100 }, { type: 'number' }],
    });
    expect(convert({ type: ['string', 'null'], maxLength: 4 })).toEqual({
      oneOf: [{ type: 'string', maxLength: 4 }, { type: 'null' }],
    });
    expect(convert({ type: 'integer', nullable: true })).toEqual({ oneOf: [{ type: 'integer' }, { type: 'null' }] });
  });

  it('drops what a grammar cannot hold (ranges, patterns) and extra keys of unknown shape', () => {
    const out = convert({
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 9 },
        s: { type: 'string', pattern: '^a', maxLength: 3 },
      },
      additionalProperties: true,
    });
    expect(out).toEqual({
      type: 'object',
      properties: { n: { type: 'integer' }, s: { type: 'string', maxLength: 3 } },
    });
    const map = convert({ type: 'object', additionalProperties: { type: 'number' } });
    expect(map).toEqual({ type: 'object', properties: {}, additionalProperties: { type: 'number' }, maxProperties: 3 });
  });

  it('follows local references ($defs and definitions) and tuples of both drafts', () => {
    const out = convert({
      type: 'object',
      properties: { a: { $ref: '#/definitions/Point' }, b: { $ref: '#/$defs/Tag' } },
      definitions: {
        Point: { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false },
      },
      $defs: { Tag: { enum: ['x', 'y'] } },
    });
    expect(out.properties.a).toEqual({ $ref: '#/$defs/Point' });
    expect(out.$defs.Point).toEqual({
      type: 'array',
      prefixItems: [{ type: 'number' }, { type: 'number' }],
      maxItems: 2,
    });
    expect(out.$defs.Tag).toEqual({ enum: ['x', 'y'] });
    expect(convert({ type: 'array', prefixItems: [{ const: 1 }], items: false })).toEqual({
      type: 'array',
      prefixItems: [{ const: 1 }],
      maxItems: 1,
    });
  });

  it('gives no-parameter tools an empty object, and a bounded "any" for open values', () => {
    expect(toGbnfJsonSchema(undefined, 'p')).toEqual({ type: 'object', properties: {} });
    expect(convert({})).toEqual({
      oneOf: [{ type: 'string', maxLength: 100 }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }],
    });
  });

  it('refuses what it cannot express, naming the part of the schema', () => {
    const refusal = (schema: unknown) => {
      try {
        convert(schema);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ type: 'object', properties: { x: { type: 'tensor' } } })).toMatch(
      /^tools\[0\]\.function\.parameters\.properties\.x\.type: "tensor" is not a JSON Schema type/,
    );
    expect(refusal({ properties: { x: { $ref: '#/$defs/Nope' } } })).toMatch(
      /properties\.x\.\$ref: reference #\/\$defs\/Nope names no definition/,
    );
    expect(refusal({ enum: [{ a: 1 }] })).toMatch(/\.enum\[0\]: only string, number, boolean or null/);
    expect(refusal({ allOf: [{ $ref: '#/$defs/A' }, { type: 'object' }], $defs: { A: { type: 'object' } } })).toMatch(
      /\.allOf\[0\]: allOf can only be generated/,
    );
    expect(refusal(false)).toMatch(/admits no value/);
  });
});

describe('integer grammar', () => {
  it('takes the exponent out of the integer rule only', () => {
    const gbnf = [
      'root ::= rule0',
      'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
      'fractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
    ].join('\n');
    const out = withoutIntegerExponents(gbnf).split('\n');
    expect(out[1]).toBe('integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})');
    expect(out[2]).toBe(gbnf.split('\n')[2]);
  });
});

describe('checking generated values against the original schema', () => {
  it('reports what the grammar could not hold, and never throws', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } };
    expect(schemaProblems(schema, { n: 3 })).toEqual([]);
    expect(schemaProblems(schema, { n: 0 })).toEqual(['/n must be >= 1']);
    expect(schemaProblems({ type: 'object', properties: { x: { $ref: '#/nowhere' } } }, {})[0]).toMatch(
      /could not be compiled/,
    );
    expect(schemaProblems(undefined, 42)).toEqual([]);
  });
});
