// `collab-desk agents start|list|pause|resume|stop|trace`: the swarm of a running hub, over its HTTP API.
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { normalizeEndpoint } from '../shared/endpoint-url';
import { LEVERS } from '../shared/levers';
import {
  ROLES,
  type SpawnAgentsBody,
  type SpawnedAgents,
  type SwarmStatus,
  type TraceExport,
  type TracePage,
} from '../shared/swarm';
import { call, CliError, int, run, withHub, type HubOptions } from './hub-call';

function table(status: SwarmStatus): string {
  const rows = status.agents.map((a) => [
    a.agent_id,
    a.kind,
    a.role,
    a.direction,
    a.state,
    a.action ?? '',
    String(a.steps),
    String(a.tokens_used),
    String(a.jobs_submitted),
    String(a.restarts),
    (a.error ?? a.last_message ?? '').replace(/\s+/g, ' ').slice(0, 60),
  ]);
  const head = [
    'agent',
    'kind',
    'role',
    'direction',
    'state',
    'action',
    'steps',
    'tokens',
    'jobs',
    'restarts',
    'last message / error',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [fmt(head), ...rows.map(fmt)];
  // Where each agent on a person's own server thinks (the inference line below is this machine's host).
  for (const a of status.agents)
    if (a.endpoint)
      lines.push(`${a.agent_id} thinks on ${a.endpoint} · ${a.model}${a.probe ? ` (${a.probe.summary})` : ''}`);
  const inf = status.inference;
  if (inf) {
    const perAgent = Object.entries(inf.per_agent)
      .map(([id, f]) => `${id} ${f.tps === null ? '-' : f.tps.toFixed(1)} tok/s`)
      .join(', ');
    lines.push(
      '',
      `inference: ${inf.state} ${inf.model} on ${inf.backend}${inf.gpu ? ` (${inf.gpu})` : ''}, ${inf.busy}/${inf.sequences} busy, ${inf.queued} queued${perAgent ? `; ${perAgent}` : ''}`,
    );
  }
  if (status.paused_for_job) lines.push(`inference paused: job ${status.paused_for_job} holds the GPU`);
  return lines.join('\n');
}

const DONE = { pause: 'paused', resume: 'resumed', stop: 'stopped', start: 'started', remove: 'removed' } as const;

/** The one line saying what a control command did: "stopped the swarm (2 agents)", "paused local-1, local-2". */
function confirmation(action: keyof typeof DONE, ids: string[], status: SwarmStatus): string {
  if (ids.length) return `${DONE[action]} ${ids.join(', ')}`;
  const n = status.agents.length;
  const unloaded = action === 'stop' && status.inference ? `; inference ${status.inference.state}` : '';
  return `${DONE[action]} the swarm (${n} agent${n === 1 ? '' : 's'})${unloaded}`;
}

function act(action: keyof typeof DONE, what: string): (c: Command) => Command {
  return (c) =>
    withHub(c)
      .argument('[agents...]', 'agent ids (default: the whole swarm)')
      .description(what)
      .action((ids: string[], o: HubOptions) =>
        run('agents', async () => {
          let status: SwarmStatus | null = null;
          if (ids.length === 0 && action === 'remove') {
            // The whole swarm: only its settled agents go; the line names them and what stays.
            const before = await call<SwarmStatus>(o, 'GET', '/v1/swarm');
            status = await call<SwarmStatus>(o, 'POST', '/v1/swarm/remove');
            const kept = new Set(status.agents.map((a) => a.agent_id));
            const gone = before.agents.map((a) => a.agent_id).filter((id) => !kept.has(id));
            console.log(
              `${gone.length ? `removed ${gone.join(', ')}` : 'no stopped, failed or budget-spent agents to remove'}${kept.size ? `; ${kept.size} still in the swarm (stop them first to remove them)` : ''}`,
            );
            if (status.agents.length) console.log(table(status));
            return;
          }
          if (ids.length === 0) status = await call<SwarmStatus>(o, 'POST', `/v1/swarm/${action}`);
          for (const id of ids)
            status = await call<SwarmStatus>(o, 'POST', `/v1/swarm/agents/${encodeURIComponent(id)}/${action}`);
          console.log(confirmation(action, ids, status!));
          if (status!.agents.length) console.log(table(status!));
        }),
      );
}

/** Commander's way to repeat an option: each use adds one value. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * --endpoint, --model and --api-key-env as the spawn body's endpoint, model and api_key, refused here in words when
 * they cannot work: a URL that is not http(s), no model name, a key variable that is not set.
 */
function endpointOptions(o: {
  endpoint?: string;
  model?: string;
  apiKeyEnv?: string;
  external?: string;
}): Pick<SpawnAgentsBody, 'endpoint' | 'model' | 'api_key'> {
  if (o.external)
    throw new CliError('--endpoint is for local agents; an --external agent CLI finds its own model (leave one out)');
  const normalized = normalizeEndpoint(o.endpoint ?? '');
  if ('problem' in normalized) throw new CliError(`--endpoint: ${normalized.problem}`);
  if (!o.model)
    throw new CliError(
      `--endpoint needs --model NAME: the model's name on that server (e.g. qwen3:8b; GET ${normalized.url}/models lists them)`,
    );
  let key: string | undefined;
  if (o.apiKeyEnv !== undefined) {
    key = process.env[o.apiKeyEnv]?.trim();
    if (!key)
      throw new CliError(
        `--api-key-env ${o.apiKeyEnv}: that environment variable is not set or empty (export ${o.apiKeyEnv}=<the key> first)`,
      );
  }
  return { endpoint: normalized.url, model: o.model, ...(key ? { api_key: key } : {}) };
}

export function agentsCommand(): Command {
  const agents = new Command('agents').description(
    "The agent swarm of a running hub (local agents on this machine's model, external agent CLIs)",
  );

  withHub(agents.command('start'))
    .description(
      'Spawn agents: local ones think with one model loaded once (--model), external ones run a command line (--external)',
    )
    .option('--count <n>', 'how many', int('--count', 1), 1)
    .option(
      '--model <gguf|name>',
      "the chat model local agents use (default: the hub's --agent-model); with --endpoint, its name on that server (e.g. qwen3:8b)",
    )
    .option(
      '--endpoint <url>',
      "local agents think on an OpenAI-compatible server you run instead of this machine's model: Ollama http://127.0.0.1:11434/v1, LM Studio :1234/v1, llama-server :8080/v1, Jan :1337/v1 (needs --model NAME)",
    )
    .option(
      '--api-key-env <var>',
      "with --endpoint: the environment variable holding the server's API key (the key itself never goes on a command line)",
    )
    .option(
      '--skip-probe',
      'start them even if the capability probe (a short tool-call exercise run before agents join) would fail',
      false,
    )
    .option(
      '--external <command>',
      'spawn an external agent CLI instead: {prompt_file}, {hub}, {agent} are filled in; it gets COLLAB_DESK_HUB, COLLAB_DESK_TOKEN, OPENAI_BASE_URL, OPENAI_API_KEY',
    )
    .option('--name <prefix>', 'agent id prefix (ids are <prefix>-<n>)')
    .addOption(new Option('--role <role>', 'role of every agent spawned (default: a mix)').choices([...ROLES]))
    .addOption(
      new Option('--direction <lever>', 'starting lever (default: the least-taken)').choices(LEVERS.map((l) => l.id)),
    )
    .option('--max-steps <n>', 'stop each local agent after this many steps', int('--max-steps', 1))
    .option('--budget-tokens <n>', 'token budget per agent', int('--budget-tokens', 1))
    .option('--jobs-per-day <n>', 'benchmark jobs per agent per day', int('--jobs-per-day', 0))
    .option(
      '--read <path>',
      'external agents: a folder the sandbox lets it read (where its CLI and settings live); repeat for more',
      collect,
      [],
    )
    .option('--write <path>', 'external agents: a folder the sandbox lets it write; repeat for more', collect, [])
    .option(
      '--accept-unsandboxed',
      'external agents where no sandbox can start: run them as your user anyway (they can read the organizer token, the held-out prompts and all your files)',
      false,
    )
    .action(
      (
        o: HubOptions & {
          count: number;
          model?: string;
          endpoint?: string;
          apiKeyEnv?: string;
          skipProbe: boolean;
          external?: string;
          name?: string;
          role?: SpawnAgentsBody['role'];
          direction?: string;
          maxSteps?: number;
          budgetTokens?: number;
          jobsPerDay?: number;
          read: string[];
          write: string[];
          acceptUnsandboxed: boolean;
        },
      ) =>
        run('agents', async () => {
          if (o.endpoint === undefined && o.apiKeyEnv !== undefined)
            throw new CliError('--api-key-env is the key of an --endpoint: pass --endpoint URL --model NAME with it');
          const endpoint = o.endpoint !== undefined ? endpointOptions(o) : null;
          const body: SpawnAgentsBody = {
            count: o.count,
            kind: o.external ? 'external' : 'local',
            ...(o.external ? { command: o.external } : {}),
            ...(endpoint ?? (o.model ? { model: resolve(o.model) } : {})),
            ...(o.skipProbe ? { skip_probe: true } : {}),
            ...(o.name ? { name: o.name } : {}),
            ...(o.role ? { role: o.role } : {}),
            ...(o.direction ? { direction: o.direction } : {}),
            ...(o.maxSteps ? { max_steps: o.maxSteps } : {}),
            ...(o.budgetTokens ? { budget_tokens: o.budgetTokens } : {}),
            ...(o.jobsPerDay !== undefined ? { jobs_per_day: o.jobsPerDay } : {}),
            ...(o.read.length || o.write.length
              ? { sandbox: { read: o.read.map((p) => resolve(p)), write: o.write.map((p) => resolve(p)) } }
              : {}),
            ...(o.acceptUnsandboxed ? { accept_unsandboxed: true } : {}),
          };
          const { agents: started } = await call<SpawnedAgents>(o, 'POST', '/v1/swarm/agents', body);
          for (const a of started)
            console.log(
              `started ${a.agent_id} (${a.kind}, ${a.role}, direction ${a.direction}${a.sandbox ? `, ${a.sandbox.kind === 'none' ? 'NOT sandboxed' : `sandbox: ${a.sandbox.kind}`}` : ''}${a.endpoint ? `, thinks on ${a.endpoint} · ${a.model}` : ''}${a.probe && (a.endpoint || a.probe.skipped) ? `, ${a.probe.summary}` : ''})`,
            );
          console.log(`watch them: collab-desk agents list --hub ${o.hub}`);
        }),
    );

  withHub(agents.command('list'))
    .description("Every agent's state, current action, steps, tokens, jobs and last message; the inference host")
    .option('--json', 'the status as JSON', false)
    .action((o: HubOptions & { json: boolean }) =>
      run('agents', async () => {
        const status = await call<SwarmStatus>(o, 'GET', '/v1/swarm');
        console.log(
          o.json
            ? JSON.stringify(status, null, 2)
            : status.agents.length
              ? table(status)
              : 'no agents yet: collab-desk agents start --count 3',
        );
      }),
    );

  act('pause', 'Pause agents (after their current step)')(agents.command('pause'));
  act('resume', 'Resume paused agents')(agents.command('resume'));
  act('stop', 'Stop agents (the whole swarm also unloads the model)')(agents.command('stop'));
  act('start', 'Start stopped agents again')(agents.command('restart'));
  act(
    'remove',
    'Remove stopped, failed or budget-spent agents from the swarm (their ids, posts and traces stay on the hub)',
  )(agents.command('remove').alias('rm'));

  withHub(agents.command('trace'))
    .argument('<agent>', 'agent id')
    .description(
      "Print an agent's trace (one JSON line per step), or --export it into its scratch folder in the public collab's layout",
    )
    .option('--after <seq>', 'only steps after this one', int('--after', 0), 0)
    .option(
      '--export',
      "write traces/<session>/manifest.md + session.jsonl into the agent's scratch folder and share it (POST /v1/traces): stats",
      false,
    )
    .option('--full', 'with --export: share the session log too, not only its counts', false)
    .action((agent: string, o: HubOptions & { after: number; export: boolean; full: boolean }) =>
      run('agents', async () => {
        const id = encodeURIComponent(agent);
        if (o.export) {
          const share = o.full ? 'full' : 'stats';
          const done = await call<TraceExport>(o, 'POST', `/v1/swarm/agents/${id}/trace/export?share=${share}`);
          console.log(`exported ${done.steps} entries to scratch/${agent}/${done.path}`);
          console.log(
            `shared (${done.shared.share}) as central/${done.shared.path}: GET /v1/traces/${agent}/${done.shared.session_id}`,
          );
          return;
        }
        let after = o.after;
        let printed = 0;
        for (;;) {
          const page = await call<TracePage>(o, 'GET', `/v1/swarm/agents/${id}/trace?after=${after}&limit=500`);
          for (const s of page.steps) console.log(JSON.stringify(s));
          printed += page.steps.length;
          if (page.next === null) break;
          after = page.next;
        }
        // On stderr: stdout stays one JSON line per step for whoever pipes it.
        if (!printed) console.error(`no trace steps for ${agent}${o.after ? ` after ${o.after}` : ''} yet`);
      }),
    );
  return agents;
}
