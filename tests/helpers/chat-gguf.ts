// GGUF files with a real model's header and no weights: an architecture, a name, a vocabulary and (if asked) a chat
// template, as the Models listing reads them to tell agent brains from drafters and base models.
import { readFileSync } from 'node:fs';
import { GgufWriter } from '../../src/bench/gguf/gguf-writer';

/** Gemma 4's turn markers and ChatML's: the families the listing names. */
export const GEMMA4_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|turn>' + message['role'] + '\\n' + message['content'] + '<turn|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|turn>model\\n' }}{% endif %}";
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The chat template comes after the vocabulary, as in the files llama.cpp's converter writes, so a reader must walk
 * past it; the vocabulary's length sets the file's size. Answers the file's bytes.
 */
export async function writeHeaderModel(
  path: string,
  o: { architecture: string; name: string; template?: string; vocab?: number },
): Promise<Buffer> {
  const writer = new GgufWriter()
    .set('general.architecture', { type: 'string', value: o.architecture })
    .set('general.name', { type: 'string', value: o.name })
    .set('tokenizer.ggml.model', { type: 'string', value: 'llama' })
    .set('tokenizer.ggml.tokens', {
      type: 'array',
      of: 'string',
      values: Array.from({ length: o.vocab ?? 20_000 }, (_, i) => `tok${i}`),
    });
  if (o.template) writer.set('tokenizer.chat_template', { type: 'string', value: o.template });
  await writer.write(path);
  return readFileSync(path);
}
