// The GGUF writer, the ggml quantizers and the tiny llama generator, checked without loading llama.cpp.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufWriter } from '../../../src/bench/gguf/gguf-writer';
import {
  dequantizeQ4_0,
  dequantizeQ8_0,
  encodeF16,
  encodeF32,
  fp16BitsToFp32,
  fp32ToFp16Bits,
  quantizeQ4_0,
  quantizeQ8_0,
} from '../../../src/bench/gguf/quantize';
import { gaussianValues, hashSeedName } from '../../../src/bench/gguf/seeded-random';
import { buildSpmVocab, SPM_SPACE } from '../../../src/bench/gguf/spm-vocab';
import { fileSha256 as modelSha256 } from '../../../src/platform/file-hash';
import { writeLlamaModel, type LlamaSpec } from '../../../src/bench/gguf/tiny-llama';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytesOf = (values: number[]): Uint8Array => encodeF32(Float32Array.from(values));

describe('GGUF writer', () => {
  it('writes metadata of every value type and tensor infos that node-llama-cpp reads back', async () => {
    const w = new GgufWriter();
    w.setString('general.architecture', 'llama');
    w.set('t.u8', { type: 'u8', value: 255 })
      .set('t.i8', { type: 'i8', value: -128 })
      .set('t.u16', { type: 'u16', value: 65535 })
      .set('t.i16', { type: 'i16', value: -32768 })
      .set('t.u32', { type: 'u32', value: 4294967295 })
      .set('t.i32', { type: 'i32', value: -2147483648 })
      .set('t.f32', { type: 'f32', value: 0.5 })
      .set('t.f64', { type: 'f64', value: Math.PI })
      .set('t.u64', { type: 'u64', value: 2n ** 60n })
      .set('t.i64', { type: 'i64', value: -(2n ** 60n) })
      .setBool('t.yes', true)
      .setString('t.text', 'héllo ✓')
      .setStringArray('t.strings', ['a', '', '\u2581b', '<0x0A>'])
      .setInt32Array('t.ints', Int32Array.from([1, -2, 3]))
      .setFloat32Array('t.floats', [0.25, -1.5])
      .set('t.u64s', { type: 'array', of: 'u64', values: [1n, 2n ** 40n] })
      .set('t.bools', { type: 'array', of: 'bool', values: [true, false] })
      .set('t.empty', { type: 'array', of: 'string', values: [] });

    const a = bytesOf([...Array(24).keys()]);
    const h = encodeF16(Float32Array.from([1, 2, 3]));
    const q8 = quantizeQ8_0(gaussianValues(7, 'q8', 64, 1));
    const q4 = quantizeQ4_0(gaussianValues(7, 'q4', 64, 1));
    w.addTensor({ name: 'a.weight', shape: [8, 3], type: 'F32', data: a })
      .addTensor({ name: 'h.weight', shape: [3], type: 'F16', data: () => h })
      .addTensor({ name: 'q8.weight', shape: [32, 2], type: 'Q8_0', data: async () => q8 })
      .addTensor({ name: 'q4.weight', shape: [64], type: 'Q4_0', data: q4 });
    const path = join(dir, 'roundtrip.gguf');
    const written = await w.write(path);

    const info = await readGgufFileInfo(path, { logWarnings: false });
    expect(info.version).toBe(3);
    expect(Number(info.tensorCount)).toBe(4);
    const meta = info.metadata as any;
    expect(meta.general.architecture).toBe('llama');
    expect(meta.general.alignment).toBeUndefined(); // 32 is the default and goes unwritten
    expect(meta.t).toEqual({
      u8: 255,
      i8: -128,
      u16: 65535,
      i16: -32768,
      u32: 4294967295,
      i32: -2147483648,
      f32: 0.5,
      f64: Math.PI,
      u64: 2n ** 60n,
      i64: -(2n ** 60n),
      yes: true,
      text: 'héllo ✓',
      strings: ['a', '', '\u2581b', '<0x0A>'],
      ints: [1, -2, 3],
      floats: [0.25, -1.5],
      u64s: [1n, 2n ** 40n],
      bools: [true, false],
      empty: [],
    });

    const tensors = info.tensorInfo ?? [];
    expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType, Number(t.offset)])).toEqual([
      ['a.weight', [8, 3], 0, 0],
      ['h.weight', [3], 1, 96],
      ['q8.weight', [32, 2], 8, 128],
      ['q4.weight', [64], 2, 224],
    ]);
    const file = await readFile(path);
    expect(file.length).toBe(written);
    const dataStart = Number(tensors[0]?.fileOffset);
    expect(dataStart % 32).toBe(0);
    expect(file.length).toBe(dataStart + 224 + 64); // the last tensor (36 bytes) is padded to the alignment too
    for (const [i, bytes] of [a, h, q8, q4].entries()) {
      const at = Number(tensors[i]?.fileOffset);
      expect(file.subarray(at, at + bytes.length)).toEqual(Buffer.from(bytes));
    }
    expect(
      file.subarray(Number(tensors[1]?.fileOffset) + 6, Number(tensors[2]?.fileOffset)).every((b) => b === 0),
    ).toBe(true);
  });

  it('records a non-default alignment and aligns the data to it', async () => {
    const w = new GgufWriter({ alignment: 64 });
    w.setString('general.architecture', 'llama');
    w.addTensor({ name: 'x', shape: [3], type: 'F32', data: bytesOf([1, 2, 3]) });
    w.addTensor({ name: 'y', shape: [2], type: 'F32', data: bytesOf([4, 5]) });
    const path = join(dir, 'aligned.gguf');
    await w.write(path);
    const info = await readGgufFileInfo(path, { logWarnings: false });
    expect((info.metadata as any).general.alignment).toBe(64);
    expect(info.tensorInfo?.map((t) => Number(t.offset))).toEqual([0, 64]);
    expect(Number(info.tensorInfo?.[0]?.fileOffset) % 64).toBe(0);
    expect((await stat(path)).size).toBe(Number(info.tensorInfo?.[1]?.fileOffset) + 64);
  });

  it('refuses what would make a corrupt file', async () => {
    const w = new GgufWriter();
    w.setUint32('a.b', 1);
    expect(() => w.setUint32('a.b', 2)).toThrow(/already set/);
    expect(() => w.set('general.alignment', { type: 'u32', value: 64 })).toThrow(/alignment option/);
    expect(() => w.set('c', { type: 'u8', value: 256 })).toThrow(/does not fit u8/);
    expect(() => w.setInt32Array('d', [1, 2.5])).toThrow(/does not fit i32/);
    expect(() => w.addTensor({ name: 'q', shape: [16], type: 'Q8_0', data: new Uint8Array(17) })).toThrow(
      /multiple of 32/,
    );
    expect(() => w.addTensor({ name: 'f', shape: [4], type: 'F32', data: new Uint8Array(15) })).toThrow(
      /needs 16 bytes/,
    );
    expect(() => new GgufWriter({ alignment: 48 })).toThrow(/power of two/);
    w.addTensor({ name: 'late', shape: [4], type: 'F32', data: () => new Uint8Array(8) });
    const path = join(dir, 'bad.gguf');
    await expect(w.write(path)).rejects.toThrow(/needs 16 bytes, got 8/);
    await expect(stat(path)).rejects.toThrow(); // neither the file nor a partial one is left behind
    await expect(stat(`${path}.partial-${process.pid}`)).rejects.toThrow();
  });
});

describe('quantizers', () => {
  it('convert to F16 as ggml does: nearest even, overflow to infinity, NaN to 0x7E00', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [Number.NaN, 0x7e00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [6.103515625e-5, 0x0400],
    ];
    for (const [f, bits] of cases) expect([f, fp32ToFp16Bits(f)]).toEqual([f, bits]);
    for (const bits of [0x0001, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xbc00])
      expect(fp32ToFp16Bits(fp16BitsToFp32(bits))).toBe(bits);
  });

  it('encode a hand-computed Q8_0 block', () => {
    // x_j = (j - 16) / 4: amax 4, d = 4/127 (F16 0x2808), q_j = round((j - 16) * 127/16) = round((j - 16) * 7.9375)
    const x = Float32Array.from({ length: 32 }, (_, j) => (j - 16) / 4);
    const block = quantizeQ8_0(x);
    expect(block.length).toBe(34);
    expect(new DataView(block.buffer).getUint16(0, true)).toBe(0x2808);
    const q = Array.from(new Int8Array(block.buffer, 2, 32));
    expect(q.slice(0, 3)).toEqual([-127, -119, -111]); // -127, -119.06, -111.125
    expect(q.slice(15, 19)).toEqual([-8, 0, 8, 16]); // -7.9375, 0, 7.9375, 15.875
    expect(q[18 + 2]).toBe(32); // 31.75
    expect(q[31]).toBe(119); // 119.0625
    const back = dequantizeQ8_0(block);
    x.forEach((v, j) => expect(Math.abs((back[j] ?? 0) - v)).toBeLessThanOrEqual(4 / 127 / 2 + 1e-3));
  });

  it('encode a hand-computed Q4_0 block', () => {
    // x_j = j - 16: the largest magnitude is -16, so d = -16/-8 = 2 (F16 0x4000) and nibble = min(15, trunc(x/2 + 8.5))
    const x = Float32Array.from({ length: 32 }, (_, j) => j - 16);
    const block = quantizeQ4_0(x);
    expect(Array.from(block)).toEqual([
      0x00, 0x40,
      // low nibble from x_j (trunc(j/2 + 0.5)), high nibble from x_{j+16} (min(15, trunc(j/2 + 8.5)))
      0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3, 0xb3, 0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0xf8,
    ]);
    // An all-zero block: d = 0 / -8 is -0.0, which ggml stores as F16 0x8000; every nibble is trunc(0 + 8.5) = 8.
    expect(Array.from(quantizeQ4_0(new Float32Array(32)))).toEqual([0x00, 0x80, ...Array(16).fill(0x88)]);
    expect(Array.from(quantizeQ8_0(new Float32Array(32)))).toEqual(Array(34).fill(0));
  });

  it('round-trip random blocks within half a step (Q4_0: a whole step, its top code is only 7 of 8)', () => {
    const x = gaussianValues(3, 'roundtrip', 32 * 64, 0.1);
    const q8 = dequantizeQ8_0(quantizeQ8_0(x));
    const q4 = dequantizeQ4_0(quantizeQ4_0(x));
    for (let b = 0; b < 64; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const amax = Math.max(...Array.from(block, Math.abs));
      for (let j = 0; j < 32; j++) {
        const i = b * 32 + j;
        // plus the F16 rounding of d, up to 2^-11 relative, times up to 127 steps
        expect(Math.abs((q8[i] ?? 0) - (x[i] ?? 0))).toBeLessThanOrEqual((amax / 127) * 0.5 + amax / 2048);
        expect(Math.abs((q4[i] ?? 0) - (x[i] ?? 0))).toBeLessThanOrEqual(amax / 8 + amax / 2048);
      }
    }
    expect(() => quantizeQ8_0(new Float32Array(31))).toThrow(/multiple of 32/);
  });
});

describe('tiny llama', () => {
  const spec: LlamaSpec = { seed: 42, layers: 2, embd: 64, heads: 4, kvHeads: 2, ff: 96, ctx: 256, type: 'f32' };

  it('builds a byte-fallback SentencePiece vocabulary', () => {
    const { tokens, scores, types } = buildSpmVocab();
    expect(tokens.length).toBeGreaterThanOrEqual(300);
    expect(tokens.length).toBeLessThanOrEqual(400);
    expect(tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect([tokens[3], tokens[3 + 10], tokens[258]]).toEqual(['<0x00>', '<0x0A>', '<0xFF>']);
    expect(Array.from(types.slice(3, 259)).every((t) => t === 6)).toBe(true);
    expect(tokens).toContain(SPM_SPACE);
    expect(tokens).toContain(`${SPM_SPACE}the`);
    expect(scores.length).toBe(tokens.length);
  });

  it('writes the llama hyperparameters and tokenizer keys llama.cpp reads', async () => {
    const path = join(dir, 'meta.gguf');
    const model = await writeLlamaModel(path, { ...spec, type: 'q8_0' });
    const info = await readGgufFileInfo(path, { logWarnings: false });
    const meta = info.metadata as any;
    expect(meta.general.architecture).toBe('llama');
    expect(meta.general.file_type).toBe(7);
    expect(meta.llama).toMatchObject({
      context_length: 256,
      embedding_length: 64,
      block_count: 2,
      feed_forward_length: 96,
      vocab_size: model.vocabSize,
      attention: { head_count: 4, head_count_kv: 2 },
      rope: { dimension_count: 16 },
    });
    expect(meta.llama.attention.layer_norm_rms_epsilon).toBeCloseTo(1e-5, 10);
    expect(meta.tokenizer.ggml).toMatchObject({
      model: 'llama',
      bos_token_id: 1,
      eos_token_id: 2,
      unknown_token_id: 0,
      add_bos_token: true,
    });
    expect(meta.tokenizer.ggml.tokens.length).toBe(model.vocabSize);
    const byName = new Map((info.tensorInfo ?? []).map((t) => [t.name, t]));
    expect(byName.size).toBe(3 + 2 * 9);
    expect(byName.get('token_embd.weight')?.dimensions.map(Number)).toEqual([64, model.vocabSize]);
    expect(byName.get('blk.1.attn_k.weight')?.dimensions.map(Number)).toEqual([64, 32]);
    expect(byName.get('blk.1.ffn_down.weight')?.dimensions.map(Number)).toEqual([96, 64]);
    expect(byName.get('blk.0.attn_norm.weight')?.ggmlType).toBe(0); // norms stay F32
    expect(byName.get('output.weight')?.ggmlType).toBe(8);
    expect((await stat(path)).size).toBe(model.bytes);
  });

  it('is deterministic per seed', async () => {
    const a = join(dir, 'a.gguf');
    const b = join(dir, 'b.gguf');
    const c = join(dir, 'c.gguf');
    await writeLlamaModel(a, spec);
    await writeLlamaModel(b, spec);
    await writeLlamaModel(c, { ...spec, seed: 43 });
    expect(await modelSha256(a)).toBe(await modelSha256(b));
    expect(await modelSha256(a)).not.toBe(await modelSha256(c));
    expect(await modelSha256(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSeedName(1, 'x')).not.toBe(hashSeedName(2, 'x'));
  });

  it('gives a shallow draft exactly the tensors of the target it keeps', async () => {
    const target = join(dir, 'target.gguf');
    const shallow = join(dir, 'shallow.gguf');
    await writeLlamaModel(target, { ...spec, layers: 3 });
    await writeLlamaModel(shallow, { ...spec, layers: 3, dropLayers: 1 });
    const [ti, si] = await Promise.all([readGgufFileInfo(target), readGgufFileInfo(shallow)]);
    const [tf, sf] = await Promise.all([readFile(target), readFile(shallow)]);
    expect((si.metadata as any).llama.block_count).toBe(2);
    const targetTensors = new Map((ti.tensorInfo ?? []).map((t) => [t.name, t]));
    const shallowTensors = si.tensorInfo ?? [];
    expect(shallowTensors.length).toBe(targetTensors.size - 9);
    expect(shallowTensors.some((t) => t.name.startsWith('blk.2.'))).toBe(false);
    const slice = (file: Buffer, at: number | bigint, next: number | bigint | undefined): Buffer =>
      file.subarray(Number(at), next === undefined ? undefined : Number(next));
    shallowTensors.forEach((t, i) => {
      const full = targetTensors.get(t.name);
      expect(full, t.name).toBeDefined();
      const tNext = (ti.tensorInfo ?? [])[(ti.tensorInfo ?? []).indexOf(full!) + 1]?.fileOffset;
      const a = slice(sf, t.fileOffset, shallowTensors[i + 1]?.fileOffset);
      const b = slice(tf, full!.fileOffset, tNext);
      expect(a.equals(b.subarray(0, a.length)), t.name).toBe(true);
    });
  });

  it('refuses shapes llama.cpp would reject', async () => {
    const bad: Partial<LlamaSpec>[] = [
      { embd: 60 },
      { kvHeads: 3 },
      { dropLayers: 2 },
      { type: 'q4_0', ff: 100 },
      { layers: 0 },
      { heads: 64 },
    ];
    for (const b of bad)
      await expect(writeLlamaModel(join(dir, 'bad.gguf'), { ...spec, ...b }), JSON.stringify(b)).rejects.toThrow();
  });
});
