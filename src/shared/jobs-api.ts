// The public collab's POST /v1/jobs:run: run a submission folder of your scratch, followed through files in a run folder.
import { Type, type Static } from 'typebox';
import { Closed, Nullable } from './response-schema';

/** The file a submission folder must hold here: the body of POST /v1/jobs (a container image cannot run locally). */
export const SUBMISSION_FILE = 'job.json';

/** What the hub writes into `run_prefix` as the job progresses and ends, named as the public harness names them. */
export const RUN_FILES = { status: 'job_status.json', logs: 'job_logs.txt', summary: 'summary.json' } as const;

const Prefix = (what: string) =>
  Type.String({
    maxLength: 1100,
    description: `${what}: a folder in your scratch folder, bare (runs/v1) or as hf://buckets/<org>/<collab>-<you>/runs/v1`,
  });

export const JobsRunBody = Type.Object(
  {
    agent_id: Type.Optional(Type.String({ maxLength: 40, description: 'you; the public API requires it' })),
    submission_prefix: Prefix(`the submission: a folder holding ${SUBMISSION_FILE}`),
    run_prefix: Prefix(`where the hub writes ${Object.values(RUN_FILES).join(', ')}`),
  },
  { additionalProperties: false },
);
export type JobsRunBody = Static<typeof JobsRunBody>;

/** 202 from POST /v1/jobs:run: the public BenchmarkJobResponse, plus the summary file's path and the job's own id. */
export const JobsRunResponse = Closed({
  agent_id: Type.String(),
  hf_user: Nullable(Type.String(), { description: 'the Hugging Face user (null on a local hub)' }),
  submission_bucket: Type.String(),
  submission_prefix: Type.String(),
  run_bucket: Type.String(),
  run_prefix: Type.String(),
  job_id: Type.String(),
  job_url: Type.String({ description: 'GET it for the job as /v1/jobs/{id} reports it' }),
  status: Type.Literal('launched'),
  timeout_minutes: Type.Integer(),
  status_file: Type.String(),
  logs_file: Type.String(),
  summary_file: Type.String(),
  quota: Closed({
    agent_remaining: Type.Integer({ minimum: 0 }),
    user_remaining: Type.Integer({
      minimum: 0,
      description: "the hub's own quota: every local agent belongs to the one local user",
    }),
  }),
  message: Type.String(),
});
export type JobsRunResponse = Static<typeof JobsRunResponse>;

/**
 * `job_status.json`: `status` is the public one (running until it ends, then completed | error | canceled), `stage`
 * this hub's job state (queued, running, succeeded, failed, cancelled).
 */
export interface JobRunStatus {
  status: 'running' | 'completed' | 'error' | 'canceled';
  stage: string;
  job_id: string;
  job_url: string;
  agent_id: string;
  hf_user: string | null;
  submission_prefix: string;
  timeout_minutes: number;
  launched_at: string;
  finished_at?: string;
  message?: string;
  result?: string | null;
}
