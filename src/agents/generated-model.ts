// Whether a GGUF file is one of the generated random-weight models (`models make-demo`, the test packs): read from its header.
import { open } from 'node:fs/promises';
import { GGUF_FIXED_SIZE, GGUF_VALUE_TYPE, isGeneratedModelName } from '../platform/gguf-types';
/** general.name sits among the first keys; the vocabulary arrays after it can be megabytes, never read. */
const HEADER_BYTES = 64 * 1024;

const STRING = GGUF_VALUE_TYPE.string;
const ARRAY = GGUF_VALUE_TYPE.array;

/** The file's general.name, or null when it is not a GGUF or the name is not in its first 64 KB. */
export async function ggufName(path: string): Promise<string | null> {
  let buf: Buffer;
  try {
    const file = await open(path, 'r');
    try {
      buf = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await file.read(buf, 0, HEADER_BYTES, 0);
      buf = buf.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
  if (buf.length < 24 || buf.toString('latin1', 0, 4) !== 'GGUF') return null;
  let at = 24;
  const kvCount = Number(buf.readBigUInt64LE(16));
  const string = (): string => {
    const length = Number(buf.readBigUInt64LE(at));
    const text = buf.toString('utf8', at + 8, at + 8 + length);
    at += 8 + length;
    return text;
  };
  const skip = (type: number): void => {
    if (type === STRING) {
      at += 8 + Number(buf.readBigUInt64LE(at));
    } else if (type === ARRAY) {
      const itemType = buf.readUInt32LE(at);
      const count = Number(buf.readBigUInt64LE(at + 4));
      at += 12;
      for (let i = 0; i < count; i++) skip(itemType);
    } else {
      const size = GGUF_FIXED_SIZE[type];
      if (size === undefined) throw new RangeError(`unknown GGUF type ${type}`);
      at += size;
    }
  };
  try {
    for (let i = 0; i < kvCount; i++) {
      const key = string();
      const type = buf.readUInt32LE(at);
      at += 4;
      if (key === 'general.name') return type === STRING ? string() : null;
      skip(type);
    }
  } catch {
    // Past the bytes read (a long array before the name) or a malformed header: not known.
  }
  return null;
}

/**
 * A generated model has random weights: what it writes is noise that reads like words. Local agents thinking with
 * one mark their free text as the demo model's and name their jobs from the config instead.
 */
export async function isGeneratedModel(path: string): Promise<boolean> {
  const name = await ggufName(path);
  return name !== null && isGeneratedModelName(name);
}
