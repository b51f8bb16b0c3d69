// Writes a GGUF v3 file: header, typed metadata, tensor infos, then aligned tensor data streamed one tensor at a time.
import { open, rename, rm } from 'node:fs/promises';
import { ByteSink } from './byte-sink';
import {
  GGML_TYPES,
  GGUF_VALUE_TYPE,
  tensorByteSize,
  type GgmlType,
  type GgufNumberType,
  type GgufValue,
} from './gguf-types';

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
const ALIGNMENT_KEY = 'general.alignment';

/** Tensor bytes, or a function that makes them when the writer reaches the tensor, so only one is held at a time. */
export type TensorBytes = Uint8Array | (() => Uint8Array | Promise<Uint8Array>);

export interface TensorEntry {
  name: string;
  /** ggml order: ne[0] (the contiguous row length) first. */
  shape: readonly number[];
  type: GgmlType;
  data: TensorBytes;
}

interface PlacedTensor extends TensorEntry {
  offset: number;
  byteSize: number;
}

export interface GgufWriterOptions {
  /** Power of two; anything but 32 is recorded as general.alignment, since readers assume 32 otherwise. */
  alignment?: number;
}

export class GgufWriter {
  readonly alignment: number;
  private readonly metadata = new Map<string, GgufValue>();
  private readonly tensors: PlacedTensor[] = [];
  private dataSize = 0;

  constructor(options: GgufWriterOptions = {}) {
    const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new Error(`alignment must be a power of two, not ${alignment}`);
    }
    this.alignment = alignment;
    if (alignment !== GGUF_DEFAULT_ALIGNMENT) this.metadata.set(ALIGNMENT_KEY, { type: 'u32', value: alignment });
  }

  /** Keys are written in the order they are set; setting one twice is a bug in the caller, so it throws. */
  set(key: string, value: GgufValue): this {
    if (key === ALIGNMENT_KEY) throw new Error(`set ${ALIGNMENT_KEY} through the writer's alignment option`);
    if (this.metadata.has(key)) throw new Error(`metadata key ${key} is already set`);
    checkValue(key, value);
    this.metadata.set(key, value);
    return this;
  }

  setString(key: string, value: string): this {
    return this.set(key, { type: 'string', value });
  }

  setUint32(key: string, value: number): this {
    return this.set(key, { type: 'u32', value });
  }

  setFloat32(key: string, value: number): this {
    return this.set(key, { type: 'f32', value });
  }

  setBool(key: string, value: boolean): this {
    return this.set(key, { type: 'bool', value });
  }

  setStringArray(key: string, values: readonly string[]): this {
    return this.set(key, { type: 'array', of: 'string', values });
  }

  setInt32Array(key: string, values: ArrayLike<number>): this {
    return this.set(key, { type: 'array', of: 'i32', values });
  }

  setFloat32Array(key: string, values: ArrayLike<number>): this {
    return this.set(key, { type: 'array', of: 'f32', values });
  }

  /** Offsets are fixed here, in call order: llama.cpp insists each tensor starts where the previous padded one ends. */
  addTensor(entry: TensorEntry): this {
    if (this.tensors.some((t) => t.name === entry.name)) throw new Error(`tensor ${entry.name} is already added`);
    if (entry.shape.length < 1 || entry.shape.length > 4)
      throw new Error(`tensor ${entry.name} needs 1 to 4 dimensions`);
    if (!entry.shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new Error(`tensor ${entry.name} has a bad shape [${entry.shape.join(', ')}]`);
    }
    const byteSize = tensorByteSize(entry.shape, entry.type);
    if (entry.data instanceof Uint8Array && entry.data.length !== byteSize) {
      throw new Error(`tensor ${entry.name} needs ${byteSize} bytes, got ${entry.data.length}`);
    }
    this.tensors.push({ ...entry, shape: [...entry.shape], offset: this.dataSize, byteSize });
    this.dataSize += alignUp(byteSize, this.alignment);
    return this;
  }

  /** The header (everything before the tensor data), padded to the alignment. */
  header(): Uint8Array {
    const sink = new ByteSink();
    sink.u32(GGUF_MAGIC);
    sink.u32(GGUF_VERSION);
    sink.u64(this.tensors.length);
    sink.u64(this.metadata.size);
    for (const [key, value] of this.metadata) {
      sink.string(key);
      writeValue(sink, value);
    }
    for (const t of this.tensors) {
      sink.string(t.name);
      sink.u32(t.shape.length);
      for (const d of t.shape) sink.u64(d);
      sink.u32(GGML_TYPES[t.type].id);
      sink.u64(t.offset);
    }
    sink.pad(this.alignment);
    return sink.contents();
  }

  /**
   * Writes to a temporary name and renames, so a crash never leaves a truncated model under the real name.
   * Returns the file size in bytes.
   */
  async write(path: string): Promise<number> {
    const partial = `${path}.partial-${process.pid}`;
    const file = await open(partial, 'w');
    let position = 0;
    try {
      const header = this.header();
      await file.write(header, 0, header.length, position);
      position += header.length;
      const zeros = new Uint8Array(this.alignment);
      for (const t of this.tensors) {
        const bytes = typeof t.data === 'function' ? await t.data() : t.data;
        if (bytes.length !== t.byteSize)
          throw new Error(`tensor ${t.name} needs ${t.byteSize} bytes, got ${bytes.length}`);
        await file.write(bytes, 0, bytes.length, position);
        position += bytes.length;
        const padding = alignUp(bytes.length, this.alignment) - bytes.length;
        if (padding > 0) {
          await file.write(zeros, 0, padding, position);
          position += padding;
        }
      }
    } catch (err) {
      await file.close();
      await rm(partial, { force: true });
      throw err;
    }
    await file.close();
    await rename(partial, path);
    return position;
  }
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

const INT_RANGES: Record<string, [number, number]> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

/** DataView silently wraps out-of-range integers; a wrapped token id or length would be a corrupt model. */
function checkValue(key: string, value: GgufValue): void {
  const check = (type: string, v: number): void => {
    const range = INT_RANGES[type];
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
      throw new Error(`metadata ${key}: ${v} does not fit ${type}`);
    }
  };
  if (value.type === 'array') {
    switch (value.of) {
      case 'string':
      case 'bool':
      case 'u64':
      case 'i64':
        return;
      default:
        for (let i = 0; i < value.values.length; i++) check(value.of, value.values[i] ?? Number.NaN);
    }
  } else if (typeof value.value === 'number') {
    check(value.type, value.value);
  }
}

function writeValue(sink: ByteSink, value: GgufValue): void {
  if (value.type === 'array') {
    sink.u32(GGUF_VALUE_TYPE.array);
    sink.u32(GGUF_VALUE_TYPE[value.of]);
    sink.u64(value.values.length);
    switch (value.of) {
      case 'string':
        for (const s of value.values) sink.string(s);
        return;
      case 'bool':
        for (const b of value.values) sink.u8(b ? 1 : 0);
        return;
      case 'u64':
        for (const v of value.values) sink.u64(v);
        return;
      case 'i64':
        for (const v of value.values) sink.i64(v);
        return;
      default:
        for (let i = 0; i < value.values.length; i++) writeNumber(sink, value.of, value.values[i] ?? 0);
        return;
    }
  }
  sink.u32(GGUF_VALUE_TYPE[value.type]);
  switch (value.type) {
    case 'string':
      sink.string(value.value);
      return;
    case 'bool':
      sink.u8(value.value ? 1 : 0);
      return;
    case 'u64':
      sink.u64(value.value);
      return;
    case 'i64':
      sink.i64(value.value);
      return;
    default:
      writeNumber(sink, value.type, value.value);
  }
}

function writeNumber(sink: ByteSink, type: GgufNumberType, v: number): void {
  switch (type) {
    case 'u8':
      return sink.u8(v);
    case 'i8':
      return sink.i8(v);
    case 'u16':
      return sink.u16(v);
    case 'i16':
      return sink.i16(v);
    case 'u32':
      return sink.u32(v);
    case 'i32':
      return sink.i32(v);
    case 'f32':
      return sink.f32(v);
    case 'f64':
      return sink.f64(v);
  }
}
