// A small SentencePiece-style ("llama") vocabulary: specials, 256 byte-fallback tokens, printable ASCII and a few merges.
import { TOKEN_TYPE } from './gguf-types';

/** SentencePiece writes spaces as U+2581 inside tokens; llama.cpp's SPM tokenizer does the same before lookup. */
export const SPM_SPACE = '\u2581';

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;

/**
 * Common English pieces. Each must split into two shorter tokens already in the vocabulary, because llama.cpp's SPM
 * tokenizer only ever builds a token by joining two adjacent pieces.
 */
const MERGES = [
  'th',
  'he',
  'in',
  'er',
  'an',
  're',
  'on',
  'at',
  'en',
  'nd',
  'ti',
  'es',
  'or',
  'te',
  'of',
  'ed',
  'is',
  'it',
  'ar',
  'st',
  'to',
  'nt',
  'ou',
  'ea',
  '_t',
  '_a',
  '_s',
  '_w',
  '_o',
  '_i',
  '_th',
  '_the',
  'the',
  'ing',
  '_an',
  '_and',
  '_of',
  '_to',
  '_in',
  'ion',
].map((m) => m.replaceAll('_', SPM_SPACE));

export interface SpmVocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
}

export function buildSpmVocab(): SpmVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (text: string, type: number, score: number): void => {
    tokens.push(text);
    scores.push(score);
    types.push(type);
  };

  add('<unk>', TOKEN_TYPE.unknown, 0);
  add('<s>', TOKEN_TYPE.control, 0);
  add('</s>', TOKEN_TYPE.control, 0);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN_TYPE.byte, 0);

  // SentencePiece scores are log-probabilities; the tokenizer joins the highest-scoring pair first, so merges rank
  // above single characters and earlier (more common) merges above later ones.
  MERGES.forEach((m, i) => add(m, TOKEN_TYPE.normal, -1 - i));
  for (let c = 0x20; c <= 0x7e; c++) {
    add(c === 0x20 ? SPM_SPACE : String.fromCharCode(c), TOKEN_TYPE.normal, -100 - (c - 0x20));
  }

  const known = new Set(tokens);
  if (known.size !== tokens.length) throw new Error('vocabulary has duplicate tokens');
  for (const m of MERGES) {
    const splits = [...m].map((_, i) => [m.slice(0, i), m.slice(i)]);
    if (!splits.some(([a = '', b = '']) => a && b && known.has(a) && known.has(b))) {
      throw new Error(`merge ${m} cannot be built from two tokens of the vocabulary`);
    }
  }
  return { tokens, scores: Float32Array.from(scores), types: Int32Array.from(types) };
}
