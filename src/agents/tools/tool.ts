// What an agent tool is, and running one: arguments checked against its schema, answers and errors as bounded text.
import type { HubClient } from '../../shared/hub-client';
import { HubClientError } from '../../shared/hub-error';
import type { RecordItem } from '../../shared/api';
import { checkArguments, exampleOf, type JsonObjectSchema } from './json-schema';

export interface ToolContext {
  hub: HubClient;
  /** The agent the hub client's token belongs to (GET /v1/me): whose inbox, whose scratch folder. */
  agentId: string;
}

export interface AgentTool {
  name: string;
  /** One or two sentences a small model reads to choose the tool. */
  description: string;
  parameters: JsonObjectSchema;
  /** `args` has passed `parameters` (runTool checks first); the answer is summarized for a small context. */
  run(args: unknown, ctx: ToolContext): Promise<unknown>;
}

/** A tool whose arguments are typed as its schema describes them; runTool validates before calling it. */
export interface AgentToolSpec<A> {
  name: string;
  description: string;
  parameters: JsonObjectSchema;
  run(args: A, ctx: ToolContext): Promise<unknown>;
}

export function defineTool<A>(spec: AgentToolSpec<A>): AgentTool {
  return spec as AgentTool;
}

/** A call the tool itself refuses (the schema cannot say it: a number that must be positive...), said to the agent. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

/**
 * A call's answer as the agent reads it (`result`, `error`: bounded text), with what its caller branches on: the
 * tool's own value, whole, and the hub's code of a refusal.
 */
export type ToolOutcome = { ok: true; result: string; value?: unknown } | { ok: false; error: string; code?: string };

/** Results go into a small model's bounded context: a few hundred tokens at most. */
export const DEFAULT_RESULT_CHARS = 1500;

/** Cuts text to `max` characters and says so, so the model knows there is more and how to get less. */
export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` ...[cut: ${max} of ${text.length} characters shown; ask for fewer items or one record]`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

export function excerpt(text: string, max = 150): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A message or result in a list: who, which file, the first words. */
export function recordSummary(r: RecordItem, fields: readonly string[] = []): Record<string, unknown> {
  const fm = r.frontmatter;
  const out: Record<string, unknown> = { filename: r.filename, author: fm.agent ?? null };
  for (const f of fields) if (fm[f] !== undefined) out[f] = fm[f];
  if (r.verification !== undefined) out.verification = r.verification;
  out.body = excerpt(r.body);
  return out;
}

/** Only whole records: list routes answer bare filenames unless expand=true. */
export function records(items: Array<RecordItem | string>): RecordItem[] {
  return items.filter((i): i is RecordItem => typeof i !== 'string');
}

/** "" and [] mean "none" in tool arguments (the grammar generates every field); undefined for the hub. */
export function optional(value: string): string | undefined {
  const v = value.trim();
  return v === '' ? undefined : v;
}

function parseArgs(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

/**
 * Runs one tool call and never throws: a bad call is answered with what was wrong and a call that fits, a hub
 * refusal with its code, message and hint, so the agent can correct itself on its next step.
 */
export async function runTool(
  tools: AgentTool[],
  name: string,
  args: unknown,
  ctx: ToolContext,
  options: {
    maxChars?: number;
    /** The schema the arguments are checked against instead of the tool's own (MCP's relaxed one); same fields. */
    parameters?: JsonObjectSchema;
  } = {},
): Promise<ToolOutcome> {
  const max = options.maxChars ?? DEFAULT_RESULT_CHARS;
  const tool = tools.find((t) => t.name === name);
  if (!tool)
    return {
      ok: false,
      error: bound(`unknown tool "${name}"; the tools are: ${tools.map((t) => t.name).join(', ')}`, max),
    };
  const parsed = parseArgs(args);
  const schema = options.parameters ?? tool.parameters;
  const problem = checkArguments(schema, parsed);
  if (problem !== null) {
    const example = JSON.stringify(exampleOf(schema, parsed));
    return {
      ok: false,
      error: bound(`invalid arguments for ${name}: ${problem}. Call it again with every field, e.g. ${example}`, max),
    };
  }
  try {
    const value = await tool.run(parsed, ctx);
    return { ok: true, result: bound(typeof value === 'string' ? value : JSON.stringify(value), max), value };
  } catch (err) {
    if (err instanceof HubClientError)
      return {
        ok: false,
        error: bound(`${err.code}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`, max),
        code: err.code,
      };
    if (err instanceof ToolInputError)
      return { ok: false, error: bound(`invalid arguments for ${name}: ${err.message}`, max) };
    return { ok: false, error: bound(`${name} failed: ${(err as Error).message ?? String(err)}`, max) };
  }
}
