// Accepting a job: the config checked against the schema and the pack, model names resolved, quotas charged atomically.
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { InstalledPack, JobBody, QuotaInfo } from '../../shared/challenge';
import { fileStamp, isHumanHandle } from '../../shared/ids';
import type { RunConfig } from '../../shared/run-config';
import { checkRunConfig } from '../../shared/run-config-check';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { authorOf, type Caller } from '../identity';
import type { JobRow } from '../store/job-store';
import { HUB_HANDLE } from './job-results';

const HOUR = 3_600_000;

/** What accepting a job needs: the quotas, the pack, the submitter's scratch folder, the jobs table, the write path. */
export type SubmissionContext = Pick<
  HubContext,
  'config' | 'challenge' | 'workspace' | 'jobs' | 'organizerHandle' | 'now' | 'write' | 'stampTime'
>;
const SCRATCH = 'scratch:';

/** Settings the pack fixes for every run, so agents compare like with like; a job may not override them. */
const MEASURE_KEYS = ['tokens', 'repeats', 'warmup', 'n_predict', 'prompts', 'references'];

/**
 * Checks a submitted configuration: unknown settings are refused by name, model fields must name a model of the
 * pack or `scratch:<path>` (a GGUF file in the submitter's own scratch folder). The stored config keeps the names;
 * the paths are looked up again when the job runs.
 */
export function checkJobConfig(pack: InstalledPack, submitter: string, raw: Record<string, unknown>): RunConfig {
  const measured = MEASURE_KEYS.filter((k) => k in raw);
  if (measured.length > 0) {
    throw new HubError(
      'INVALID_CONFIG',
      `${measured.join(', ')} ${measured.length > 1 ? 'are' : 'is'} fixed by the challenge pack (tokens ${pack.gate.tokens}, repeats ${pack.gate.repeats}, warm-up ${pack.gate.warmup})`,
      'leave them out of config',
    );
  }
  const checked = checkRunConfig({ ...pack.defaults, ...raw });
  if (checked.error !== null)
    throw new HubError(
      'INVALID_CONFIG',
      `config: ${checked.error}`,
      "GET /v1/challenge shows the models and an example; the settings are llama.cpp's flags in snake_case",
    );
  const config = checked.config;
  for (const field of ['target', 'draft'] as const) {
    const value = config[field];
    if (value === undefined) continue;
    if (value.startsWith(SCRATCH)) {
      if (isHumanHandle(submitter) || submitter === HUB_HANDLE)
        throw new HubError(
          'INVALID_CONFIG',
          `config.${field}: the organizer has no scratch folder`,
          `name a model of the pack: ${Object.keys(pack.models).join(', ')}`,
        );
      continue;
    }
    const model = pack.models[value];
    if (!model) {
      throw new HubError(
        'INVALID_CONFIG',
        `config.${field}: "${value}" is not a model of the ${pack.id} pack`,
        `use one of ${Object.keys(pack.models).join(', ')}, or scratch:<path> for a GGUF file you uploaded to your scratch folder`,
      );
    }
    if (field === 'target' && model.role !== 'target')
      throw new HubError(
        'INVALID_CONFIG',
        `config.target: "${value}" is a draft model`,
        `targets: ${Object.entries(pack.models)
          .filter(([, m]) => m.role === 'target')
          .map(([n]) => n)
          .join(', ')}`,
      );
  }
  if (config.draft && config.spec_type !== 'draft' && config.spec_type !== 'draft-mtp') {
    throw new HubError(
      'INVALID_CONFIG',
      `config.draft is set but spec_type is ${config.spec_type}`,
      'use spec_type draft (a draft model) or draft-mtp (the Gemma 4 assistant drafter), or leave draft out',
    );
  }
  return config;
}

/** The config with model names replaced by files on this machine; a missing file fails the job, not the hub. */
export async function resolveModelPaths(
  hub: Pick<HubContext, 'workspace'>,
  pack: InstalledPack,
  agent: string,
  config: RunConfig,
): Promise<RunConfig> {
  const resolveOne = async (field: 'target' | 'draft', value: string): Promise<string> => {
    if (value.startsWith(SCRATCH)) {
      const found = await hub.workspace.locate(hub.workspace.scratchFolder(agent), value.slice(SCRATCH.length));
      if (!found?.stat.isFile())
        throw new Error(`config.${field}: ${value} is not a file in ${agent}'s scratch folder`);
      return found.abs;
    }
    const path = pack.model_paths[value];
    if (!path || !isAbsolute(path) || !existsSync(path))
      throw new Error(
        `config.${field}: the model file of "${value}" is missing on this machine; run \`collab-desk challenge init ${pack.id}\` again`,
      );
    return path;
  };
  return {
    ...config,
    target: await resolveOne('target', config.target),
    ...(config.draft ? { draft: await resolveOne('draft', config.draft) } : {}),
  };
}

export function quotaOf(hub: Pick<HubContext, 'config' | 'jobs' | 'now'>, agent: string): QuotaInfo {
  const c = hub.config.jobs;
  const since = hub.now() - c.window_hours * HOUR;
  const charges = hub.jobs.charges(agent, since);
  const full = charges.length >= c.per_agent;
  return {
    agent,
    used: charges.length,
    limit: c.per_agent,
    window_hours: c.window_hours,
    next_slot_at: full ? new Date(charges[charges.length - c.per_agent]! + c.window_hours * HOUR).toISOString() : null,
  };
}

function quotaRefusal(hub: Pick<HubContext, 'config' | 'now'>, what: string, oldest: number): HubError {
  const freeAt = oldest + hub.config.jobs.window_hours * HOUR;
  const seconds = Math.max(1, Math.ceil((freeAt - hub.now()) / 1000));
  return new HubError(
    'QUOTA_EXCEEDED',
    `${what}; the next slot frees at ${new Date(freeAt).toISOString()}`,
    'GET /v1/jobs/quota shows your quota; make each job count',
    {
      'Retry-After': String(seconds),
    },
  );
}

/**
 * Queues a job. The quota check and the charge happen in the same write (one savepoint in the hub's single
 * writer), so concurrent submissions can never both take the last slot.
 */
export async function submitJob(hub: SubmissionContext, caller: Caller, body: JobBody): Promise<JobRow> {
  const pack = hub.challenge.require();
  const agent = authorOf(hub, caller, body.agent_id);
  const config = checkJobConfig(pack, agent, body.config);
  try {
    await resolveModelPaths(hub, pack, agent, config);
  } catch (err) {
    throw new HubError(
      'INVALID_CONFIG',
      (err as Error).message,
      "upload your own model first (PUT /v1/scratch/<you>/<path>); GET /v1/challenge lists the pack's models",
    );
  }
  const c = hub.config.jobs;
  return hub.write(() => {
    if (caller.kind === 'agent') {
      if (hub.jobs.countQueued(agent) >= c.queued_per_agent) {
        throw new HubError(
          'QUOTA_EXCEEDED',
          `you already have ${c.queued_per_agent} jobs waiting in the queue`,
          'wait for one to start, or cancel one: DELETE /v1/jobs/<id>',
        );
      }
      const since = hub.now() - c.window_hours * HOUR;
      const mine = hub.jobs.charges(agent, since);
      if (mine.length >= c.per_agent)
        throw quotaRefusal(
          hub,
          `quota reached: ${mine.length} of ${c.per_agent} jobs in ${c.window_hours} h`,
          mine[mine.length - c.per_agent]!,
        );
      const all = hub.jobs.charges(null, since);
      if (all.length >= c.per_hub)
        throw quotaRefusal(
          hub,
          `the hub's quota is reached: ${all.length} of ${c.per_hub} jobs in ${c.window_hours} h for all agents`,
          all[all.length - c.per_hub]!,
        );
    }
    const ts = hub.stampTime();
    const id = `job-${fileStamp(ts)}`;
    hub.jobs.insert({
      id,
      agent,
      kind: 'bench',
      pack: pack.id,
      config: JSON.stringify(config),
      method: body.method ?? '',
      description: body.description ?? '',
      created_at: ts,
      verifies: null,
    });
    if (caller.kind === 'agent') hub.jobs.charge(agent, id, ts);
    return {
      result: hub.jobs.get(id)!,
      effect: { actor: agent, action: 'job.queued', target: id, detail: { kind: 'bench' } },
    };
  });
}
