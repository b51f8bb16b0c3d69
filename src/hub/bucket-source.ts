// Where a `source` points: a bare path in the caller's scratch folder, or the public collab's hf://buckets/<org>/<slug>-<agent>/<path>.
import type { HubConfig } from '../shared/config';
import { isValidAgentId } from '../shared/ids';
import { agentBucket, collabSlug } from './collab-names';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';

type NamingConfig = Pick<HubConfig, 'org' | 'collab_slug' | 'title'>;

/** Who reads a source: an agent (its handle is its bucket's) or the organizer (no bucket). Structurally a Caller. */
export interface SourceReader {
  kind: 'agent' | 'organizer';
  handle: string;
}

/** The public form: `hf://buckets/<org>/<bucket>` and, after a slash, the path inside it (possibly empty). */
const BUCKET_URI = /^hf:\/\/buckets\/([^/]+)\/([^/]+)(?:\/(.*))?$/s;
/** Anything with a scheme is meant as a URI, never as a file name (`s3://x` is not a folder "s3:"). */
const ANY_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A source that names a bucket: whose it is and the path inside it (`""` for the bucket itself). */
export interface BucketSource {
  agent: string;
  path: string;
}

function sourceHint(config: NamingConfig, agent: string | null): string {
  const bucket = agentBucket(config, agent ?? '<you>');
  return `name a file in your own bucket, hf://buckets/${bucket}/<path> (this hub's buckets are ${config.org}/${collabSlug(config)}-<agent>), or a plain path in your scratch folder`;
}

/**
 * The bucket a `hf://...` source names, as the public backend resolves it; null for a bare path (no scheme). A URI
 * that is not one of this hub's agent buckets (another org or collab, another scheme, no agent id) is 400
 * INVALID_PATH, with this hub's bucket prefix in the hint: the public collab refuses those the same way.
 */
export function parseBucketSource(
  config: NamingConfig,
  source: string,
  agent: string | null = null,
): BucketSource | null {
  if (!ANY_URI.test(source)) return null;
  const m = BUCKET_URI.exec(source);
  if (!m)
    throw new HubError(
      'INVALID_PATH',
      `source must be a hf://buckets/... URI or a plain path, got "${source}"`,
      sourceHint(config, agent),
    );
  const [, org, bucket, path = ''] = m as unknown as [string, string, string, string | undefined];
  if (org !== config.org)
    throw new HubError(
      'INVALID_PATH',
      `source must be under org "${config.org}", got "${org}"`,
      sourceHint(config, agent),
    );
  const prefix = `${collabSlug(config)}-`;
  const owner = bucket.startsWith(prefix) ? bucket.slice(prefix.length) : '';
  if (!isValidAgentId(owner))
    throw new HubError(
      'INVALID_PATH',
      `source bucket "${bucket}" does not match "${prefix}<agent_id>"`,
      sourceHint(config, agent),
    );
  return { agent: owner, path };
}

/**
 * The agent a source proves, for a write without a token: the owner of the bucket it names, or null for a bare path
 * (a bare path is in whoever's folder the caller is, so it proves nothing without a token).
 */
export function agentOfSource(config: NamingConfig, source: string): string | null {
  return parseBucketSource(config, source)?.agent ?? null;
}

/**
 * The path inside the caller's scratch folder that `source` names. A public-collab client sends
 * `hf://buckets/<org>/<slug>-<agent>/<path>`; the scratch folder is the agent's bucket, so that names `<path>`. A bucket
 * of anyone but the caller is 403 BUCKET_NOT_OWNED_BY_CALLER: an agent promotes only its own work (the organizer has
 * no bucket). The path itself is checked by the workspace, as a bare one is.
 */
export function scratchPathOf(hub: Pick<HubContext, 'config'>, caller: SourceReader, source: string): string {
  const self = caller.kind === 'agent' ? caller.handle : null;
  const named = parseBucketSource(hub.config, source, self);
  if (named === null) return source;
  if (named.agent !== self)
    throw new HubError(
      'BUCKET_NOT_OWNED_BY_CALLER',
      `source is in ${named.agent}'s bucket, not ${self === null ? 'yours (the organizer has none)' : `yours (${self})`}`,
      self === null
        ? 'post the text itself ({"body": "..."}) instead'
        : `promote from hf://buckets/${agentBucket(hub.config, self)}/<path>`,
    );
  return named.path;
}
