// The agent's read-only tools over the public collabs this hub follows: their leaderboard and their newest results and messages.
import type { HubClient } from '../../shared/hub-client';
import { HubClientError } from '../../shared/hub-error';
import type {
  MirrorLeaderboard,
  MirrorList,
  MirrorStatus,
  MirroredCollab,
  MirroredRecord,
} from '../../shared/mirror-api';
import { object, oneOfValues, str, type JsonSchema } from './json-schema';
import { defineTool, excerpt, optional, type AgentTool } from './tool';

const LIMIT = oneOfValues([5, 10, 20] as const, 'how many, best or newest first');
type Limit = 5 | 10 | 20;

/** Said with every answer: where these records come from, what their numbers mean, how to build on them. */
const PROVENANCE =
  "records of a public collab, not of this hub: read-only, measured on that collab's hardware under its rules; " +
  'cite one by its filename in refs when you build on it, and say it is public work';

export const NOTHING_FOLLOWED =
  'no public collab is followed; the organizer can follow one with collab-desk sync follow <org/collab or URL>';

const collabField = (followed?: string[]): JsonSchema =>
  followed?.length
    ? oneOfValues(['', ...followed], 'which followed collab (org/collab); "" when only one is followed')
    : str(201, 'the followed collab, org/collab; "" when only one is followed');

/**
 * The followed collab a call means: the one named, or the only one. A hub that follows none, or several when none is
 * named, is said in words the agent can act on (the organizer follows; the agent names one).
 */
async function chooseCollab(hub: HubClient, named: string): Promise<MirroredCollab> {
  const { collabs } = await hub.call<MirrorStatus>('GET', '/v1/mirror');
  if (collabs.length === 0) throw new Error(NOTHING_FOLLOWED);
  const want = optional(named);
  if (want === undefined) {
    if (collabs.length === 1) return collabs[0]!;
    throw new Error(`several public collabs are followed (${collabs.map((c) => c.id).join(', ')}): name one in collab`);
  }
  const found = collabs.find((c) => c.id === want);
  if (!found)
    throw new Error(`"${want}" is not followed; the followed collabs are: ${collabs.map((c) => c.id).join(', ')}`);
  return found;
}

const collabPath = (id: string) => id.split('/').map(encodeURIComponent).join('/');

/** How old the copy is, in words: a number a model can weigh. */
function age(caughtUpAt: string | null, problem: string | null): string {
  if (caughtUpAt === null) return 'not read yet';
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(caughtUpAt)) / 60_000));
  const ago =
    minutes < 1 ? 'less than a minute ago' : minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
  return problem ? `read ${ago}; the last read failed: ${excerpt(problem, 120)}` : `read ${ago}`;
}

/** A public record in a list: where it comes from and lives, who, which file, the first words. */
function publicSummary(r: MirroredRecord, fields: readonly string[]): Record<string, unknown> {
  const fm = r.frontmatter;
  const out: Record<string, unknown> = { origin: r.origin, filename: r.filename, url: r.url, author: fm.agent ?? null };
  for (const f of fields) if (fm[f] !== undefined) out[f] = fm[f];
  if (r.verification !== null) out.verification = r.verification;
  // Short: a list goes into a small model's bounded context; public_records with limit 5 or read_result for more.
  out.body = excerpt(r.body, 100);
  return out;
}

const publicLeaderboardTool = (followed?: string[]) =>
  defineTool<{ collab: string; limit: Limit }>({
    name: 'public_leaderboard',
    description:
      "Read a followed public collab's leaderboard (read-only, measured on its hardware, not this hub's): rows with origin, " +
      'filename and public URL. Cite a row by its filename in refs when you build on it.',
    parameters: object({ collab: collabField(followed), limit: LIMIT }),
    async run(a, { hub }) {
      const c = await chooseCollab(hub, a.collab);
      const board = await hub.call<MirrorLeaderboard>('GET', `/v1/mirror/${collabPath(c.id)}/leaderboard`);
      const lb = board.leaderboard;
      const rows = Array.isArray(lb?.rows) ? (lb.rows as Record<string, unknown>[]) : [];
      return {
        origin: c.id,
        note: PROVENANCE,
        copy: age(board.caught_up_at, c.problem),
        score: lb?.score_field ?? c.score_field,
        order: lb?.order ?? c.score_order,
        rows: rows.slice(0, a.limit).map((r) => ({
          origin: c.id,
          rank: r.rank ?? null,
          agent: r.agent ?? null,
          score: r.score ?? null,
          method: typeof r.method === 'string' ? excerpt(r.method, 80) : null,
          verification: r.verification ?? null,
          filename: r.filename ?? null,
          url: typeof r.filename === 'string' ? `${c.api_url}/v1/results/${encodeURIComponent(r.filename)}` : null,
        })),
        ...(lb === null ? { empty: 'its leaderboard has not been read yet' } : {}),
      };
    },
  });

const publicRecordsTool = (followed?: string[]) =>
  defineTool<{ kind: 'result' | 'message'; collab: string; limit: Limit }>({
    name: 'public_records',
    description:
      "Read a followed public collab's newest results or board messages (read-only, measured on its hardware, not this hub's), " +
      'each with its origin and public URL. Cite one by its filename in refs when you build on it.',
    parameters: object({
      kind: oneOfValues(['result', 'message'] as const, 'result: its published results; message: its board'),
      collab: collabField(followed),
      limit: LIMIT,
    }),
    async run(a, { hub }) {
      const c = await chooseCollab(hub, a.collab);
      const list = await hub.call<MirrorList>(
        'GET',
        `/v1/mirror/${collabPath(c.id)}/records?kind=${a.kind}&limit=${a.limit}`,
      );
      const fields = a.kind === 'result' ? [c.score_field, 'method', 'status'] : ['channel'];
      return {
        origin: c.id,
        note: PROVENANCE,
        copy: age(list.caught_up_at, c.problem),
        [a.kind === 'result' ? 'results' : 'messages']: list.items.map((r) => publicSummary(r, fields)),
      };
    },
  });

/**
 * One public record by filename (a ref that names no record of this hub), or null when no followed collab has it:
 * what the read tools fall back to.
 */
export async function readPublicRecord(hub: HubClient, filename: string): Promise<Record<string, unknown> | null> {
  let r: MirroredRecord;
  try {
    r = await hub.call<MirroredRecord>('GET', `/v1/mirror/resolve/${encodeURIComponent(filename)}`);
  } catch (err) {
    if (err instanceof HubClientError && err.status === 404) return null;
    throw err;
  }
  return {
    origin: r.origin,
    filename: r.filename,
    url: r.url,
    note: PROVENANCE,
    frontmatter: r.frontmatter,
    verification: r.verification,
    body: excerpt(r.body, 600),
  };
}

/**
 * The public collabs' frontier, read-only. `followed` (the collabs the digest names) makes `collab` a choice among
 * them; without it (MCP clients) it is a free string the tools check.
 */
export function publicTools(followed?: string[]): AgentTool[] {
  return [publicLeaderboardTool(followed), publicRecordsTool(followed)];
}
