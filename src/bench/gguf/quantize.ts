// Encodes F32 values into ggml's F32, F16, Q8_0 and Q4_0 layouts, bit for bit as ggml's reference quantizers do.
import { GGML_TYPES, type GgmlType } from './gguf-types';

const QK = 32; // values per Q8_0 / Q4_0 block

// Shared scratch for reinterpreting float bits; JavaScript has no other bit cast.
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function floatBits(f: number): number {
  f32Scratch[0] = f;
  return u32Scratch[0] ?? 0;
}

function bitsFloat(bits: number): number {
  u32Scratch[0] = bits >>> 0;
  return f32Scratch[0] ?? 0;
}

/**
 * ggml_compute_fp32_to_fp16 (ggml-impl.h), step for step in float arithmetic: round to nearest even, overflow to
 * infinity, every NaN to 0x7E00. Porting the bit trick rather than writing a fresh rounder keeps the output identical
 * to ggml's, including at the edges.
 */
export function fp32ToFp16Bits(f: number): number {
  const scaleToInf = 2 ** 112;
  const scaleToZero = 2 ** -110;
  let base = Math.fround(Math.fround(Math.abs(Math.fround(f)) * scaleToInf) * scaleToZero);

  const w = floatBits(f);
  const shl1W = (w + w) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1W & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;

  base = Math.fround(bitsFloat(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = floatBits(base);
  const expBits = (bits >>> 13) & 0x00007c00;
  const mantissaBits = bits & 0x00000fff;
  const nonsign = expBits + mantissaBits;
  return ((sign >>> 16) | (shl1W > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

/** Exact: every half value is representable as a double. */
export function fp16BitsToFp32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function encodeF32(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return out;
}

export function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, fp32ToFp16Bits(values[i] ?? 0), true);
  return out;
}

function checkBlocks(values: Float32Array, type: string): number {
  if (values.length % QK !== 0) throw new Error(`${type} needs a multiple of ${QK} values, got ${values.length}`);
  return values.length / QK;
}

/** C's roundf: halves away from zero (Math.round takes them towards +infinity). */
function roundf(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/**
 * quantize_row_q8_0_ref: per block of 32, d = amax/127 stored as F16, then round(x/d) as int8. Each float operation is
 * rounded to float32 (Math.fround) as the C code's float arithmetic is, so the bytes match llama-quantize's.
 */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  const blocks = checkBlocks(values, 'Q8_0');
  const out = new Uint8Array(blocks * GGML_TYPES.Q8_0.blockBytes);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const base = b * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(values[base + j] ?? 0));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const at = b * GGML_TYPES.Q8_0.blockBytes;
    view.setUint16(at, fp32ToFp16Bits(d), true);
    for (let j = 0; j < QK; j++) view.setInt8(at + 2 + j, roundf(Math.fround((values[base + j] ?? 0) * id)));
  }
  return out;
}

/**
 * quantize_row_q4_0_ref: d = (signed value of largest magnitude)/-8, nibbles min(15, trunc(x/d + 8.5)); value j of
 * the block goes in the low nibble of byte j, value j+16 in its high nibble.
 */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  const blocks = checkBlocks(values, 'Q4_0');
  const out = new Uint8Array(blocks * GGML_TYPES.Q4_0.blockBytes);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const base = b * QK;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = values[base + j] ?? 0;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d ? Math.fround(1 / d) : 0;
    const at = b * GGML_TYPES.Q4_0.blockBytes;
    view.setUint16(at, fp32ToFp16Bits(d), true);
    const nibble = (v: number): number => Math.min(15, Math.trunc(Math.fround(Math.fround(v * id) + 8.5)));
    for (let j = 0; j < QK / 2; j++) {
      const lo = nibble(values[base + j] ?? 0);
      const hi = nibble(values[base + QK / 2 + j] ?? 0);
      out[at + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

export function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  const { blockBytes } = GGML_TYPES.Q8_0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array((bytes.length / blockBytes) * QK);
  for (let b = 0; b < bytes.length / blockBytes; b++) {
    const d = fp16BitsToFp32(view.getUint16(b * blockBytes, true));
    for (let j = 0; j < QK; j++) out[b * QK + j] = view.getInt8(b * blockBytes + 2 + j) * d;
  }
  return out;
}

export function dequantizeQ4_0(bytes: Uint8Array): Float32Array {
  const { blockBytes } = GGML_TYPES.Q4_0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array((bytes.length / blockBytes) * QK);
  for (let b = 0; b < bytes.length / blockBytes; b++) {
    const d = fp16BitsToFp32(view.getUint16(b * blockBytes, true));
    for (let j = 0; j < QK / 2; j++) {
      const q = bytes[b * blockBytes + 2 + j] ?? 0;
      out[b * QK + j] = ((q & 0x0f) - 8) * d;
      out[b * QK + QK / 2 + j] = ((q >> 4) - 8) * d;
    }
  }
  return out;
}

export type EncodableType = Extract<GgmlType, 'F32' | 'F16' | 'Q8_0' | 'Q4_0'>;

export function encodeTensor(values: Float32Array, type: EncodableType): Uint8Array {
  switch (type) {
    case 'F32':
      return encodeF32(values);
    case 'F16':
      return encodeF16(values);
    case 'Q8_0':
      return quantizeQ8_0(values);
    case 'Q4_0':
      return quantizeQ4_0(values);
  }
}
