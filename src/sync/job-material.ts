// A completed job (on a collab's own hardware, or on the user's own Hugging Face Jobs) as something to publish: its summary.json as a result, with the job's id and run prefix.
import type { CollabAgent, PublishMaterial } from '../shared/sync-api';
import { findJobRecord, isFinalStatus, lookAtJob, summaryOf, type RunLocation } from './collab-jobs';
import type { CollabConnection } from './collab-store';
import { OWN_HF_JOBS } from './hf-jobs';
import { SyncError } from './sync-error';

export interface JobMaterialContext {
  /** The signed-in HF token (the run folder is read from the agent's bucket). */
  token: string;
  hubUrl: string;
  /** Where `sync run` remembered its launches (<data>/sync/collab-jobs.json). */
  jobsFile: string;
  fetch?: typeof fetch;
}

/**
 * What a completed collab job publishes: its summary.json as a result (the score the collab measured on its own
 * hardware), with the job's id and run prefix; its run folder is already in the agent's bucket.
 */
export async function jobMaterial(
  job: string,
  collab: CollabConnection,
  agent: CollabAgent,
  ctx: JobMaterialContext,
): Promise<PublishMaterial> {
  const url = `hf://buckets/${agent.bucket}/`;
  const given = job.trim().startsWith(url) ? job.trim().slice(url.length) : job.trim();
  const record = findJobRecord(ctx.jobsFile, given);
  if (record && (record.collab !== collab.id || record.agent !== agent.agent_id))
    throw new SyncError(
      'COLLAB_REFUSED',
      `job ${record.job_id} ran for ${record.agent} on ${record.collab}, not for ${agent.agent_id} on ${collab.id}`,
      `publish it as that agent: --collab ${record.collab} --agent ${record.agent}`,
    );
  const runPrefix = (record?.run_prefix ?? (given.includes('/') ? given : ''))
    .replace(/^\/+|\/+$/g, '')
    .replace(/\/(job_status\.json|job_logs\.txt|summary\.json)$/, '');
  if (!runPrefix)
    throw new SyncError(
      'NOT_FOUND',
      `no job ${job} was launched from this machine`,
      `give its run prefix instead (runs/<name>-<time>), as collab-desk sync job shows it`,
    );
  const at: RunLocation = {
    bucket: record?.bucket ?? agent.bucket,
    runPrefix,
    token: ctx.token,
    hubUrl: ctx.hubUrl,
    fetch: ctx.fetch,
  };
  const where = `hf://buckets/${at.bucket}/${runPrefix}`;
  const follow = `collab-desk sync job ${record?.job_id ?? runPrefix} --collab ${collab.id} --agent ${agent.agent_id}`;
  const { status } = await lookAtJob(at);
  if (status?.status !== 'completed')
    throw new SyncError(
      'COLLAB_REFUSED',
      status
        ? `the job at ${where} is ${status.status}${status.message ? ` (${status.message})` : ''}, not completed`
        : `the job at ${where} has no job_status.json yet`,
      isFinalStatus(status?.status)
        ? `nothing to publish from this run: read its logs (${follow}), fix the submission, and run it again`
        : `wait for it to finish (${follow} --follow), then publish again`,
    );
  const summary = await summaryOf(at);
  const field = collab.score_field;
  const score = summary?.[field];
  if (!summary || typeof score !== 'number' || !Number.isFinite(score))
    throw new SyncError(
      'COLLAB_REFUSED',
      summary
        ? `${where}/summary.json has no number for ${collab.id}'s score field ${field}`
        : `the job at ${where} left no readable summary.json`,
      `nothing to publish from this run: read its logs (${follow})`,
    );
  const jobId = record?.job_id ?? (typeof status.job_id === 'string' ? status.job_id : runPrefix);
  const jobUrl = record?.job_url ?? (typeof status.job_url === 'string' ? status.job_url : null);
  // A run launched on the user's own Hugging Face Jobs (hf-jobs.ts): the collab's harness, not the collab's measurement.
  // Either record says so: job_status.json lies in the user's bucket, where the job's own code could rewrite it, so
  // this machine's record of the launch counts too (a run launched here on the user's Jobs is never the collab's).
  const own = status.launched_by === OWN_HF_JOBS || record?.launched_by === OWN_HF_JOBS;
  const flavor = typeof status.flavor === 'string' ? status.flavor : 'unknown flavor';
  const flavorName = typeof status.flavor_name === 'string' && status.flavor_name ? status.flavor_name : flavor;
  const hfJobUrl = typeof status.hf_job_url === 'string' ? status.hf_job_url : jobUrl;
  const measuredBy = own
    ? `measured on the user's own Hugging Face Job ${flavor}, with ${collab.id}'s harness`
    : `measured by job ${jobId} on ${collab.id}'s hardware`;
  const runName = runPrefix.split('/').pop()!;
  const jobName = runName.replace(/-\d{8}-\d{6}$/, '') || runName;
  const text = (k: string) => (typeof summary[k] === 'string' && summary[k].trim() ? summary[k].trim() : null);
  const scalar = (v: unknown) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
  const frontmatter: Record<string, unknown> = {};
  for (const f of collab.required_result_fields ?? [])
    if (f !== field && f !== 'status' && scalar(summary[f])) frontmatter[f] = summary[f];
  if (typeof summary.ppl === 'number') frontmatter.ppl = summary.ppl;
  frontmatter.method = text('method') ?? jobName;
  frontmatter.description = text('description') ?? `${jobName}: ${measuredBy}`;
  frontmatter.job_id = jobId;
  frontmatter.run_prefix = runPrefix;
  if (jobUrl) frontmatter.job_url = jobUrl;
  if (own) {
    frontmatter.hf_job_url = hfJobUrl;
    frontmatter.flavor = flavor;
  }
  const cell = (v: unknown) =>
    (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 200);
  const body = [
    own
      ? `Measured by job ${jobId} on the user's own Hugging Face Job ${flavor} (${flavorName}), with ${collab.id}'s harness; ` +
        `${collab.id} did not measure it (run ${where}/, job ${hfJobUrl ?? jobId}).`
      : `Measured by job ${jobId} on ${collab.id}'s own hardware (run ${where}/).`,
    '',
    '| figure | value |',
    '| --- | --- |',
    ...Object.entries(summary).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
  ].join('\n');
  return {
    result: {
      filename: runPrefix,
      agent: agent.agent_id,
      score,
      status: 'agent-run',
      hardware: own ? flavorName : (text('hardware') ?? "the collab's hardware"),
      measurement: null,
      verification: own ? `measured on the user's own Hugging Face Job ${flavor}` : 'measured by the collab',
      frontmatter,
      body,
      ts: Date.now(),
    },
    bundle: [],
    withheld: [
      `nothing of this machine: the result is the job's summary.json, and artifacts:sync copies its run folder ${runPrefix}/ within Hugging Face`,
    ],
    measured_by_collab: {
      job_id: jobId,
      run_prefix: runPrefix,
      job_url: jobUrl,
      ...(own ? { own_hf_job: { flavor, hardware: flavorName } } : {}),
    },
  };
}
