// Builds (once per distinct schema) the grammars requests need: node-llama-cpp's JSON grammar with integers that are integers.
import { LlamaText, type GbnfJsonSchema, type Llama, type LlamaGrammar } from 'node-llama-cpp';
import { callGrammar, type GenerationMode } from './chat-request';
import { withoutIntegerExponents } from './json-schema-grammar';

/** The grammar the mode needs (null for text and free function calling), built once per distinct schema. */
export class GrammarCache {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly llama: Llama,
    private readonly limit = 128,
  ) {}

  async forMode(mode: GenerationMode): Promise<LlamaGrammar | null> {
    if (mode.kind === 'json') return this.get(mode.grammar);
    if (mode.kind === 'call') return this.get(callGrammar(mode));
    // node-llama-cpp builds the parameter grammars of free function calls itself, mid-generation; building them
    // here first turns a schema it cannot handle into a refusal of the request instead of a failed generation.
    if (mode.kind === 'functions') await Promise.all(mode.tools.map((t) => this.get(t.grammar)));
    return null;
  }

  /** Each tool's parameter grammar, in the tools' order: what llama-server's lazy grammar of free calls is made of. */
  paramGrammars(mode: Extract<GenerationMode, { kind: 'functions' }>): Promise<LlamaGrammar[]> {
    return Promise.all(mode.tools.map((t) => this.get(t.grammar)));
  }

  private get(schema: GbnfJsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.build(schema);
      grammar.catch(() => this.grammars.delete(key));
      if (this.grammars.size >= this.limit) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private async build(schema: GbnfJsonSchema): Promise<LlamaGrammar> {
    const json = await this.llama.createGrammarForJsonSchema<GbnfJsonSchema, Record<string, GbnfJsonSchema>>(schema);
    const patched = withoutIntegerExponents(json.grammar);
    if (patched === json.grammar) return json;
    // The same grammar with integers that are integers; the same ending as node-llama-cpp's JSON grammars (4 newlines stop it).
    return this.llama.createGrammar({
      grammar: patched,
      stopGenerationTriggers: [LlamaText(['\n'.repeat(4)])],
      trimWhitespaceSuffix: true,
    });
  }
}
