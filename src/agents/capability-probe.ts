// The capability probe: before an agent joins, a short tool-call exercise through its own chat client and tool-call parsing.
import type { ProbeCheck, ProbeReport } from '../shared/swarm';
import { ChatClient } from './inference/chat-client';
import { errorMessage, requestJson, type JsonReply } from './inference/loopback-json';
import type { ChatCompletion, ChatMessage, ChatTool, ChatToolCall } from './inference/openai-types';
import { runTool, type AgentTool, type ToolContext } from './tools/agent-tools';
import { object, oneOfValues, str } from './tools/json-schema';

/** What the probe talks to: the person's own server (listModels) or this machine's inference host. */
export interface ProbeTarget {
  /** OpenAI-compatible base URL, ending in /v1. */
  url: string;
  /** Bearer key; empty for a server that wants none. Sent in the Authorization header only. */
  key: string;
  /** The model name the agent will send. */
  model: string;
  /** The X-Collab-Agent name the probe's requests carry (the host counts its tokens under it). */
  agent: string;
  /** Check that GET {url}/models lists the model first (the person's server; our host serves what it loaded). */
  listModels: boolean;
  /** Each request gives up after this long: "the endpoint did not answer in N s". */
  timeoutMs: number;
}

/** What a person can do when a server cannot call tools: the usual servers' own fixes. */
const TOOLS_ADVICE =
  'this model or server does not support tools; in Ollama pick a model with tool support (ollama.com/search?c=tools), in LM Studio a model marked for tool use, in llama-server start it with --jinja';
const JSON_ADVICE =
  "the server's tool-call parser or the model's chat template is broken; in llama-server start it with --jinja, elsewhere update the server or pick another build of the model";

/** The one tool of the exercise: small, with a string and a choice, as the agent's own tools are. */
const PROBE_TOOL: AgentTool = {
  name: 'read_result',
  description: 'Reads one benchmark result from the board by its file name and returns the figure asked for.',
  parameters: object({
    filename: str(80, 'the result file name, e.g. baseline-1.md', 1),
    figure: oneOfValues(['tps', 'ppl'], 'which figure: tps (tokens per second) or ppl (perplexity)'),
  }),
  run: async (args) => ({ ...(args as Record<string, unknown>), tps: 42.5, ppl: 7.1 }),
};
const PROBE_TOOLS: ChatTool[] = [
  {
    type: 'function',
    function: { name: PROBE_TOOL.name, description: PROBE_TOOL.description, parameters: PROBE_TOOL.parameters },
  },
];
const PROBE_MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are an agent on a benchmark board. Use the tools you are given to answer.' },
  { role: 'user', content: 'How fast was the run in baseline-1.md? Look up its tps with read_result.' },
];
/** Room for a thinking model to think before it calls (Qwen3, DeepSeek-R1 distills), bounded so a probe ends. */
const PROBE_MAX_TOKENS = 1024;
/**
 * After the tool's result any answer will do, so a few words suffice: a model that writes on (a random-weight demo
 * model never stops) is cut off early rather than costing a spawn seconds.
 */
const FOLLOW_UP_MAX_TOKENS = 192;

/** The probe tool needs no hub: runTool is called for its argument parsing and schema check, as the loop calls it. */
const NO_HUB = { hub: null, agentId: 'probe' } as unknown as ToolContext;

class ProbeStop extends Error {}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const quote = (text: string, max = 80) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
};

/** A request that failed before any answer, in words: nothing listening, no such host, no answer in time. */
function unreachable(err: unknown, url: string, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return `the endpoint did not answer in ${seconds(timeoutMs)}`;
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code;
  const host = new URL(url).host;
  if (code === 'ECONNREFUSED')
    return `nothing answers at ${url} (connection refused): start the server (ollama serve, LM Studio's server, llama-server) or check the address and port`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host ${host} is not known: check the address`;
  if (code === 'ECONNRESET' || code === 'EPROTO' || /wrong version number|ssl/i.test(e.message ?? ''))
    return `the connection to ${host} failed (${e.message}): check http vs https and the port`;
  return `the endpoint could not be reached (${e.message ?? String(err)})`;
}

/** An HTTP refusal of a probe request, said with what to do about it. */
function refusal(reply: JsonReply, target: ProbeTarget, what: string): string {
  const message = errorMessage(reply);
  if (reply.status === 401 || reply.status === 403)
    return target.key
      ? `the endpoint refused the key (HTTP ${reply.status}: ${message}): pass the right one (--api-key-env VAR, or the key field)`
      : `the endpoint wants an API key (HTTP ${reply.status}: ${message}): pass it with --api-key-env VAR, or the key field`;
  if (reply.status === 404 && what === 'chat')
    return `the endpoint has no model ${JSON.stringify(target.model)} or no chat completions (HTTP 404: ${message})`;
  if (what === 'chat' && reply.status >= 400 && reply.status < 500 && /tool/i.test(message))
    return `the server refused the tools (HTTP ${reply.status}: ${message}): ${TOOLS_ADVICE}`;
  return `the server answered HTTP ${reply.status}: ${message}`;
}

/**
 * Runs the exercise and reports each check; never throws. The checks stop at the first that fails (the later ones
 * are listed as not tried), so a person reads one cause, not three echoes of it.
 */
/**
 * Whether the server lists the model asked for. Ollama lists `qwen3:latest` and serves it as `qwen3` too (a name
 * without a tag means :latest), so either spelling counts.
 */
function listedAs(models: string[], model: string): boolean {
  if (models.includes(model)) return true;
  if (!model.includes(':')) return models.includes(`${model}:latest`);
  return model.endsWith(':latest') && models.includes(model.slice(0, -':latest'.length));
}

export async function probeCapability(target: ProbeTarget): Promise<ProbeReport> {
  const checks: ProbeCheck[] = [];
  const names = [...(target.listModels ? ['model listed'] : []), 'tool call', 'after a tool result'];
  const pass = (detail: string) => checks.push({ name: names[checks.length]!, ok: true, detail });
  const fail = (detail: string): never => {
    checks.push({ name: names[checks.length]!, ok: false, detail });
    throw new ProbeStop(detail);
  };
  try {
    if (target.listModels) {
      const listed = await listModels(target);
      if ('problem' in listed) fail(listed.problem);
      else if (listed.models === null)
        pass(`the server lists no models (GET /models: ${listed.why}); the chat checks decide`);
      else if (listedAs(listed.models, target.model)) pass(`${target.model} is on the endpoint`);
      else if (listed.models.length === 0)
        fail(`the endpoint lists no models: load or pull one first (ollama pull ${target.model}; LM Studio: load it)`);
      else
        fail(
          `the endpoint has no model named ${JSON.stringify(target.model)}; it has: ${listed.models.slice(0, 20).join(', ')}${listed.models.length > 20 ? ', …' : ''} (pass one of them as the model name)`,
        );
    }
    const first = await complete(
      target,
      { messages: PROBE_MESSAGES, tool_choice: 'required', max_tokens: PROBE_MAX_TOKENS },
      fail,
    );
    const call = await checkCalls(first, 'required', fail);
    pass(`it called ${call.function.name} with arguments that fit its schema`);

    const followUp: ChatMessage[] = [
      ...PROBE_MESSAGES,
      { role: 'assistant', content: null, tool_calls: [{ ...call, id: call.id || 'call_probe_1' }] },
      {
        role: 'tool',
        tool_call_id: call.id || 'call_probe_1',
        content: JSON.stringify({ filename: 'baseline-1.md', tps: 42.5, ppl: 7.1 }),
      },
    ];
    const second = await complete(
      target,
      { messages: followUp, tool_choice: 'auto', max_tokens: FOLLOW_UP_MAX_TOKENS },
      fail,
    );
    const text = second.choices[0]?.message?.content;
    if ((second.choices[0]?.message?.tool_calls ?? []).length > 0) {
      const again = await checkCalls(second, 'auto', fail);
      pass(`it made another well-formed call (${again.function.name})`);
    } else if (typeof text === 'string' && text.trim()) pass(`it answered in words: ${quote(text)}`);
    // A thinking model's reasoning may come apart from its content: cut off while it thinks, it still took the result.
    else if (second.choices[0]?.finish_reason === 'length')
      pass(`it took the tool's result and was still thinking when cut off at ${FOLLOW_UP_MAX_TOKENS} tokens`);
    else fail('after the tool result the endpoint answered nothing (no text, no call)');
  } catch (err) {
    if (!(err instanceof ProbeStop))
      checks.push({ name: names[checks.length]!, ok: false, detail: (err as Error).message });
  }
  for (let i = checks.length; i < names.length; i++)
    checks.push({ name: names[i]!, ok: false, detail: 'not tried: an earlier check failed' });
  const passed = checks.every((c) => c.ok);
  const ok = checks.filter((c) => c.ok).length;
  return {
    passed,
    skipped: false,
    summary: `probe ${passed ? 'passed' : 'failed'} ${ok}/${checks.length}`,
    checks,
    at: new Date().toISOString(),
  };
}

/** The report of a spawn forced past the probe. */
export function skippedProbe(): ProbeReport {
  return {
    passed: false,
    skipped: true,
    summary: 'probe skipped',
    checks: [],
    at: new Date().toISOString(),
  };
}

/** The report as lines a person reads (the CLI's refusal, the spawn's 422): one line per check. */
export function describeProbe(report: ProbeReport): string {
  return report.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`).join('\n');
}

/**
 * The models an endpoint serves (GET {url}/models): their ids; null when the server has no such route (it says
 * nothing either way); a problem in words when it cannot be reached or refuses.
 */
export async function listModels(
  target: Pick<ProbeTarget, 'url' | 'key' | 'model' | 'timeoutMs'>,
): Promise<{ models: string[] | null; why?: string } | { problem: string }> {
  const signal = AbortSignal.timeout(target.timeoutMs);
  let reply: JsonReply;
  try {
    reply = await requestJson(`${target.url}/models`, {
      method: 'GET',
      headers: target.key ? { authorization: `Bearer ${target.key}` } : {},
      signal,
    });
  } catch (err) {
    return { problem: unreachable(err, target.url, target.timeoutMs, signal) };
  }
  if (reply.status === 404 || reply.status === 405) return { models: null, why: `HTTP ${reply.status}` };
  if (reply.status !== 200) return { problem: refusal(reply, { ...target, agent: '', listModels: true }, 'models') };
  const data = (reply.body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    return {
      problem:
        'GET /models did not answer an OpenAI model list ({"data": [...]}): is this an OpenAI-compatible server?',
    };
  return {
    models: data
      .map((m) => (m && typeof m === 'object' ? (m as { id?: unknown }).id : undefined))
      .filter((id): id is string => typeof id === 'string'),
  };
}

/** One completion through the agent's own client; what fails before an answer is a failed check in words. */
async function complete(
  target: ProbeTarget,
  request: { messages: ChatMessage[]; tool_choice: 'required' | 'auto'; max_tokens: number },
  fail: (detail: string) => never,
): Promise<ChatCompletion> {
  const client = new ChatClient({ url: target.url, key: target.key, agent: target.agent });
  const signal = AbortSignal.timeout(target.timeoutMs);
  try {
    const answer = await client.complete(
      {
        model: target.model,
        ...request,
        tools: PROBE_TOOLS,
        temperature: 0,
      },
      signal,
    );
    if (!answer || typeof answer !== 'object' || !Array.isArray(answer.choices) || answer.choices.length === 0)
      fail(`the endpoint's answer is not a chat completion (no choices): ${quote(JSON.stringify(answer ?? null))}`);
    return answer;
  } catch (err) {
    if (err instanceof ProbeStop) throw err;
    const cause = (err as Error).cause as { status?: number; body?: unknown } | undefined;
    if (typeof cause?.status === 'number')
      return fail(refusal({ status: cause.status, body: cause.body }, target, 'chat'));
    return fail(unreachable(err, target.url, target.timeoutMs, signal));
  }
}

/**
 * The loop's own reading of a tool call: arguments parsed as JSON (local-agent.ts), then the tool found and its
 * arguments checked against its schema (runTool). Returns the first call when every call passes.
 */
async function checkCalls(
  answer: ChatCompletion,
  choice: 'required' | 'auto',
  fail: (detail: string) => never,
): Promise<ChatToolCall> {
  const choiceOf = answer.choices[0]!;
  const calls = choiceOf.message?.tool_calls ?? [];
  if (calls.length === 0) {
    const text = choiceOf.message?.content;
    if (choiceOf.finish_reason === 'length')
      return fail(
        `the model used all ${PROBE_MAX_TOKENS} tokens without making the call (a thinking model thinking too long, or a template that does not end its turn)`,
      );
    return fail(
      typeof text === 'string' && text.trim()
        ? `the endpoint answered text instead of a tool call (${quote(text)}): ${TOOLS_ADVICE}`
        : `the endpoint answered neither a tool call nor text${choice === 'required' ? ' where a tool call was required' : ''}: ${TOOLS_ADVICE}`,
    );
  }
  for (const call of calls) {
    const name = call?.function?.name;
    const raw: unknown = call?.function?.arguments;
    let args: unknown = raw;
    if (typeof raw === 'string') {
      try {
        args = JSON.parse(raw);
      } catch {
        return fail(`the tool call's arguments are not JSON (${quote(raw)}): ${JSON_ADVICE}`);
      }
    }
    if (typeof name !== 'string' || !name)
      return fail(`the tool call names no function: ${quote(JSON.stringify(call))}`);
    const outcome = await runTool([PROBE_TOOL], name, args, NO_HUB);
    if (!outcome.ok) {
      const why = outcome.error.startsWith('unknown tool')
        ? `it called a tool it was not given (${JSON.stringify(name)})`
        : `its arguments do not fit the tool's schema: ${outcome.error.replace(/^invalid arguments for \S+: /, '').replace(/\. Call it again[\s\S]*$/, '')}`;
      return fail(`${why}: the model follows tool schemas poorly; try a larger or tool-tuned model`);
    }
  }
  return calls[0]!;
}
