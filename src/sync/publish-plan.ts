// What publishing a local result to a public collab sends: the result in the collab's format, its run bundle, the calls, and a digest of all of it.
import { createHash } from 'node:crypto';
import { renderMarkdown } from '../shared/record-format';
import type { CollabAgent, PlannedCall, PublishBody, PublishMaterial, PublishPreview } from '../shared/sync-api';
import { APP_VERSION } from '../shared/version';
import type { CollabConnection } from './collab-store';
import { SyncError } from './sync-error';

export interface PlannedFile {
  /** The path in the agent's bucket. */
  path: string;
  content: Buffer;
  /**
   * Uploaded by the trace step, not with the others: the manifest names the public result, whose filename the
   * collab gives only when it promotes it (PUBLIC_RESULT_REF stands for it until then).
   */
  afterPromote?: true;
}

/** What a shared trace's result_ref says until the result is promoted; the outbox writes the public filename in. */
export const PUBLIC_RESULT_REF = 'PUBLIC-RESULT-FILENAME-SET-WHEN-PROMOTED';

/** Everything one publish does, in order: the outbox keeps it (files on disk, calls in the row) until it is sent. */
export interface PublishPlan {
  digest: string;
  bucket: string;
  files: PlannedFile[];
  calls: PlannedCall[];
  /** The call that promotes the result (its answer's filename is the public filename). */
  preview: PublishPreview;
}

/** Frontmatter of a local result that stays here: figures of the held-out prompts, and where the hub keeps things. */
const LOCAL_ONLY = /(^|_)private($|_)|^(job|pack|baseline|agent|timestamp|via|machine)$/;

/** The public statuses a result may carry (backend/app/frontmatter.py ALLOWED_RESULT_STATUS). */
const PUBLIC_STATUSES = new Set(['agent-run', 'negative']);

const TEXT_PREVIEW_BYTES = 64 * 1024;

/**
 * A result filename as an artifact slug: the public `dest_slug` takes what an agent id takes (lowercase letters,
 * digits and "-", at most 40, backend/app/routes/sync.py), and the folder becomes `artifacts/{slug}_{agent}/`.
 */
export function slugOf(filename: string): string {
  const slug = filename
    .replace(/\.md$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (slug || 'result').slice(0, 40).replace(/-+$/, '');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Builds the plan. `token` is the signed-in HF token: no planned byte may hold it (a last check on top of the hub's
 * own scan for tokens and held-out prompts).
 */
export function planPublish(
  material: PublishMaterial,
  collab: CollabConnection,
  agent: CollabAgent,
  body: PublishBody,
  token: string | null,
): PublishPlan {
  const r = material.result;
  const fm = r.frontmatter;
  const fixedHardware = collab.runs_jobs;
  // Measured by a job on the collab's own hardware: what it ranks, so not exploratory; its run folder is already in
  // the agent's bucket, so artifacts:sync copies that and nothing of a bundle is uploaded.
  const byCollab = material.measured_by_collab ?? null;
  const hardware = r.hardware ?? (typeof fm.hardware === 'string' ? fm.hardware : null);
  const withheld = [...material.withheld];

  if (!(r.score > 0))
    throw new SyncError(
      'COLLAB_REFUSED',
      `${r.filename} has no positive ${collab.score_field} to publish`,
      'publish a measured result (bench run, or a job)',
    );
  const status = PUBLIC_STATUSES.has(r.status) ? r.status : null;
  if (!status)
    throw new SyncError(
      'COLLAB_REFUSED',
      `${r.filename} has status "${r.status}"; ${collab.id} takes only agent-run or negative results`,
      'publish an agent-run result (a baseline is the reference, not a contribution)',
    );

  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(fm)) {
    if (LOCAL_ONLY.test(key)) dropped.push(key);
    else if (value !== null && value !== undefined) kept[key] = value;
  }
  if (dropped.some((k) => /private/.test(k)))
    withheld.push("the held-out (private) prompts' figures: the collab measures its own held-out set");
  // A job on the user's own Hugging Face Jobs ran the collab's harness, but the collab did not measure it.
  const ownJob = byCollab?.own_hf_job ?? null;
  const exploratory = fixedHardware && (byCollab === null || ownJob !== null);
  const notice =
    ownJob && exploratory
      ? `Exploratory: measured on the user's own Hugging Face Job ${ownJob.flavor} (${ownJob.hardware}), with ${collab.id}'s harness, ` +
        `not by ${collab.id} on its own hardware, where it ranks; its verifier may measure it there.`
      : exploratory
        ? `Exploratory: measured on ${hardware ?? 'this machine'} with Collab Desk, not on ${collab.id}'s own hardware, where it ranks; ` +
          `its verifier may measure it there.`
        : null;
  const description = String(kept.description ?? r.filename);
  const publicFm: Record<string, unknown> = {
    ...kept,
    [collab.score_field]: r.score,
    status,
    method: String(kept.method ?? 'unspecified'),
    description: exploratory ? `[exploratory, ${hardware ?? 'own hardware'}] ${description}` : description,
    hardware: hardware ?? 'unknown',
    exploratory,
    measured_with: `collab-desk ${APP_VERSION}`,
    // The outbox finds a promote it tried before a crash by this field: a job's result carries it too.
    local_result: r.filename,
    ...(byCollab
      ? {
          job_id: byCollab.job_id,
          run_prefix: byCollab.run_prefix,
          ...(byCollab.job_url ? { job_url: byCollab.job_url } : {}),
        }
      : { local_verification: r.verification }),
  };
  for (const field of collab.required_result_fields ?? [])
    if (publicFm[field] === undefined || publicFm[field] === null)
      throw new SyncError(
        'COLLAB_REFUSED',
        `${collab.id} requires "${field}" on every result, and ${r.filename} has none`,
        `publish a result that measured ${field} (a job or bench run with the quality gate)`,
      );
  const resultBody = notice ? `> ${notice}\n\n${r.body}` : r.body;
  const resultText = renderMarkdown(publicFm, resultBody);
  const bundleFiles = body.bundle === false ? [] : material.bundle;
  // A board post names what it is about, so two results announced with the same words are two posts (the public
  // board refuses a second post of identical bytes as ALREADY_PROMOTED).
  const messageText = body.message
    ? `${body.message.trim()}\n\n(${collab.score_field} ${r.score} on ${hardware ?? 'this machine'}; ${r.filename})\n`
    : null;
  // Paths of their own for each distinct content: two publishes of one result (another message, without the bundle)
  // never overwrite each other's files in the bucket while one of them waits to be sent.
  const trace = material.trace ?? null;
  const manifestText = trace
    ? renderMarkdown(
        {
          ...trace.frontmatter,
          ...(trace.log ? { native_log_file: trace.log.name } : {}),
          result_ref: PUBLIC_RESULT_REF,
        },
        trace.body,
      )
    : null;
  const key = createHash('sha256')
    .update(JSON.stringify([resultText, bundleFiles, messageText, manifestText, trace?.log ?? null]))
    .digest('hex')
    .slice(0, 8);
  const slug = `${slugOf(r.filename).slice(0, 31).replace(/-+$/, '')}-${key}`;
  const frontmatterWithBundle =
    body.bundle === false
      ? resultText
      : renderMarkdown({ ...publicFm, bundle: `artifacts/${slug}_${agent.agent_id}/` }, resultBody);

  const files: PlannedFile[] = [{ path: `results/${slug}.md`, content: Buffer.from(frontmatterWithBundle) }];
  if (byCollab) {
    if (body.bundle === false) withheld.push(`the job's run folder ${byCollab.run_prefix}/ (not asked for)`);
  } else if (body.bundle !== false) {
    for (const f of bundleFiles) files.push({ path: `runs/${slug}/${f.path}`, content: Buffer.from(f.content) });
    files.push({ path: `runs/${slug}/result.md`, content: Buffer.from(frontmatterWithBundle) });
  } else {
    withheld.push('the run bundle (not asked for)');
  }
  if (trace && manifestText !== null) {
    // After the promote too: a refused result leaves no session log behind in the bucket.
    if (trace.log)
      files.push({
        path: `traces/${trace.session_id}/${trace.log.name}`,
        content: Buffer.from(trace.log.content),
        afterPromote: true,
      });
    files.push({
      path: `traces/${trace.session_id}/manifest.md`,
      content: Buffer.from(manifestText),
      afterPromote: true,
    });
  }
  if (messageText) files.push({ path: `messages/${slug}.md`, content: Buffer.from(messageText) });

  if (token && files.some((f) => f.content.includes(token)))
    throw new SyncError(
      'PRIVATE_CONTENT',
      'a file to publish holds your Hugging Face token',
      'remove it from the result, then preview again',
    );

  const uri = (path: string) => `hf://buckets/${agent.bucket}/${path}`;
  const calls: PlannedCall[] = [{ method: 'POST', path: '/v1/results', body: { source: uri(`results/${slug}.md`) } }];
  if (body.bundle !== false) {
    const source = byCollab ? uri(`${byCollab.run_prefix.replace(/^\/+|\/+$/g, '')}/`) : uri(`runs/${slug}/`);
    calls.push({ method: 'POST', path: '/v1/artifacts:sync', body: { source, dest_slug: slug } });
  }
  if (trace)
    calls.push({
      method: 'POST',
      path: '/v1/traces',
      body: { source: uri(`traces/${trace.session_id}/`), share: trace.share },
    });
  if (body.message) calls.push({ method: 'POST', path: '/v1/messages', body: { source: uri(`messages/${slug}.md`) } });

  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        collab: collab.id,
        agent: agent.agent_id,
        files: files.map((f) => [f.path, sha256(f.content)]),
        calls,
      }),
    )
    .digest('hex');
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  const preview: PublishPreview = {
    digest,
    collab: collab.id,
    agent: agent.agent_id,
    bucket: agent.bucket,
    result: r.filename,
    status,
    notice,
    files: files.map((f) => ({
      path: f.path,
      bytes: f.content.length,
      sha256: sha256(f.content),
      text: f.content.length <= TEXT_PREVIEW_BYTES && !f.content.includes(0) ? f.content.toString('utf8') : null,
    })),
    calls,
    withheld,
    bytes,
  };
  return { digest, bucket: agent.bucket, files, calls, preview };
}
