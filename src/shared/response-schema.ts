// Building blocks of the /v1 response schemas: closed objects, nullable values, intervals, and non-JSON bodies.
import { Type, type TProperties, type TSchema, type TObject, type TUnion, type TNull, type TString } from 'typebox';

/**
 * A response object the hub answers with exactly these fields: a field the hub adds without declaring it is drift,
 * and the conformance test catches it. Open objects (frontmatter, settings records) use Type.Record instead.
 */
export function Closed<T extends TProperties>(properties: T, options: { description?: string } = {}): TObject<T> {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

export function Nullable<T extends TSchema>(schema: T, options: { description?: string } = {}): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], options);
}

/** A 95% interval, [low, high]. */
export const Interval = Type.Tuple([Type.Number(), Type.Number()], { description: '95% interval [low, high]' });

/** A free-form JSON object (frontmatter, a job's config): its keys are the author's, not the contract's. */
export const OpenRecord = Type.Record(Type.String(), Type.Unknown());

/**
 * A body that is not JSON: the media type is what the hub sends, so /openapi.json lists it under that type and a
 * conformance check knows not to parse it.
 */
export function RawBody(mediaType: string, description: string): TString {
  return Type.String({ contentMediaType: mediaType, description });
}

/** The media type a RawBody declares; undefined for a JSON schema. */
export function rawMediaType(schema: TSchema): string | undefined {
  const type = (schema as { contentMediaType?: unknown; type?: unknown }).contentMediaType;
  return typeof type === 'string' && (schema as { type?: unknown }).type === 'string' ? type : undefined;
}
