// A growable little-endian byte buffer for the GGUF header, doubling its capacity instead of concatenating.

const encoder = new TextEncoder();

export class ByteSink {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  get size(): number {
    return this.length;
  }

  u8(v: number): void {
    this.reserve(1).setUint8(this.length - 1, v);
  }

  i8(v: number): void {
    this.reserve(1).setInt8(this.length - 1, v);
  }

  u16(v: number): void {
    this.reserve(2).setUint16(this.length - 2, v, true);
  }

  i16(v: number): void {
    this.reserve(2).setInt16(this.length - 2, v, true);
  }

  u32(v: number): void {
    this.reserve(4).setUint32(this.length - 4, v, true);
  }

  i32(v: number): void {
    this.reserve(4).setInt32(this.length - 4, v, true);
  }

  f32(v: number): void {
    this.reserve(4).setFloat32(this.length - 4, v, true);
  }

  f64(v: number): void {
    this.reserve(8).setFloat64(this.length - 8, v, true);
  }

  u64(v: bigint | number): void {
    this.reserve(8).setBigUint64(this.length - 8, BigInt(v), true);
  }

  i64(v: bigint): void {
    this.reserve(8).setBigInt64(this.length - 8, v, true);
  }

  /** GGUF strings are a u64 byte length then UTF-8 bytes, with no terminator. */
  string(s: string): void {
    const utf8 = encoder.encode(s);
    this.u64(utf8.length);
    this.raw(utf8);
  }

  raw(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.bytes.set(chunk, this.length - chunk.length);
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.reserve(padding); // bytes past the length were never written, so they are already zero
  }

  /** A view of the bytes written so far; valid until the next write. */
  contents(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private reserve(n: number): DataView {
    const needed = this.length + n;
    if (needed > this.bytes.length) {
      let capacity = this.bytes.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = needed;
    return this.view;
  }
}
