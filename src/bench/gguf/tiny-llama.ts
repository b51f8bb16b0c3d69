// Generates small random-weight `llama` GGUF models, and families of target + draft models that share weights.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TOKEN_TYPE } from './gguf-types';
import { GENERATED_MODEL_PREFIX } from '../../platform/gguf-types';
import { GgufWriter } from './gguf-writer';
import { encodeTensor, type EncodableType } from './quantize';
import { gaussianValues } from './seeded-random';
import { BOS_ID, buildSpmVocab, EOS_ID, UNK_ID, type SpmVocab } from './spm-vocab';
import { CHAT_TEMPLATES, type ChatTemplateName } from './chat-templates';

export type WeightType = 'f32' | 'f16' | 'q8_0' | 'q4_0';

export interface LlamaSpec {
  seed: number;
  layers: number;
  embd: number;
  heads: number;
  kvHeads: number;
  ff: number;
  ctx: number;
  /** Storage of the 2-D weights (token_embd and output included); norms are always F32. */
  type: WeightType;
  /** Leave out the last N blocks; every tensor that remains is identical to the full model's. */
  dropLayers?: number;
  /**
   * Carry a real model's chat template (`tokenizer.chat_template`) and the special tokens it writes, so chat
   * runtimes pick that model's chat format and function-calling syntax. Without it the model has no template.
   */
  chatTemplate?: ChatTemplateName;
}

export interface WrittenModel {
  path: string;
  bytes: number;
  /** Blocks actually in the file (layers - dropLayers). */
  layers: number;
  vocabSize: number;
}

const GGML_TYPE: Record<WeightType, EncodableType> = { f32: 'F32', f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' };
/** llama_ftype: what llama.cpp prints as the model's type; it does not affect loading. */
const FILE_TYPE: Record<WeightType, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };
const RMS_EPS = 1e-5;

/**
 * Spread of each weight family. Branch outputs (attn_output, ffn_down) are scaled down so the token embedding dominates
 * the residual stream: then dropping the last blocks changes the logits only a little and a shallow draft still agrees
 * with the target often. output.weight is large so the next-token distribution is peaked and greedy decoding is
 * decisive rather than a coin toss between near-equal logits.
 */
const EMBED_STD = 1;
const OUTPUT_STD = 0.6;
const BRANCH_GAIN = 0.35;
const NORM_JITTER = 0.02;
const SPECIAL_ROW_SCALE = 0.25;

export async function writeLlamaModel(path: string, spec: LlamaSpec): Promise<WrittenModel> {
  checkSpec(spec);
  const { seed, embd, heads, kvHeads, ff, ctx } = spec;
  const layers = spec.layers - (spec.dropLayers ?? 0);
  const headDim = embd / heads;
  const kvDim = headDim * kvHeads;
  const template = spec.chatTemplate ? CHAT_TEMPLATES[spec.chatTemplate] : null;
  const vocab = template
    ? withSpecialTokens(buildSpmVocab(), template.controlTokens, template.userDefinedTokens)
    : buildSpmVocab();
  const nVocab = vocab.tokens.length;
  const matType = GGML_TYPE[spec.type];

  const w = new GgufWriter();
  w.setString('general.architecture', 'llama');
  w.setString(
    'general.name',
    `${GENERATED_MODEL_PREFIX.llama}s${seed}-l${layers}-${spec.type}${spec.chatTemplate ? `-${spec.chatTemplate}` : ''}`,
  );
  w.setUint32('general.file_type', FILE_TYPE[spec.type]);
  w.setUint32('llama.vocab_size', nVocab);
  w.setUint32('llama.context_length', ctx);
  w.setUint32('llama.embedding_length', embd);
  w.setUint32('llama.block_count', layers);
  w.setUint32('llama.feed_forward_length', ff);
  w.setUint32('llama.attention.head_count', heads);
  w.setUint32('llama.attention.head_count_kv', kvHeads);
  w.setFloat32('llama.attention.layer_norm_rms_epsilon', RMS_EPS);
  w.setUint32('llama.rope.dimension_count', headDim); // the llama loader refuses any other n_rot
  w.setFloat32('llama.rope.freq_base', 10000);
  w.setString('tokenizer.ggml.model', 'llama');
  w.setStringArray('tokenizer.ggml.tokens', vocab.tokens);
  w.setFloat32Array('tokenizer.ggml.scores', vocab.scores);
  w.setInt32Array('tokenizer.ggml.token_type', vocab.types);
  w.setUint32('tokenizer.ggml.bos_token_id', BOS_ID);
  w.setUint32('tokenizer.ggml.eos_token_id', EOS_ID);
  w.setUint32('tokenizer.ggml.unknown_token_id', UNK_ID);
  w.setBool('tokenizer.ggml.add_bos_token', true);
  w.setBool('tokenizer.ggml.add_eos_token', false);
  if (template) {
    w.setString('tokenizer.chat_template', template.jinja);
    // Otherwise llama.cpp puts a space before every text that follows a special token ("<start_of_turn> user"):
    // the conversions of models with chat tokens (Gemma's among them) turn it off.
    w.setBool('tokenizer.ggml.add_space_prefix', false);
    // llama.cpp would also find the end-of-turn token by its text; stating it is what real conversions do.
    w.setUint32('tokenizer.ggml.eot_token_id', vocab.tokens.indexOf(template.endOfTurn));
  }

  // Values depend only on (seed, name, shape): the storage type and the block count never change them.
  const matrix = (name: string, rowLength: number, rows: number, std: number): void => {
    w.addTensor({
      name,
      shape: [rowLength, rows],
      type: matType,
      data: () => encodeTensor(gaussianValues(seed, name, rowLength * rows, std), matType),
    });
  };
  const norm = (name: string): void => {
    w.addTensor({
      name,
      shape: [embd],
      type: 'F32',
      data: () => encodeTensor(gaussianValues(seed, name, embd, NORM_JITTER, 1), 'F32'),
    });
  };

  matrix('token_embd.weight', embd, nVocab, EMBED_STD);
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    norm(`${blk}.attn_norm.weight`);
    matrix(`${blk}.attn_q.weight`, embd, embd, 1 / Math.sqrt(embd));
    matrix(`${blk}.attn_k.weight`, embd, kvDim, 1 / Math.sqrt(embd));
    matrix(`${blk}.attn_v.weight`, embd, kvDim, 1 / Math.sqrt(embd));
    matrix(`${blk}.attn_output.weight`, embd, embd, BRANCH_GAIN / Math.sqrt(embd));
    norm(`${blk}.ffn_norm.weight`);
    matrix(`${blk}.ffn_gate.weight`, embd, ff, 1 / Math.sqrt(embd));
    matrix(`${blk}.ffn_up.weight`, embd, ff, 1 / Math.sqrt(embd));
    matrix(`${blk}.ffn_down.weight`, ff, embd, BRANCH_GAIN / Math.sqrt(ff));
  }
  norm('output_norm.weight');
  w.addTensor({
    name: 'output.weight',
    shape: [embd, nVocab],
    type: matType,
    data: () => encodeTensor(outputWeights(seed, embd, vocab.types), matType),
  });

  const bytes = await w.write(path);
  return { path, bytes, layers, vocabSize: nVocab };
}

/** The vocabulary with a template's special tokens appended (after every ordinary token, so those keep their ids). */
function withSpecialTokens(vocab: SpmVocab, control: string[], userDefined: string[]): SpmVocab {
  const added = [...control, ...userDefined];
  const clash = added.find((t) => vocab.tokens.includes(t));
  if (clash) throw new Error(`the chat template's token ${clash} is already in the vocabulary`);
  return {
    tokens: [...vocab.tokens, ...added],
    scores: Float32Array.from([...vocab.scores, ...added.map(() => 0)]),
    types: Int32Array.from([
      ...vocab.types,
      ...control.map(() => TOKEN_TYPE.control),
      ...userDefined.map(() => TOKEN_TYPE.userDefined),
    ]),
  };
}

/**
 * Rows of output.weight for byte and control tokens are shrunk so greedy text is mostly whole printable tokens:
 * random byte tokens would decode to broken UTF-8, and a predicted </s> would end generations early.
 */
function outputWeights(seed: number, embd: number, tokenTypes: Int32Array): Float32Array {
  const values = gaussianValues(seed, 'output.weight', embd * tokenTypes.length, OUTPUT_STD);
  tokenTypes.forEach((type, row) => {
    if (type === TOKEN_TYPE.normal) return;
    for (let i = row * embd; i < (row + 1) * embd; i++) values[i] = Math.fround((values[i] ?? 0) * SPECIAL_ROW_SCALE);
  });
  return values;
}

function checkSpec(spec: LlamaSpec): void {
  for (const key of ['layers', 'embd', 'heads', 'kvHeads', 'ff', 'ctx'] as const) {
    const v = spec[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`spec.${key} must be a positive integer, not ${v}`);
  }
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
    throw new Error(`spec.seed must be an integer in 0..2^32-1, not ${spec.seed}`);
  }
  if (spec.embd % spec.heads !== 0) throw new Error('spec.embd must be a multiple of spec.heads');
  if (spec.heads % spec.kvHeads !== 0) throw new Error('spec.heads must be a multiple of spec.kvHeads');
  if ((spec.embd / spec.heads) % 2 !== 0) throw new Error('the head size (embd / heads) must be even for RoPE');
  if ((spec.type === 'q8_0' || spec.type === 'q4_0') && (spec.embd % 32 !== 0 || spec.ff % 32 !== 0)) {
    // Every matrix row (embd or ff long) must be whole 32-value blocks.
    throw new Error(`${spec.type} needs embd and ff to be multiples of 32`);
  }
  if (spec.chatTemplate !== undefined && !Object.hasOwn(CHAT_TEMPLATES, spec.chatTemplate)) {
    throw new Error(
      `spec.chatTemplate must be one of ${Object.keys(CHAT_TEMPLATES).join(', ')} (not ${JSON.stringify(spec.chatTemplate)})`,
    );
  }
  const drop = spec.dropLayers ?? 0;
  if (!Number.isSafeInteger(drop) || drop < 0 || drop >= spec.layers) {
    throw new Error(`spec.dropLayers must be 0..${spec.layers - 1}, not ${drop}`);
  }
}

export type FamilyOptions = Partial<Omit<LlamaSpec, 'type'>>;

export interface ModelFamily {
  /** F32, all layers. */
  target: string;
  /** Same weights as the target, stored Q8_0. */
  draftQ8_0: string;
  /** Same weights as the target, stored Q4_0. */
  draftQ4_0: string;
  /** F32, the target without its last `dropLayers` blocks. */
  draftShallow: string;
  spec: Omit<LlamaSpec, 'type'>;
}

export const DEFAULT_FAMILY: Omit<LlamaSpec, 'type'> = {
  seed: 1,
  layers: 4,
  embd: 64,
  heads: 4,
  kvHeads: 2,
  ff: 192,
  ctx: 512,
  dropLayers: 1,
};

/** target.gguf, draft-q8_0.gguf, draft-q4_0.gguf and draft-shallow.gguf in `dir`, all from one seed. */
export async function makeModelFamily(dir: string, opts: FamilyOptions = {}): Promise<ModelFamily> {
  const spec = { ...DEFAULT_FAMILY, ...opts };
  await mkdir(dir, { recursive: true });
  const full = { ...spec, dropLayers: 0 };
  const family: ModelFamily = {
    target: join(dir, 'target.gguf'),
    draftQ8_0: join(dir, 'draft-q8_0.gguf'),
    draftQ4_0: join(dir, 'draft-q4_0.gguf'),
    draftShallow: join(dir, 'draft-shallow.gguf'),
    spec,
  };
  await writeLlamaModel(family.target, { ...full, type: 'f32' });
  await writeLlamaModel(family.draftQ8_0, { ...full, type: 'q8_0' });
  await writeLlamaModel(family.draftQ4_0, { ...full, type: 'q4_0' });
  await writeLlamaModel(family.draftShallow, { ...spec, type: 'f32' });
  return family;
}
