// Whether a file on this machine is a GGUF model llama.cpp can open, and what its header declares (its architecture).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { GGUF_FIXED_SIZE, GGUF_VALUE_TYPE } from './gguf-types';

export type GgufProblem = { kind: 'missing' | 'not-gguf'; message: string };

/** Reads 8 bytes: the magic "GGUF" and the format version (llama.cpp reads 2 and 3). */
export function ggufFileProblem(path: string, role = ''): GgufProblem | null {
  const what = `the ${role ? `${role} ` : ''}model ${path}`;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { kind: 'missing', message: `${what} is not a file` };
    size = st.size;
  } catch {
    return { kind: 'missing', message: `${what} does not exist` };
  }
  const head = Buffer.alloc(8);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return { kind: 'missing', message: `${what} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (size < 8 || head.toString('latin1', 0, 4) !== 'GGUF')
    return { kind: 'not-gguf', message: `${what} is not a GGUF file (it does not begin with the GGUF header)` };
  const version = head.readUInt32LE(4);
  if (version < 2 || version > 3)
    return { kind: 'not-gguf', message: `${what} has GGUF version ${version}; llama.cpp reads versions 2 and 3` };
  return null;
}

/** Reads `length` bytes at `offset` (fewer at the end of the data). */
export type ByteSource = (offset: number, length: number) => Buffer;

/** The metadata could not be read to the end of the key sought: the bytes given stop before it. */
export class GgufTruncated extends Error {}

/** Keys llama.cpp's GGUF reader would never accept; a larger count means the header is not GGUF metadata. */
const MAX_KEYS = 1 << 20;
/** A key or a string value read whole; longer ones are skipped, never read. */
const MAX_STRING = 1 << 24;

/**
 * String values of the GGUF metadata (e.g. `general.architecture`, `tokenizer.chat_template`), read from the header
 * alone in one walk that stops once every key sought is found; a key the file does not declare (or declares as
 * another type) is null. Throws an Error naming the problem for a malformed header, and GgufTruncated when `read` ran
 * out before the keys were found (a header fetched in part).
 */
export function ggufMetadataStrings<K extends string>(read: ByteSource, keys: readonly K[]): Record<K, string | null> {
  let offset = 0;
  const take = (n: number): Buffer => {
    const bytes = read(offset, n);
    if (bytes.length < n) throw new GgufTruncated(`the GGUF header ends at byte ${offset + bytes.length}`);
    offset += n;
    return bytes;
  };
  const u32 = () => take(4).readUInt32LE(0);
  const u64 = () => {
    const v = take(8).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`a length of ${v} at byte ${offset - 8}`);
    return Number(v);
  };
  const length = () => {
    const n = u64();
    if (n > MAX_STRING) throw new Error(`a string of ${n} bytes at byte ${offset - 8}`);
    return n;
  };
  const skipValue = (type: number): void => {
    const fixed = GGUF_FIXED_SIZE[type];
    if (fixed !== undefined) return void (offset += fixed);
    if (type === GGUF_VALUE_TYPE.string) {
      const n = length();
      return void (offset += n);
    }
    if (type !== GGUF_VALUE_TYPE.array) throw new Error(`an unknown value type ${type} at byte ${offset - 4}`);
    const of = u32();
    const count = u64();
    const size = GGUF_FIXED_SIZE[of];
    // Arrays of numbers are skipped whole; strings (a vocabulary) one by one, since each carries its length.
    if (size !== undefined) return void (offset += count * size);
    for (let i = 0; i < count; i++) skipValue(of);
  };
  if (take(4).toString('latin1') !== 'GGUF') throw new Error('it does not begin with the GGUF header');
  const version = u32();
  if (version < 2 || version > 3) throw new Error(`GGUF version ${version}; llama.cpp reads versions 2 and 3`);
  u64(); // tensor count
  const count = u64();
  if (count > MAX_KEYS) throw new Error(`${count} metadata keys`);
  const found = Object.fromEntries(keys.map((k) => [k, null])) as Record<K, string | null>;
  const wanted = new Set<string>(keys);
  for (let i = 0; i < count && wanted.size > 0; i++) {
    const name = take(length()).toString('utf8');
    const type = u32();
    if (wanted.has(name) && type === GGUF_VALUE_TYPE.string) {
      found[name as K] = take(length()).toString('utf8');
      wanted.delete(name);
    } else {
      skipValue(type);
    }
  }
  return found;
}

/** One string value of the GGUF metadata, or null when the file declares no such string (see ggufMetadataStrings). */
export function ggufMetadataString(read: ByteSource, key: string): string | null {
  return ggufMetadataStrings(read, [key])[key] ?? null;
}

/** A file read in blocks of `block` bytes: a header is walked key by key, mostly forward. */
function blockReader(fd: number, block: number): ByteSource {
  let buffer = Buffer.alloc(0);
  let at = 0;
  return (offset, length) => {
    if (offset < at || offset + length > at + buffer.length) {
      buffer = Buffer.alloc(Math.max(length, block));
      buffer = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, offset));
      at = offset;
    }
    return buffer.subarray(offset - at, offset - at + length);
  };
}

/** String values of a GGUF file's metadata, read from its header (see ggufMetadataStrings). */
export function ggufFileMetadataStrings<K extends string>(path: string, keys: readonly K[]): Record<K, string | null> {
  const fd = openSync(path, 'r');
  try {
    // A vocabulary of 262k strings can lie before the key sought (the chat template): blocks of 1 MiB.
    return ggufMetadataStrings(blockReader(fd, 1 << 20), keys);
  } finally {
    closeSync(fd);
  }
}

/** The architecture a GGUF file declares (`general.architecture`), or null when it declares none. */
export function ggufFileArchitecture(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    // The key llama.cpp writes first: one small block is usually all it takes.
    return ggufMetadataString(blockReader(fd, 1 << 16), 'general.architecture');
  } finally {
    closeSync(fd);
  }
}
