// Generates a small random-weight `gemma4` target and a matching `gemma4-assistant` MTP drafter that reads its KV cache.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TOKEN_TYPE } from './gguf-types';
import { GENERATED_MODEL_PREFIX } from '../../platform/gguf-types';
import { GgufWriter } from './gguf-writer';
import { encodeF32 } from './quantize';
import { gaussianValues } from './seeded-random';
import { BOS_ID, buildSpmVocab, EOS_ID, UNK_ID, type SpmVocab } from './spm-vocab';

export interface Gemma4PairSpec {
  seed: number;
  ctx: number;
  /** Target hidden size; the drafter's embedding_length_out carries it. */
  embd: number;
  /** Target blocks. The last must use full attention and the one before it a sliding window (see fullEvery). */
  layers: number;
  /** Every fullEvery-th target block uses full attention, the rest a sliding window, as Gemma interleaves them. */
  fullEvery: number;
  heads: number;
  /** Shared by target and drafter: the drafter's attention reads the target's K/V with its own head layout. */
  kvHeads: number;
  headDimSwa: number;
  headDimFull: number;
  ff: number;
  slidingWindow: number;
  /** Drafter hidden size: below embd, since the loader refuses a drafter as wide as its target. */
  draftEmbd: number;
  /** Drafter blocks: all sliding-window but the last, which is full attention; at least 2. */
  draftLayers: number;
  draftHeads: number;
  draftFf: number;
}

export interface Gemma4Pair {
  /** gemma4.gguf: the target (F32). */
  target: string;
  /** gemma4-assistant.gguf: the MTP drafter (F32); usable only with the target above, whose KV cache it reads. */
  draft: string;
  bytes: { target: number; draft: number };
  vocabSize: number;
  spec: Gemma4PairSpec;
}

export const DEFAULT_GEMMA4_PAIR: Gemma4PairSpec = {
  seed: 1,
  ctx: 512,
  embd: 64,
  layers: 4,
  fullEvery: 2,
  heads: 4,
  kvHeads: 2,
  headDimSwa: 16,
  headDimFull: 32,
  ff: 128,
  slidingWindow: 32,
  draftEmbd: 32,
  draftLayers: 2,
  draftHeads: 4,
  draftFf: 64,
};

const RMS_EPS = 1e-6;
const ROPE_BASE_FULL = 1_000_000;
const ROPE_BASE_SWA = 10_000;
/** Full-attention blocks rotate only this share of each head ("proportional" RoPE); the rest get 1e30 frequency factors. */
const PARTIAL_ROTARY_FULL = 0.25;
const UNROTATED_FREQ_FACTOR = 1e30;

/**
 * Weight spreads. Gemma scales the token embedding by sqrt(embd) and RMS-normalizes every branch output, so each
 * branch adds about its post-norm gain to a residual of RMS sqrt(embd): the gains set how far the target strays from
 * a pure next-token-of-this-token model, and so how often the drafter (which is nearly that model) is right.
 */
const EMBED_STD = 1;
const READOUT_STD = 0.6;
const TARGET_BRANCH_GAIN = 0.5;
const DRAFT_BRANCH_GAIN = 0.1;
const NORM_JITTER = 0.02;
const SPECIAL_ROW_SCALE = 0.25;

/** gemma4.gguf and gemma4-assistant.gguf in `dir`, from one seed. */
export async function writeGemma4Pair(dir: string, opts: Partial<Gemma4PairSpec> = {}): Promise<Gemma4Pair> {
  const spec = { ...DEFAULT_GEMMA4_PAIR, ...opts };
  checkSpec(spec);
  await mkdir(dir, { recursive: true });
  const vocab = buildSpmVocab();
  const readout = makeReadout(spec, vocab);
  const target = join(dir, 'gemma4.gguf');
  const draft = join(dir, 'gemma4-assistant.gguf');
  const targetBytes = await writeTarget(target, spec, vocab, readout);
  const draftBytes = await writeAssistant(draft, spec, vocab, readout);
  return { target, draft, bytes: { target: targetBytes, draft: draftBytes }, vocabSize: vocab.tokens.length, spec };
}

/**
 * The shared next-token readout. The target's output matrix is D·A, where A (draftEmbd x embd) has orthonormal rows
 * and D (vocab x draftEmbd) is the drafter's tied embedding; the drafter's pre-projection applies A to the target's
 * token embedding. Then, branches aside, both models score token v as D[v]·A·e up to a positive factor, so their
 * argmax agrees: random weights alone would give a drafter that is never right, and an acceptance rate of zero
 * would not show that the MTP path works.
 */
interface Readout {
  /** vocab rows of draftEmbd, row-major. */
  d: Float32Array;
  /** draftEmbd rows of embd, row-major. */
  a: Float32Array;
}

function makeReadout(spec: Gemma4PairSpec, vocab: SpmVocab): Readout {
  const { seed, embd, draftEmbd } = spec;
  const d = gaussianValues(seed, 'readout', draftEmbd * vocab.tokens.length, READOUT_STD);
  // Byte and control rows are shrunk so greedy text is mostly whole printable tokens (as in tiny-llama).
  vocab.types.forEach((type, row) => {
    if (type === TOKEN_TYPE.normal) return;
    for (let i = row * draftEmbd; i < (row + 1) * draftEmbd; i++) d[i] = Math.fround((d[i] ?? 0) * SPECIAL_ROW_SCALE);
  });
  return { d, a: orthonormalRows(gaussianValues(seed, 'readout-basis', draftEmbd * embd, 1), draftEmbd, embd) };
}

/** Gram-Schmidt in float64 over the rows; Gaussian rows are independent with probability 1. */
function orthonormalRows(values: Float32Array, rows: number, cols: number): Float32Array {
  const m = Float64Array.from(values);
  for (let r = 0; r < rows; r++) {
    const row = m.subarray(r * cols, (r + 1) * cols);
    for (let p = 0; p < r; p++) {
      const prev = m.subarray(p * cols, (p + 1) * cols);
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += (row[c] ?? 0) * (prev[c] ?? 0);
      for (let c = 0; c < cols; c++) row[c] = (row[c] ?? 0) - dot * (prev[c] ?? 0);
    }
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += (row[c] ?? 0) ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-9) throw new Error('readout basis is degenerate');
    for (let c = 0; c < cols; c++) row[c] = (row[c] ?? 0) / norm;
  }
  return Float32Array.from(m);
}

/** Row-major (rows x inner) times (inner x cols). */
function matmul(x: Float32Array, y: Float32Array, rows: number, inner: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let k = 0; k < inner; k++) sum += (x[r * inner + k] ?? 0) * (y[k * cols + c] ?? 0);
      out[r * cols + c] = sum;
    }
  }
  return out;
}

/** Sliding-window flags, one per block; Gemma ends on a full-attention block. */
function targetPattern(spec: Gemma4PairSpec): boolean[] {
  return Array.from({ length: spec.layers }, (_, i) => (i + 1) % spec.fullEvery !== 0);
}

function draftPattern(spec: Gemma4PairSpec): boolean[] {
  return Array.from({ length: spec.draftLayers }, (_, i) => i !== spec.draftLayers - 1);
}

/** Frequency factors of the full-attention blocks: the first PARTIAL_ROTARY_FULL of each head rotates, the rest not. */
function ropeFreqs(headDimFull: number): Float32Array {
  const half = headDimFull / 2;
  const rotated = Math.max(1, Math.floor((headDimFull * PARTIAL_ROTARY_FULL) / 2));
  return Float32Array.from({ length: half }, (_, i) => (i < rotated ? 1 : UNROTATED_FREQ_FACTOR));
}

/** Adds F32 tensors whose values depend only on (seed, name, shape). */
function tensorAdders(w: GgufWriter, seed: number) {
  const values = (name: string, shape: readonly number[], make: () => Float32Array): void => {
    w.addTensor({ name, shape, type: 'F32', data: () => encodeF32(make()) });
  };
  return {
    values,
    matrix: (name: string, rowLength: number, rows: number, std: number): void =>
      values(name, [rowLength, rows], () => gaussianValues(seed, name, rowLength * rows, std)),
    norm: (name: string, length: number, gain = 1): void =>
      values(name, [length], () => gaussianValues(seed, name, length, gain * NORM_JITTER, gain)),
  };
}

/** Metadata both files carry with the same values: the drafter attends over the target's cache with them. */
function setShared(w: GgufWriter, arch: string, spec: Gemma4PairSpec, vocab: SpmVocab): void {
  w.setUint32(`${arch}.context_length`, spec.ctx);
  w.setUint32(`${arch}.attention.head_count_kv`, spec.kvHeads);
  w.setUint32(`${arch}.attention.key_length`, spec.headDimFull);
  w.setUint32(`${arch}.attention.value_length`, spec.headDimFull);
  w.setUint32(`${arch}.attention.key_length_swa`, spec.headDimSwa);
  w.setUint32(`${arch}.attention.value_length_swa`, spec.headDimSwa);
  w.setUint32(`${arch}.attention.sliding_window`, spec.slidingWindow);
  w.setFloat32(`${arch}.attention.layer_norm_rms_epsilon`, RMS_EPS);
  w.setUint32(`${arch}.rope.dimension_count`, spec.headDimFull);
  w.setUint32(`${arch}.rope.dimension_count_swa`, spec.headDimSwa);
  w.setFloat32(`${arch}.rope.freq_base`, ROPE_BASE_FULL);
  w.setFloat32(`${arch}.rope.freq_base_swa`, ROPE_BASE_SWA);
  // The SentencePiece vocabulary of tiny-llama: llama.cpp ties no tokenizer to the gemma4 architectures, and both
  // files must carry the same one since the drafter's token ids are the target's.
  w.setString('tokenizer.ggml.model', 'llama');
  w.setStringArray('tokenizer.ggml.tokens', vocab.tokens);
  w.setFloat32Array('tokenizer.ggml.scores', vocab.scores);
  w.setInt32Array('tokenizer.ggml.token_type', vocab.types);
  w.setUint32('tokenizer.ggml.bos_token_id', BOS_ID);
  w.setUint32('tokenizer.ggml.eos_token_id', EOS_ID);
  w.setUint32('tokenizer.ggml.unknown_token_id', UNK_ID);
  w.setBool('tokenizer.ggml.add_bos_token', true);
  w.setBool('tokenizer.ggml.add_eos_token', false);
}

async function writeTarget(path: string, spec: Gemma4PairSpec, vocab: SpmVocab, readout: Readout): Promise<number> {
  const { seed, embd, heads, kvHeads, ff } = spec;
  const nVocab = vocab.tokens.length;
  const swa = targetPattern(spec);
  const arch = 'gemma4';

  const w = new GgufWriter();
  w.setString('general.architecture', arch);
  w.setString('general.name', `${GENERATED_MODEL_PREFIX.gemma4}s${seed}-l${spec.layers}`);
  w.setUint32('general.file_type', 0);
  w.setUint32(`${arch}.vocab_size`, nVocab);
  w.setUint32(`${arch}.embedding_length`, embd);
  w.setUint32(`${arch}.block_count`, spec.layers);
  w.setUint32(`${arch}.feed_forward_length`, ff);
  w.setUint32(`${arch}.attention.head_count`, heads);
  w.set(`${arch}.attention.sliding_window_pattern`, { type: 'array', of: 'bool', values: swa });
  // Required by the loader; 0 leaves out the per-layer token embeddings (the E2B/E4B extra input path).
  w.setUint32(`${arch}.embedding_length_per_layer_input`, 0);
  w.setUint32(`${arch}.attention.shared_kv_layers`, 0);
  setShared(w, arch, spec, vocab);

  const { values, matrix, norm } = tensorAdders(w, seed);
  matrix('token_embd.weight', embd, nVocab, EMBED_STD);
  values('rope_freqs.weight', [spec.headDimFull / 2], () => ropeFreqs(spec.headDimFull));
  for (let i = 0; i < spec.layers; i++) {
    const blk = `blk.${i}`;
    const hd = swa[i] ? spec.headDimSwa : spec.headDimFull;
    norm(`${blk}.attn_norm.weight`, embd);
    matrix(`${blk}.attn_q.weight`, embd, hd * heads, 1 / Math.sqrt(embd));
    matrix(`${blk}.attn_k.weight`, embd, hd * kvHeads, 1 / Math.sqrt(embd));
    matrix(`${blk}.attn_v.weight`, embd, hd * kvHeads, 1 / Math.sqrt(embd));
    matrix(`${blk}.attn_output.weight`, hd * heads, embd, 1 / Math.sqrt(hd * heads));
    norm(`${blk}.attn_q_norm.weight`, hd);
    norm(`${blk}.attn_k_norm.weight`, hd);
    norm(`${blk}.post_attention_norm.weight`, embd, TARGET_BRANCH_GAIN);
    norm(`${blk}.ffn_norm.weight`, embd);
    matrix(`${blk}.ffn_gate.weight`, embd, ff, 1 / Math.sqrt(embd));
    matrix(`${blk}.ffn_up.weight`, embd, ff, 1 / Math.sqrt(embd));
    matrix(`${blk}.ffn_down.weight`, ff, embd, 1 / Math.sqrt(ff));
    norm(`${blk}.post_ffw_norm.weight`, embd, TARGET_BRANCH_GAIN);
    // Optional for gemma4 (required for the assistant); 1 keeps the residual scale, the loader still reads it.
    values(`${blk}.layer_output_scale.weight`, [1], () => Float32Array.of(1));
  }
  // Exactly 1, not jittered: the readout argument (makeReadout) needs the final norm to be a pure rescale.
  values('output_norm.weight', [embd], () => new Float32Array(embd).fill(1));
  values('output.weight', [embd, nVocab], () => matmul(readout.d, readout.a, nVocab, spec.draftEmbd, embd));
  return w.write(path);
}

async function writeAssistant(path: string, spec: Gemma4PairSpec, vocab: SpmVocab, readout: Readout): Promise<number> {
  const { seed, embd, draftEmbd, draftHeads, draftFf } = spec;
  const nVocab = vocab.tokens.length;
  const swa = draftPattern(spec);
  const arch = 'gemma4-assistant';
  // The files share tensor names (blk.0.attn_q.weight, ...): a derived seed keeps the drafter's weights from
  // repeating the target's values.
  const dseed = (seed + 0x9e3779b9) >>> 0;

  const w = new GgufWriter();
  w.setString('general.architecture', arch);
  w.setString('general.name', `${GENERATED_MODEL_PREFIX.gemma4}assistant-s${seed}-l${spec.draftLayers}`);
  w.setUint32('general.file_type', 0);
  w.setUint32(`${arch}.vocab_size`, nVocab);
  w.setUint32(`${arch}.embedding_length`, draftEmbd);
  // The target's hidden size: the width of the h rows it is fed and returns.
  w.setUint32(`${arch}.embedding_length_out`, embd);
  w.setUint32(`${arch}.block_count`, spec.draftLayers);
  // Every block is an MTP block: the assistant has no trunk of its own.
  w.setUint32(`${arch}.nextn_predict_layers`, spec.draftLayers);
  w.setUint32(`${arch}.feed_forward_length`, draftFf);
  w.setUint32(`${arch}.attention.head_count`, draftHeads);
  w.set(`${arch}.attention.sliding_window_pattern`, { type: 'array', of: 'bool', values: swa });
  setShared(w, arch, spec, vocab);

  const { values, matrix, norm } = tensorAdders(w, dseed);
  // Tied: the lm head is this matrix too, and it is D of the readout.
  values('token_embd.weight', [draftEmbd, nVocab], () => readout.d);
  values('output_norm.weight', [draftEmbd], () => new Float32Array(draftEmbd).fill(1));
  matrix('nextn.post_projection.weight', draftEmbd, embd, 1 / Math.sqrt(draftEmbd));
  // Input is concat(scaled target token embedding, target h): A reads the first half, the h half is ignored.
  values('nextn.pre_projection.weight', [2 * embd, draftEmbd], () => {
    const out = new Float32Array(2 * embd * draftEmbd);
    for (let r = 0; r < draftEmbd; r++) out.set(readout.a.subarray(r * embd, (r + 1) * embd), r * 2 * embd);
    return out;
  });
  values('rope_freqs.weight', [spec.headDimFull / 2], () => ropeFreqs(spec.headDimFull));
  for (let i = 0; i < spec.draftLayers; i++) {
    const blk = `blk.${i}`;
    const hd = swa[i] ? spec.headDimSwa : spec.headDimFull;
    norm(`${blk}.attn_norm.weight`, draftEmbd);
    matrix(`${blk}.attn_q.weight`, draftEmbd, hd * draftHeads, 1 / Math.sqrt(draftEmbd));
    matrix(`${blk}.attn_output.weight`, hd * draftHeads, draftEmbd, 1 / Math.sqrt(hd * draftHeads));
    norm(`${blk}.attn_q_norm.weight`, hd);
    norm(`${blk}.post_attention_norm.weight`, draftEmbd, DRAFT_BRANCH_GAIN);
    values(`${blk}.layer_output_scale.weight`, [1], () => Float32Array.of(1));
    norm(`${blk}.ffn_norm.weight`, draftEmbd);
    matrix(`${blk}.ffn_gate.weight`, draftEmbd, draftFf, 1 / Math.sqrt(draftEmbd));
    matrix(`${blk}.ffn_up.weight`, draftEmbd, draftFf, 1 / Math.sqrt(draftEmbd));
    matrix(`${blk}.ffn_down.weight`, draftFf, draftEmbd, 1 / Math.sqrt(draftFf));
    norm(`${blk}.post_ffw_norm.weight`, draftEmbd, DRAFT_BRANCH_GAIN);
  }
  return w.write(path);
}

function checkSpec(spec: Gemma4PairSpec): void {
  const keys = [
    'ctx',
    'embd',
    'layers',
    'fullEvery',
    'heads',
    'kvHeads',
    'headDimSwa',
    'headDimFull',
    'ff',
    'slidingWindow',
    'draftEmbd',
    'draftLayers',
    'draftHeads',
    'draftFf',
  ] as const;
  for (const key of keys) {
    const v = spec[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`spec.${key} must be a positive integer, not ${v}`);
  }
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
    throw new Error(`spec.seed must be an integer in 0..2^32-1, not ${spec.seed}`);
  }
  if (spec.headDimSwa % 2 !== 0 || spec.headDimFull % 2 !== 0) throw new Error('head sizes must be even for RoPE');
  if (spec.heads % spec.kvHeads !== 0 || spec.draftHeads % spec.kvHeads !== 0) {
    throw new Error('spec.heads and spec.draftHeads must be multiples of spec.kvHeads');
  }
  if (spec.draftEmbd >= spec.embd) {
    // The loader insists embedding_length_out differs from embedding_length; the readout needs A's rows independent.
    throw new Error('spec.draftEmbd must be smaller than spec.embd');
  }
  const swa = targetPattern(spec);
  // The drafter's sliding-window blocks read the target's second-to-last block's cache, its full blocks the last's.
  if (spec.layers < 2 || swa[spec.layers - 1] || !swa[spec.layers - 2]) {
    throw new Error(
      'the target must end with a sliding-window block then a full-attention one: layers must be a multiple of fullEvery (>= 2)',
    );
  }
  if (spec.draftLayers < 2)
    throw new Error('spec.draftLayers must be at least 2 (a sliding-window block and a full one)');
}
