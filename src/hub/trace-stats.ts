// Shared sessions read back: summaries, the filtered list with its recency cursor, and the project's token aggregate (a reported floor).
import type {
  DigestStats,
  TokenTotals,
  TraceList,
  TraceListQuery,
  TraceRecord,
  TraceStats,
  TraceSummary,
} from '../shared/traces-api';
import { isValidAgentId } from '../shared/ids';
import { HubError } from './hub-error';
import { EXPAND_MAX_LIMIT, pageLimit, pageOrder } from './list-query';
import { intOrNull, mapping, numberOrNull, USAGE_FIELDS } from './trace-manifest';
import type { TraceRow } from './store/trace-store';

const DEFAULT_LIMIT = 10;

export function traceDir(agent: string, session: string): string {
  return `traces/${agent}/${session}/`;
}

function frontmatterOf(row: TraceRow): Record<string, unknown> {
  return JSON.parse(row.frontmatter) as Record<string, unknown>;
}

function logFilesOf(row: TraceRow): string[] {
  return JSON.parse(row.log_files) as string[];
}

function strOrNull(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
}

function excerpt(body: string, n = 280): string {
  const text = body.trim();
  return text.length <= n ? text : text.slice(0, n).trimEnd() + '…';
}

export function traceSummary(row: TraceRow): TraceSummary {
  const fm = frontmatterOf(row);
  return {
    agent: row.agent,
    session_id: row.session_id,
    harness: strOrNull(fm.harness),
    model: strOrNull(fm.model),
    share: strOrNull(fm.share),
    completeness: strOrNull(fm.completeness),
    promoted_at: strOrNull(fm.promoted_at),
    started_at: strOrNull(fm.started_at),
    total_tokens: intOrNull(mapping(fm.usage).total_tokens),
    tool_calls: intOrNull(mapping(fm.activity).tool_calls),
    result_ref: strOrNull(fm.result_ref),
    summary_excerpt: excerpt(row.body),
    path: traceDir(row.agent, row.session_id),
    primary_log_file: logFilesOf(row)[0] ?? null,
  };
}

export function traceRecord(row: TraceRow): TraceRecord {
  return {
    agent: row.agent,
    session_id: row.session_id,
    frontmatter: frontmatterOf(row),
    body: row.body,
    path: traceDir(row.agent, row.session_id),
    log_files: logFilesOf(row),
  };
}

/** `q` matches the body or any `key: value` of the frontmatter, case-insensitively, as on the public collab. */
function qMatch(row: TraceRow, fm: Record<string, unknown>, q: string): boolean {
  const ql = q.toLowerCase();
  if (row.body.toLowerCase().includes(ql)) return true;
  return Object.entries(fm).some(([k, v]) => `${k}: ${strOrNull(v) ?? ''}`.toLowerCase().includes(ql));
}

/**
 * The public cursor: the server-stamped `promoted_at` ("YYYY-MM-DD HH:MM UTC", sortable) then `<agent>/<session>`
 * as a stable tiebreak, so a public client's `after=`/`before=` pages the same way here.
 */
function cursorKey(fm: Record<string, unknown>, row: TraceRow): string {
  return `${strOrNull(fm.promoted_at) ?? ''}|${row.agent}/${row.session_id}`;
}

export function listTraces(rows: TraceRow[], query: TraceListQuery): TraceList {
  if (query.agent !== undefined && !isValidAgentId(query.agent))
    throw new HubError(
      'INVALID_PATH',
      `invalid agent_id: ${JSON.stringify(query.agent)}`,
      'agent ids are lowercase a-z, 0-9 and -',
    );
  let keyed: Array<{ key: string; row: TraceRow }> = [];
  for (const row of rows) {
    const fm = frontmatterOf(row);
    if (query.agent !== undefined && row.agent !== query.agent) continue;
    if (query.harness !== undefined && String(fm.harness ?? '') !== query.harness) continue;
    if (query.model !== undefined && String(fm.model ?? '') !== query.model) continue;
    if (query.share !== undefined && String(fm.share ?? '') !== query.share) continue;
    if (query.q !== undefined && !qMatch(row, fm, query.q)) continue;
    keyed.push({ key: cursorKey(fm, row), row });
  }
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const matched = keyed.length;
  if (query.after !== undefined) keyed = keyed.filter((k) => k.key > query.after!);
  if (query.before !== undefined) keyed = keyed.filter((k) => k.key < query.before!);
  if (pageOrder(query.order, 'desc') === 'desc') keyed.reverse();
  // As public: 0 and below mean "no limit" there; here the page cap (smaller for whole summaries) holds, and next pages on.
  let limit = pageLimit(query.limit ?? DEFAULT_LIMIT) ?? DEFAULT_LIMIT;
  if (query.expand && limit > EXPAND_MAX_LIMIT) limit = EXPAND_MAX_LIMIT;
  let next: string | null = null;
  if (limit < keyed.length) {
    keyed = keyed.slice(0, limit);
    next = keyed[keyed.length - 1]!.key;
  }
  return {
    count: rows.length,
    matched,
    items: keyed.map(({ row }) => (query.expand ? traceSummary(row) : `${row.agent}/${row.session_id}`)),
    next,
  };
}

function zeroTotals(): TokenTotals {
  return { total: 0, input: 0, output: 0, cache_read: 0, cache_creation: 0, reasoning: 0 };
}

function accumulate(t: TokenTotals, usage: Record<string, unknown>): void {
  for (const [key, field] of USAGE_FIELDS) {
    const v = intOrNull(usage[key]);
    if (v !== null) t[field] += v;
  }
}

/** The day a session counts for: the first of its timestamps that starts YYYY-MM-DD. */
function dayOf(...candidates: unknown[]): string {
  for (const c of candidates) {
    const s = strOrNull(c);
    if (s && /^\d{4}-\d{2}-\d{2}/.test(s)) return s.slice(0, 10);
  }
  return 'unknown';
}

/**
 * Sums each session's adapter-reported usage.total_tokens (and its breakdown). A session without a total adds
 * nothing and is counted in sessions_missing_tokens: unknown is never read as zero.
 */
export function aggregateTraces(rows: TraceRow[], generatedAt: string): TraceStats {
  const tokens = zeroTotals();
  // Keys are agents' strings (a model may be named "__proto__"): maps without a prototype hold any of them.
  const byModel = Object.create(null) as Record<string, TokenTotals>;
  const byAgent = Object.create(null) as Record<string, TokenTotals>;
  const byDay = Object.create(null) as Record<string, TokenTotals>;
  const agents = new Set<string>();
  let counted = 0;
  let missing = 0;
  let cost = 0;
  let costSeen = false;
  for (const row of rows) {
    agents.add(row.agent);
    const fm = frontmatterOf(row);
    const usage = mapping(fm.usage);
    if (intOrNull(usage.total_tokens) === null) {
      missing++;
      continue;
    }
    counted++;
    accumulate(tokens, usage);
    accumulate((byModel[strOrNull(fm.model) ?? 'unknown'] ??= zeroTotals()), usage);
    accumulate((byAgent[row.agent] ??= zeroTotals()), usage);
    accumulate((byDay[dayOf(fm.started_at, fm.promoted_at)] ??= zeroTotals()), usage);
    const c = numberOrNull(fm.cost_usd);
    if (c !== null) {
      cost += c;
      costSeen = true;
    }
  }
  return {
    tokens,
    cost_usd: costSeen ? Math.round(cost * 1e6) / 1e6 : null,
    sessions_counted: counted,
    sessions_missing_tokens: missing,
    agents_reporting: agents.size,
    by_model: byModel,
    by_agent: byAgent,
    by_day: byDay,
    generated_at: generatedAt,
  };
}

/** The digest's one line; null until a session is shared, so the digest keeps its shape on a hub without traces. */
export function digestStats(rows: TraceRow[], generatedAt: string): DigestStats | null {
  if (rows.length === 0) return null;
  const s = aggregateTraces(rows, generatedAt);
  return { total_tokens: s.tokens.total, sessions_counted: s.sessions_counted, agents_reporting: s.agents_reporting };
}
