// GGUF and ggml type codes and block sizes, as fixed by the file format (gguf-py/gguf/constants.py).

/** Metadata value type codes: shared with the readers outside bench (src/platform/gguf-types.ts). */
export { GGUF_VALUE_TYPE } from '../../platform/gguf-types';

export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigIntType = 'u64' | 'i64';

/** One metadata value. 64-bit integers are bigints so no value silently loses precision. */
export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: GgufNumberType; values: ArrayLike<number> }
  | { type: 'array'; of: GgufBigIntType; values: readonly bigint[] }
  | { type: 'array'; of: 'bool'; values: readonly boolean[] }
  | { type: 'array'; of: 'string'; values: readonly string[] };

/**
 * Tensor storage types the writer knows the layout of. Only these are listed because the writer must know each
 * type's block geometry to compute offsets; an unknown type would produce a file llama.cpp rejects.
 */
export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  F16: { id: 1, blockSize: 1, blockBytes: 2 },
  Q4_0: { id: 2, blockSize: 32, blockBytes: 18 },
  Q4_1: { id: 3, blockSize: 32, blockBytes: 20 },
  Q5_0: { id: 6, blockSize: 32, blockBytes: 22 },
  Q5_1: { id: 7, blockSize: 32, blockBytes: 24 },
  Q8_0: { id: 8, blockSize: 32, blockBytes: 34 },
  I8: { id: 24, blockSize: 1, blockBytes: 1 },
  I16: { id: 25, blockSize: 1, blockBytes: 2 },
  I32: { id: 26, blockSize: 1, blockBytes: 4 },
  I64: { id: 27, blockSize: 1, blockBytes: 8 },
  F64: { id: 28, blockSize: 1, blockBytes: 8 },
  BF16: { id: 30, blockSize: 1, blockBytes: 2 },
} as const;

export type GgmlType = keyof typeof GGML_TYPES;

/** Byte size of a tensor of this shape (ne[0] first, the contiguous dimension) stored as `type`. */
export function tensorByteSize(shape: readonly number[], type: GgmlType): number {
  const { blockSize, blockBytes } = GGML_TYPES[type];
  const [rowLength = 1, ...rest] = shape;
  if (rowLength % blockSize !== 0) {
    throw new Error(`a ${type} row must hold a multiple of ${blockSize} values, not ${rowLength}`);
  }
  return (rowLength / blockSize) * blockBytes * rest.reduce((n, d) => n * d, 1);
}

/** ggml's token types for tokenizer.ggml.token_type; llama.cpp maps them to token attributes. */
export const TOKEN_TYPE = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;
