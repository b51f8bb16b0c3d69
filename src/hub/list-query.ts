// The public list grammar (since until agent type via status verification q expand limit order after before),
// compiled to a count, a filtered count and one page query over a record table keyed by its filename.
import type { Statement } from 'better-sqlite3';
import { MAX_PAGE_LIMIT } from '../shared/api';
import type { Db } from './store/database';
import { HubError } from './hub-error';
import { parseTime } from './time-filter';

export interface ListParams {
  since?: string;
  until?: string;
  agent?: string;
  type?: string;
  via?: string;
  status?: string;
  verification?: string;
  q?: string;
  expand?: boolean;
  limit?: number;
  /** asc or desc in any case; anything else reads as asc (see pageOrder). */
  order?: string;
  after?: string;
  before?: string;
  channel?: string;
  thread?: string;
  model?: string;
  harness?: string;
  hf_user?: string;
}

export interface ListPage<Row> {
  /** Records in the collection before any filter. */
  count: number;
  /** Records that pass the filters, before cursor and limit. */
  matched: number;
  rows: Row[];
  /** Filename of the last row when more remain in this direction: pass it as `before` (desc) or `after` (asc). */
  next: string | null;
}

/** `channel=none` lists the messages posted in no channel (so no taskforce may be called that). */
export const NO_CHANNEL = 'none';

type Filter = 'agent' | 'type' | 'via' | 'status' | 'verification' | 'channel' | 'thread' | ExactFilter;
/** Matched as one whole value, as the public collab matches them (a model name may hold a comma). */
type ExactFilter = 'model' | 'harness' | 'hf_user';
const EXACT_FILTERS: ReadonlySet<Filter> = new Set<ExactFilter>(['model', 'harness', 'hf_user']);

export interface ListSpec {
  from: string;
  /** Column holding the filename: the order key and the cursor. */
  key: string;
  /** Column holding the stamp time in ms, for since/until; null when the records have none. */
  ts: string | null;
  columns: Partial<Record<Filter, string>>;
  /** Columns searched by `q` (case-insensitive substring). */
  search: string[];
  /** Fixed conditions, e.g. the inbox membership test. */
  where?: { sql: string; args: unknown[] };
  defaultLimit?: number | null;
  defaultOrder?: 'asc' | 'desc';
}

export const DEFAULT_LIMIT = 10;
/** Expanded pages carry whole records, so they are capped (as in the public collab) below MAX_PAGE_LIMIT. */
export const EXPAND_MAX_LIMIT = 200;

/**
 * The public collab sorts descending only for exactly "desc" and ascending for anything else. Its case-sensitivity
 * is a trap (an agent's "DESC" would silently come back ascending), so case is ignored here; other values still
 * read as asc, as there.
 */
export function pageOrder(order: string | undefined, fallback: 'asc' | 'desc'): 'asc' | 'desc' {
  if (order === undefined) return fallback;
  return order.trim().toLowerCase() === 'desc' ? 'desc' : 'asc';
}

/**
 * A page size the public collab would take, held to this hub's page cap: the public API has no cap on filename
 * pages and reads 0 and below as "no limit"; here both give the largest page, and `next` continues from it.
 */
export function pageLimit(limit: number | undefined | null): number | undefined | null {
  if (limit === undefined || limit === null) return limit;
  return limit <= 0 || limit > MAX_PAGE_LIMIT ? MAX_PAGE_LIMIT : limit;
}

/** How many rows a page holds (null: all of them), as the list grammar reads `limit` and `expand`. */
export function pageSize(params: Pick<ListParams, 'limit' | 'expand'>, defaultLimit?: number | null): number | null {
  let limit = pageLimit(params.limit) ?? (defaultLimit === undefined ? DEFAULT_LIMIT : defaultLimit);
  if (params.expand && (limit === null || limit > EXPAND_MAX_LIMIT)) limit = EXPAND_MAX_LIMIT;
  return limit;
}

function csv(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function likePattern(q: string): string {
  return '%' + q.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

const statements = new WeakMap<Db, Map<string, Statement<unknown[]>>>();

/** Lists build a handful of distinct SQL shapes; preparing each once keeps a list request to a few microseconds. */
function prepared(db: Db, sql: string): Statement<unknown[]> {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) {
    if (cache.size > 500) cache.clear();
    stmt = db.prepare<unknown[]>(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

export function runList<Row>(db: Db, spec: ListSpec, params: ListParams, select = '*'): ListPage<Row> {
  const base: string[] = [];
  const baseArgs: unknown[] = [];
  if (spec.where) {
    base.push(spec.where.sql);
    baseArgs.push(...spec.where.args);
  }
  const where = [...base];
  const args = [...baseArgs];
  for (const bound of ['since', 'until'] as const) {
    const value = params[bound];
    if (value === undefined) continue;
    if (!spec.ts)
      throw new HubError(
        'INVALID_QUERY',
        `this list has no "${bound}" filter`,
        'GET /v1 lists the parameters of each route',
      );
    where.push(`${spec.ts} ${bound === 'since' ? '>=' : '<='} ?`);
    args.push(parseTime(value, bound));
  }
  const filters = ['agent', 'type', 'via', 'status', 'verification', 'channel', 'thread'] as const;
  for (const name of [...filters, 'model', 'harness', 'hf_user'] as const) {
    const value = params[name];
    if (value === undefined) continue;
    const column = spec.columns[name];
    if (!column)
      throw new HubError(
        'INVALID_QUERY',
        `this list has no "${name}" filter`,
        'GET /v1 lists the parameters of each route',
      );
    const values = EXACT_FILTERS.has(name) ? [value] : csv(value);
    if (values.length === 0)
      throw new HubError('INVALID_QUERY', `${name} is empty`, 'give one value or a comma-separated list');
    // channel=none: the main board (messages in no taskforce), alone or beside named channels.
    const none = name === 'channel' && values.includes(NO_CHANNEL);
    const named = none ? values.filter((v) => v !== NO_CHANNEL) : values;
    const conds = [
      ...(named.length ? [`${column} IN (${named.map(() => '?').join(',')})`] : []),
      ...(none ? [`${column} IS NULL`] : []),
    ];
    where.push(conds.length === 1 ? conds[0]! : `(${conds.join(' OR ')})`);
    args.push(...named);
  }
  if (params.q !== undefined && params.q !== '') {
    where.push('(' + spec.search.map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ') + ')');
    for (let i = 0; i < spec.search.length; i++) args.push(likePattern(params.q));
  }
  const countOf = (conds: string[], a: unknown[]) =>
    (
      prepared(db, `SELECT COUNT(*) AS n FROM ${spec.from} ${conds.length ? 'WHERE ' + conds.join(' AND ') : ''}`).get(
        ...a,
      ) as { n: number }
    ).n;
  const count = countOf(base, baseArgs);
  const matched = where.length === base.length ? count : countOf(where, args);

  const order = pageOrder(params.order, spec.defaultOrder ?? 'desc');
  const limit = pageSize(params, spec.defaultLimit);
  if (params.after !== undefined) {
    where.push(`${spec.key} > ?`);
    args.push(params.after);
  }
  if (params.before !== undefined) {
    where.push(`${spec.key} < ?`);
    args.push(params.before);
  }
  const filter = where.length ? 'WHERE ' + where.join(' AND ') : '';
  const sql = `SELECT ${select} FROM ${spec.from} ${filter} ORDER BY ${spec.key} ${order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`;
  const rows = prepared(db, sql).all(...args, limit === null ? -1 : limit + 1) as Row[];
  const more = limit !== null && rows.length > limit;
  if (more) rows.pop();
  const last = rows.at(-1) as Record<string, unknown> | undefined;
  return { count, matched, rows, next: more && last ? String(last[spec.key]) : null };
}
