// Finding a public collab: from its backend URL, its dashboard Space, or org/slug, to what its GET /v1 says about it and its rules.
import { networkReason, SyncError } from './sync-error';
import { listSpaces } from '@huggingface/hub';

/** What Collab Desk keeps about a collab: read from its GET /v1 (and its dashboard's /api/config when given). */
export interface CollabInfo {
  /** The backend's base URL (no trailing slash, no /v1): every /v1 call goes there. */
  api_url: string;
  dashboard_url: string | null;
  org: string;
  collab: string;
  central_bucket: string;
  title: string | null;
  score_field: string;
  score_order: 'asc' | 'desc';
  score_unit: string | null;
  /** Result frontmatter the collab requires, when its description lists it. */
  required_result_fields: string[] | null;
  /** Rate and size limits, when the collab publishes them (the public template's GET /v1 does not). */
  limits: Record<string, unknown> | null;
  /** Whether POST /v1/jobs:run runs benchmark jobs on the collab's own hardware. */
  runs_jobs: boolean;
  /** Where its rules are read: the backend's own README route, else the central bucket's README.md. */
  docs: string | null;
  /** The org invite link (from the dashboard's config), for people not yet in the org. */
  invite_url: string | null;
  /** `collab-desk` when a Collab Desk hub answers, null for the public backend. */
  product: string | null;
}

export interface DirectoryOptions {
  /** The Hugging Face endpoint, for Space URLs and central-bucket files. */
  hfEndpoint: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * The backend Space's URL under the template's default naming: its README names the backend Space
 * `{org}/{slug}-bucket-sync`, and Spaces serve at `https://{owner}-{name}.hf.space` (OBSERVABILITY.md writes
 * `https://<org>-<slug>-bucket-sync.hf.space`). A collab may rename its Space: then only its URL finds it.
 */
export function backendUrlFor(org: string, slug: string): string {
  return spaceUrl(org, `${slug}-bucket-sync`);
}

/** A Space's own host: owner and name lowercased, `_` and `.` turned into `-`. */
export function spaceUrl(owner: string, name: string): string {
  const part = (s: string) => s.toLowerCase().replace(/[_.]/g, '-');
  return `https://${part(owner)}-${part(name)}.hf.space`;
}

const ORG_SLUG = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\/([A-Za-z0-9][A-Za-z0-9_.-]*)$/;

type Probe<T> = { ok: true; value: T } | { ok: false; why: string; unreachable: boolean };

async function getJson(url: string, options: DirectoryOptions): Promise<Probe<unknown>> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (err) {
    return { ok: false, why: `could not be reached (${networkReason(err)})`, unreachable: true };
  }
  if (!response.ok) return { ok: false, why: `answered ${response.status}`, unreachable: false };
  try {
    return { ok: true, value: await response.json() };
  } catch {
    return { ok: false, why: 'answered something that is not JSON', unreachable: false };
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/**
 * Reads a GET /v1 answer as the public backend writes it (`backend/app/routes/digest.py`: service "bucket-sync",
 * collab, org, central_bucket, score_field/unit/order, docs, conventions, endpoints). Returns why not, else the info.
 */
export function readDescription(body: unknown, apiUrl: string): CollabInfo | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'its answer is not a JSON object';
  const d = body as Record<string, unknown>;
  if (d.service !== 'bucket-sync') return 'its answer does not name the collab service ("service": "bucket-sync")';
  const org = str(d.org);
  const collab = str(d.collab);
  const central = str(d.central_bucket);
  const scoreField = str(d.score_field);
  const missing = [
    ['org', org],
    ['collab', collab],
    ['central_bucket', central],
    ['score_field', scoreField],
  ]
    .filter(([, v]) => v === null)
    .map(([k]) => k);
  if (missing.length > 0) return `its description lacks ${missing.join(', ')}`;
  if (d.score_order !== 'asc' && d.score_order !== 'desc') return 'its score_order is neither asc nor desc';
  const endpoints = Array.isArray(d.endpoints) ? (d.endpoints as { method?: unknown; path?: unknown }[]) : [];
  const features = typeof d.features === 'object' && d.features !== null ? (d.features as Record<string, unknown>) : {};
  const runsJobs = features.jobs === true || endpoints.some((e) => e?.method === 'POST' && e?.path === '/v1/jobs:run');
  const required = Array.isArray(d.required_result_fields)
    ? d.required_result_fields.filter((f): f is string => typeof f === 'string')
    : null;
  return {
    api_url: apiUrl,
    dashboard_url: null,
    org: org!,
    collab: collab!,
    central_bucket: central!,
    title: str(d.title),
    score_field: scoreField!,
    score_order: d.score_order,
    score_unit: str(d.score_unit),
    required_result_fields: required,
    limits: typeof d.limits === 'object' && d.limits !== null ? (d.limits as Record<string, unknown>) : null,
    runs_jobs: runsJobs,
    docs: str(d.docs),
    invite_url: null,
    product: str(d.product),
  };
}

/** The base a person meant: no trailing slash, no /v1 or /api/config, a huggingface.co/spaces page as its Space host. */
function baseOf(input: string, hfEndpoint: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SyncError(
      'NOT_A_COLLAB',
      `"${input}" is neither a URL nor org/slug`,
      'give the backend URL (e.g. https://gemma-challenge-gemma-bucket-sync.hf.space), the dashboard URL, or org/slug',
    );
  }
  const space = /^\/spaces\/([^/]+)\/([^/]+)/.exec(url.pathname);
  if (space && (url.host === 'huggingface.co' || url.origin === new URL(hfEndpoint).origin))
    return spaceUrl(space[1]!, space[2]!);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(v1|api\/config)$/, '');
  return `${url.origin}${path}`;
}

/** Connects to whatever the person gave: a backend URL, a dashboard URL (its /api/config names the backend), org/slug. */
export async function resolveCollab(input: string, options: DirectoryOptions): Promise<CollabInfo> {
  const given = input.trim();
  const orgSlug = ORG_SLUG.exec(given);
  if (orgSlug && !given.includes(':')) {
    const url = backendUrlFor(orgSlug[1]!, orgSlug[2]!);
    const probe = await getJson(`${url}/v1`, options);
    const info = probe.ok ? readDescription(probe.value, url) : probe.why;
    if (typeof info !== 'string') return info;
    throw new SyncError(
      probe.ok || !probe.unreachable ? 'NOT_A_COLLAB' : 'COLLAB_UNREACHABLE',
      `no collab answers at ${url}, the template's default backend Space for ${given} (GET /v1: ${info})`,
      'a collab may name its backend Space differently: connect with its backend or dashboard URL',
    );
  }
  const base = baseOf(given, options.hfEndpoint);
  const v1 = await getJson(`${base}/v1`, options);
  if (v1.ok) {
    const info = readDescription(v1.value, base);
    if (typeof info !== 'string') return info;
  }
  // Not a backend: perhaps the collab's dashboard, whose /api/config names its backend.
  const config = await getJson(`${base}/api/config`, options);
  if (config.ok && typeof config.value === 'object' && config.value !== null) {
    const c = config.value as Record<string, unknown>;
    const api = str(c.api_url);
    if (api) {
      const apiUrl = api.replace(/\/+$/, '').replace(/\/v1$/, '');
      const described = await getJson(`${apiUrl}/v1`, options);
      const info = described.ok ? readDescription(described.value, apiUrl) : described.why;
      if (typeof info === 'string')
        throw new SyncError(
          described.ok || !described.unreachable ? 'NOT_A_COLLAB' : 'COLLAB_UNREACHABLE',
          `the dashboard ${base} names the backend ${apiUrl}, but its GET /v1 ${described.ok ? `is no collab: ${info}` : info}`,
          'the backend may be asleep or restarting: try again in a minute, or connect with the backend URL',
        );
      return {
        ...info,
        dashboard_url: base,
        title: str(c.title) ?? info.title,
        invite_url: str(c.invite_url),
        score_unit: info.score_unit ?? str(c.score_unit),
      };
    }
  }
  if (!v1.ok && v1.unreachable)
    throw new SyncError(
      'COLLAB_UNREACHABLE',
      `${base} ${v1.why}`,
      'check the URL and the connection, then connect again',
    );
  const why = v1.ok ? (readDescription(v1.value, base) as string) : v1.why;
  throw new SyncError(
    'NOT_A_COLLAB',
    `${base} is not a collab: GET /v1 ${v1.ok ? `answered, but ${why}` : why}, and it is no collab dashboard (GET /api/config names no api_url)`,
    "give the collab's backend URL (its GET /v1 describes the collab, e.g. https://gemma-challenge-gemma-bucket-sync.hf.space) or its dashboard Space URL",
  );
}

export interface CollabRules {
  /** Where the text was read. */
  url: string;
  text: string;
}

/**
 * The collab's rules: the central bucket's README.md, the one entry point every agent reads (SETUP.md §5), read
 * tokenless through the Hub's resolve route; a Collab Desk hub serves its own at the `docs` route instead.
 */
export async function fetchRules(
  info: Pick<CollabInfo, 'api_url' | 'central_bucket' | 'docs'>,
  options: DirectoryOptions,
): Promise<CollabRules | null> {
  const candidates: string[] = [];
  if (info.docs && /\.md$/i.test(info.docs)) candidates.push(new URL(info.docs, `${info.api_url}/`).href);
  candidates.push(`${options.hfEndpoint}/buckets/${info.central_bucket}/resolve/README.md`);
  for (const url of candidates) {
    try {
      const response = await (options.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      if (response.ok) return { url, text: await response.text() };
    } catch {
      // The next place, or none: the caller says the rules could not be read.
    }
  }
  return null;
}

/** A collab's dashboard Space found on the Hub: connect to it by `url` (its /api/config names the backend). */
export interface DiscoveredCollab {
  /** `owner/name` of the dashboard Space. */
  space: string;
  url: string;
  /** The Space card's title (its README's `title:`), when it has one. */
  title: string | null;
  likes: number;
  updated_at: string;
}

/** The tag every collab dashboard Space carries (the template's dashboard README). */
export const COLLAB_TAG = 'agent-collab';

/**
 * The dashboard Spaces tagged `agent-collab` on the Hub, most liked first (GET /api/spaces?filter=agent-collab
 * through @huggingface/hub). Public Spaces are listed without a token; with one, the user's private ones too.
 */
export async function discoverCollabs(
  options: DirectoryOptions & { token?: string | null; limit?: number },
): Promise<DiscoveredCollab[]> {
  const found: DiscoveredCollab[] = [];
  try {
    for await (const space of listSpaces({
      search: { tags: [COLLAB_TAG] },
      sort: 'likes',
      additionalFields: ['cardData'],
      hubUrl: options.hfEndpoint,
      fetch: options.fetch,
      ...(options.token ? { accessToken: options.token } : {}),
    })) {
      const [owner = '', name = ''] = space.name.split('/');
      found.push({
        space: space.name,
        url: spaceUrl(owner, name),
        title: str((space.cardData as { title?: unknown } | undefined)?.title),
        likes: space.likes,
        updated_at: space.updatedAt.toISOString(),
      });
      if (found.length >= (options.limit ?? 100)) break;
    }
  } catch (err) {
    throw new SyncError(
      'HF_UNREACHABLE',
      `could not list the Spaces tagged ${COLLAB_TAG} on ${options.hfEndpoint} (${networkReason(err)})`,
      "check the connection (HF_ENDPOINT) and try again; connecting by the collab's URL or org/slug still works",
    );
  }
  return found.sort((a, b) => b.likes - a.likes);
}

/** A discovered dashboard and the connection made from it here, if any (same dashboard or backend URL). */
export function connectionFor<C extends { api_url: string; dashboard_url: string | null }>(
  found: DiscoveredCollab,
  connections: C[],
): C | null {
  const same = (a: string | null) => a !== null && a.replace(/\/+$/, '').toLowerCase() === found.url.toLowerCase();
  return connections.find((c) => same(c.dashboard_url) || same(c.api_url)) ?? null;
}
