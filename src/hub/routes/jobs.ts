// Job routes: the installed challenge, submit / list / read / cancel benchmark jobs, the public jobs:run, quotas, organizer-requested verification.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ChallengeInfo,
  JOB_STATES,
  JobBody,
  JobInfo,
  JobList,
  JobListQuery,
  QuotaInfo,
  type JobState,
} from '../../shared/challenge';
import { isValidAgentId } from '../../shared/ids';
import { JobsRunBody, JobsRunResponse } from '../../shared/jobs-api';
import { exampleJobConfig, publicPack } from '../challenge';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import { provedByToken, requireOrganizer, writerOf } from '../identity';
import { baselineInfo, baselineOf, pplCap } from '../jobs/job-results';
import type { JobQueue } from '../jobs/job-queue';
import { quotaOf, submitJob } from '../jobs/job-submission';
import { checkPrefix, PublicJobRuns, runPublicJob } from '../jobs/public-job-run';
import { describe } from './route-options';

const JobParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const FilenameParams = Type.Object({ filename: Type.String({ maxLength: 300 }) });
const QuotaQuery = Type.Object(
  { agent: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);

function parseStates(value: string | undefined): JobState[] | undefined {
  if (value === undefined) return undefined;
  const states = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = states.find((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (bad !== undefined || states.length === 0)
    throw new HubError(
      'INVALID_QUERY',
      `state must be a comma-separated list of ${JOB_STATES.join(', ')}${bad ? `; got "${bad}"` : ''}`,
      'e.g. state=queued,running',
    );
  return states as JobState[];
}

export const jobRoutes =
  (hub: HubContext, queue: JobQueue | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    const requireQueue = (): JobQueue => {
      if (!queue)
        throw new HubError(
          'JOBS_DISABLED',
          'this hub runs no benchmark jobs',
          'start it with `collab-desk hub` (which runs them) or the desktop app',
        );
      return queue;
    };

    app.get(
      '/v1/challenge',
      describe('The installed challenge: models, public prompts, the gate, the baseline and an example job', 'none', {
        200: ChallengeInfo,
      }),
      async (): Promise<ChallengeInfo> => {
        const pack = hub.challenge.require();
        const job = hub.jobs.latestBaseline(pack.id, 0);
        return {
          ...publicPack(pack),
          baseline_result: baselineInfo(hub, pack.id),
          baseline_job: job
            ? {
                id: job.id,
                state: job.state,
                error: job.error,
                created_at: new Date(job.created_at).toISOString(),
                finished_at: job.finished_at === null ? null : new Date(job.finished_at).toISOString(),
              }
            : null,
          ppl_cap: pplCap(pack, baselineOf(hub, pack.id)),
          example_job: { config: exampleJobConfig(pack), method: 'what you tried', description: 'why' },
        };
      },
    );

    app.post(
      '/v1/challenge/baseline',
      describe("Re-measure the pack's baseline (409 while one is queued or running)", 'organizer', { 201: JobInfo }),
      async (request, reply) => {
        const q = requireQueue();
        const organizer = requireOrganizer(hub, request);
        return reply.code(201).send(q.info(await q.remeasureBaseline(organizer.handle)) satisfies JobInfo);
      },
    );

    app.post(
      '/v1/jobs',
      {
        schema: { body: JobBody },
        ...describe('Submit a benchmark job {config, method?, description?}; it is queued for the GPU', 'writer', {
          201: JobInfo,
        }),
      },
      async (request, reply) => {
        const q = requireQueue();
        const job = await submitJob(hub, writerOf(hub, request), request.body);
        q.kick();
        return reply.code(201).send(q.info(job) satisfies JobInfo);
      },
    );

    // Follows the run folders of jobs:run; built with the routes, as it answers for them.
    const runs = queue ? new PublicJobRuns(hub, queue) : null;
    app.addHook('onClose', async () => runs?.close());

    app.post(
      '/v1/jobs::run',
      {
        schema: { body: JobsRunBody },
        ...describe(
          'Run the benchmark on a submission folder of your scratch: the public jobs:run; status, logs and summary land in run_prefix',
          'agent',
          { 202: JobsRunResponse },
        ),
      },
      async (request, reply) => {
        const q = requireQueue();
        const b = request.body;
        // The public order: the paths and the agent id are checked before who is asking.
        if (b.agent_id !== undefined && !isValidAgentId(b.agent_id))
          throw new HubError(
            'INVALID_PATH',
            `agent_id "${b.agent_id}" is not a valid agent id`,
            'lowercase letters, digits and "-"',
          );
        if (!b.submission_prefix.startsWith('hf://')) checkPrefix(b.submission_prefix, 'submission_prefix');
        if (!b.run_prefix.startsWith('hf://')) checkPrefix(b.run_prefix, 'run_prefix');
        if (b.agent_id !== undefined && !hub.agents.get(b.agent_id))
          throw new HubError(
            'NOT_REGISTERED',
            `agent '${b.agent_id}' is not registered`,
            'register first via POST /v1/agents/register',
          );
        // A launch spends the GPU and writes into run_prefix: never on a claim. The public collab checks the caller's
        // HF token with the Hub; this hub cannot, so it takes only a token it issued (a foreign bearer proves nothing).
        if (!provedByToken(request))
          throw new HubError(
            'UNAUTHORIZED',
            request.headers.authorization === undefined
              ? 'missing Authorization: Bearer <token>'
              : 'jobs:run needs the token this hub gave you at registration; a Hugging Face token proves nothing here',
            'send the token POST /v1/agents/register gave you, so the hub knows the job is yours',
          );
        const caller = writerOf(hub, request, {
          ...(b.submission_prefix.startsWith('hf://') ? { source: b.submission_prefix } : {}),
          agent_id: b.agent_id,
        });
        const host = request.headers.host;
        const base = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `http://${host}` : '';
        const answer = await runPublicJob(hub, q, runs!, caller, b, (id) => `${base}/v1/jobs/${id}`);
        return reply.code(202).send(answer satisfies JobsRunResponse);
      },
    );

    app.get(
      '/v1/jobs',
      {
        schema: { querystring: JobListQuery },
        ...describe('List jobs, newest first: state= (comma-separated), agent=, kind=, limit=', 'none', {
          200: JobList,
        }),
      },
      async (request): Promise<JobList> => {
        const q = requireQueue();
        const { state, agent, kind, limit } = request.query;
        const states = parseStates(state);
        const rows = hub.jobs.list({
          ...(states ? { states } : {}),
          ...(agent ? { agent } : {}),
          ...(kind ? { kind } : {}),
          ...(limit ? { limit } : {}),
        });
        const lease = hub.lease.holder;
        const order = hub.jobs.queued();
        return {
          count: rows.length,
          items: rows.map((r) => q.info(r, order)),
          lease: lease && { job: lease.job, since: new Date(lease.since).toISOString() },
        };
      },
    );

    app.get(
      '/v1/jobs/quota',
      {
        schema: { querystring: QuotaQuery },
        ...describe('Your job quota: used, limit, when the next slot frees (the organizer passes agent=)', 'writer', {
          200: QuotaInfo,
        }),
      },
      async (request): Promise<QuotaInfo> => {
        const caller = writerOf(hub, request);
        const agent = request.query.agent ?? caller.handle;
        if (caller.kind === 'agent' && agent !== caller.handle)
          throw new HubError('IDENTITY_MISMATCH', 'agents read their own quota only', 'leave agent= out');
        return quotaOf(hub, agent);
      },
    );

    app.get(
      '/v1/jobs/:id',
      {
        schema: { params: JobParams },
        ...describe('One job: state, queue position, progress, error, its result', 'none', { 200: JobInfo }),
      },
      async (request): Promise<JobInfo> => {
        const q = requireQueue();
        const row = hub.jobs.get(request.params.id);
        if (!row) throw new HubError('NOT_FOUND', `no job ${request.params.id}`, 'GET /v1/jobs lists jobs');
        return q.info(row);
      },
    );

    app.delete(
      '/v1/jobs/:id',
      {
        schema: { params: JobParams },
        ...describe('Cancel a job: a queued one is refunded, a running one is stopped', 'writer', { 200: JobInfo }),
      },
      async (request): Promise<JobInfo> => {
        const q = requireQueue();
        return q.info(await q.cancel(writerOf(hub, request), request.params.id));
      },
    );

    app.post(
      '/v1/results/:filename/verify',
      {
        schema: { params: FilenameParams },
        ...describe('Re-run a result on the private prompts and post the verdict', 'organizer', {
          201: JobInfo,
          200: JobInfo,
        }),
      },
      async (request, reply) => {
        const q = requireQueue();
        const organizer = requireOrganizer(hub, request);
        if (!hub.results.get(request.params.filename))
          throw new HubError(
            'NOT_FOUND',
            `no such file: results/${request.params.filename}`,
            'GET /v1/results lists results',
          );
        const id = await q.verify(request.params.filename, organizer.handle);
        const existing = id ?? hub.jobs.verificationOf(request.params.filename)?.id;
        return reply.code(id ? 201 : 200).send(q.info(hub.jobs.get(existing!)!) satisfies JobInfo);
      },
    );
  };
