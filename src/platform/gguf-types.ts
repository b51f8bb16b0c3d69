// GGUF's metadata value type codes and the names the model generators write: what both a writer and a reader agree on.

/** Metadata value type codes; readers switch on these numbers, so they must match the spec exactly. */
export const GGUF_VALUE_TYPE = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

/** Byte size of each fixed-size value type, by its code (strings and arrays are sized by their contents). */
export const GGUF_FIXED_SIZE: Readonly<Record<number, number>> = {
  [GGUF_VALUE_TYPE.u8]: 1,
  [GGUF_VALUE_TYPE.i8]: 1,
  [GGUF_VALUE_TYPE.u16]: 2,
  [GGUF_VALUE_TYPE.i16]: 2,
  [GGUF_VALUE_TYPE.u32]: 4,
  [GGUF_VALUE_TYPE.i32]: 4,
  [GGUF_VALUE_TYPE.f32]: 4,
  [GGUF_VALUE_TYPE.bool]: 1,
  [GGUF_VALUE_TYPE.u64]: 8,
  [GGUF_VALUE_TYPE.i64]: 8,
  [GGUF_VALUE_TYPE.f64]: 8,
};

/**
 * How the general.name of every generated random-weight model begins (src/bench/gguf/tiny-llama.ts, tiny-gemma4.ts):
 * what tells a demo model, whose text is noise, from a real one.
 */
export const GENERATED_MODEL_PREFIX = { llama: 'tiny-llama-', gemma4: 'tiny-gemma4-' } as const;

/** Whether a GGUF general.name is one a model generator wrote. */
export function isGeneratedModelName(name: string): boolean {
  return Object.values(GENERATED_MODEL_PREFIX).some((prefix) => name.startsWith(prefix));
}
