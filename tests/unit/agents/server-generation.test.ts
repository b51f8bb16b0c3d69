// The grammar text the host sends llama-server for free tool calls: rules of several grammars kept apart, one call of
// a known tool in the model's own syntax after its trigger.
import { describe, expect, it } from 'vitest';
import { Gemma4ChatWrapper, GemmaChatWrapper, QwenChatWrapper, type LlamaGrammar } from 'node-llama-cpp';
import { prefixRules, toolCallGrammar, withoutThoughts } from '../../../src/agents/inference/server-generation';

describe('prefixRules', () => {
  it('renames every rule where defined and referred to, and nothing inside literals, classes, counts or comments', () => {
    const gbnf = [
      'root ::= "{" space value "}" # root is the object',
      'value ::= [a-z-]{1,24} | "root" | "\\"value\\""',
      'space ::= " "?',
    ].join('\n');
    expect(prefixRules(gbnf, 't0-')).toBe(
      [
        't0-root ::= "{" t0-space t0-value "}" # root is the object',
        't0-value ::= [a-z-]{1,24} | "root" | "\\"value\\""',
        't0-space ::= " "?',
      ].join('\n'),
    );
  });
});

describe('toolCallGrammar', () => {
  const mode = {
    kind: 'functions' as const,
    parallel: false,
    tools: [
      { name: 'search', parameters: {}, grammar: {} },
      { name: 'search_notes', parameters: {}, grammar: {} },
    ],
  } as unknown as Parameters<typeof toolCallGrammar>[1];
  const params = [{ grammar: 'root ::= "{}"' }, { grammar: 'root ::= "{" x "}"\nx ::= "1"' }] as LlamaGrammar[];

  it("writes Qwen's call: its <tool_call> prefix is the trigger, then one known tool's name, JSON and suffix", () => {
    const { grammar, triggers } = toolCallGrammar(new QwenChatWrapper(), mode, params);
    expect(triggers[0]).toBe('<tool_call>\n{"name": "');
    const lines = grammar.split('\n');
    expect(lines[0]).toBe('root ::= ("<tool_call>\\n{\\"name\\": \\"") (call0 | call1)');
    expect(lines[1]).toBe('call0 ::= "search\\", \\"arguments\\": " t0-root "}\\n</tool_call>"');
    expect(lines[2]).toBe('call1 ::= "search_notes\\", \\"arguments\\": " t1-root "}\\n</tool_call>"');
    expect(lines.slice(3)).toEqual(['t0-root ::= "{}"', 't1-root ::= "{" t1-x "}"', 't1-x ::= "1"']);
  });

  it("uses the wrapper's own syntax (Gemma's ||call: name(...))", () => {
    const gemma = toolCallGrammar(new GemmaChatWrapper(), mode, params);
    expect(gemma.triggers[0]).toBe('||call: ');
    expect(gemma.grammar.split('\n')[1]).toBe('call0 ::= "search(" t0-root ")"');
  });
});

describe('withoutThoughts', () => {
  it("leaves a model's thoughts out of its answer, as node-llama-cpp does (Gemma 4, Qwen 3)", () => {
    const gemma4 = new Gemma4ChatWrapper();
    expect(withoutThoughts('<|channel>thought\nLet me see.<channel|>Paris is sunny.', gemma4)).toBe('Paris is sunny.');
    expect(withoutThoughts('A<|channel>thought\nx<channel|>B<|channel>thought\ny<channel|>C', gemma4)).toBe('ABC');
    // a thought still open when the answer ends hides the rest
    expect(withoutThoughts('Hello<|channel>thought\nstill thinking', gemma4)).toBe('Hello');
    expect(withoutThoughts('<think>\nhmm\n</think>Done.', new QwenChatWrapper())).toBe('Done.');
    // a wrapper without thoughts leaves the text as it is
    expect(withoutThoughts('<think>kept</think>', new GemmaChatWrapper())).toBe('<think>kept</think>');
  });
});
