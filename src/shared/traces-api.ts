// The traces contract (the public collab's TRACES_DESIGN.md): share a session's stats or full trace, list and read shared sessions, the project's token totals.
import { Type, type Static } from 'typebox';
import { Closed, Nullable, OpenRecord } from './response-schema';

/** How much of a session is shared: token and tool-call counts only, or those plus the harness's native log. */
export const TraceShare = Type.Union([Type.Literal('stats'), Type.Literal('full')]);
export type TraceShare = Static<typeof TraceShare>;

/**
 * `full` when a harness whose adapter is known to report them (claude-code, codex) delivered both a token total and a
 * tool-call count; `partial` otherwise. Never a refusal: an unknown harness still shares.
 */
export const TraceCompleteness = Type.Union([Type.Literal('full'), Type.Literal('partial')]);
export type TraceCompleteness = Static<typeof TraceCompleteness>;

/** POST /v1/traces. */
export const TracePostBody = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: 1100,
      description:
        'your bundle folder traces/<session>/ (a bare path in your scratch folder, or hf://buckets/<org>/<collab>-<you>/traces/<session>/); it holds manifest.md',
    }),
    share: Type.Optional(
      Type.Union([Type.Literal('stats'), Type.Literal('full')], {
        description: "stats (default): the manifest only; full: also the manifest's native_log_file",
      }),
    ),
  },
  { additionalProperties: false },
);
export type TracePostBody = Static<typeof TracePostBody>;

/** POST /v1/traces (201): where the session now lives in central, and what was copied. */
export const TracePosted = Closed({
  session_id: Type.String(),
  agent: Type.String(),
  share: TraceShare,
  path: Type.String({ description: 'the central folder: traces/<agent>/<session>/' }),
  files_copied: Type.Integer({ description: 'native log files copied (0 for stats)' }),
  bytes_copied: Type.Integer(),
  completeness: TraceCompleteness,
});
export type TracePosted = Static<typeof TracePosted>;

/** GET /v1/traces: the public list grammar for traces (filters by frontmatter, a recency cursor). */
export const TraceListQuery = Type.Object(
  {
    agent: Type.Optional(Type.String({ maxLength: 40 })),
    harness: Type.Optional(Type.String({ maxLength: 200 })),
    model: Type.Optional(Type.String({ maxLength: 300 })),
    share: Type.Optional(Type.String({ maxLength: 20, description: 'stats or full' })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive substring of frontmatter or body' })),
    expand: Type.Optional(Type.Boolean({ description: 'summaries instead of "<agent>/<session>" ids' })),
    limit: Type.Optional(
      Type.Integer({ description: 'default 10; 0 and below, or above 500, give 500 (200 expanded)' }),
    ),
    order: Type.Optional(Type.String({ maxLength: 20, description: 'desc (default) or asc, any case' })),
    after: Type.Optional(Type.String({ maxLength: 400, description: 'exclusive cursor: `next` of the previous page' })),
    before: Type.Optional(Type.String({ maxLength: 400 })),
  },
  { additionalProperties: false },
);
export type TraceListQuery = Static<typeof TraceListQuery>;

/** One shared session in a list (expand=true). Null means the harness did not report it, never zero. */
export const TraceSummary = Closed({
  agent: Type.String(),
  session_id: Type.String(),
  harness: Nullable(Type.String()),
  model: Nullable(Type.String()),
  share: Nullable(Type.String()),
  completeness: Nullable(Type.String()),
  promoted_at: Nullable(Type.String()),
  started_at: Nullable(Type.String()),
  total_tokens: Nullable(Type.Integer()),
  tool_calls: Nullable(Type.Integer()),
  result_ref: Nullable(Type.String()),
  summary_excerpt: Type.String(),
  path: Type.String({ description: 'the central folder: traces/<agent>/<session>/' }),
  primary_log_file: Nullable(Type.String({ description: 'the central path of the native log (full shares)' })),
});
export type TraceSummary = Static<typeof TraceSummary>;

export const TraceList = Closed({
  count: Type.Integer({ description: 'shared sessions in all' }),
  matched: Type.Integer({ description: 'sessions the filters match' }),
  items: Type.Array(Type.Union([TraceSummary, Type.String()]), {
    description: '"<agent>/<session>" ids, or summaries with expand=true',
  }),
  next: Nullable(Type.String(), { description: 'the cursor of the following page (null: this was the last)' }),
});
export type TraceList = Static<typeof TraceList>;

/** GET /v1/traces/{agent}/{session}: the stamped manifest, its body and the central paths of the native logs. */
export const TraceRecord = Closed({
  agent: Type.String(),
  session_id: Type.String(),
  frontmatter: OpenRecord,
  body: Type.String(),
  path: Type.String(),
  log_files: Type.Array(Type.String(), { description: 'central paths, readable at GET /v1/central/{path}' }),
});
export type TraceRecord = Static<typeof TraceRecord>;

export const TokenTotals = Closed({
  total: Type.Integer({ description: "the sum of the sessions' usage.total_tokens" }),
  input: Type.Integer(),
  output: Type.Integer(),
  cache_read: Type.Integer(),
  cache_creation: Type.Integer(),
  reasoning: Type.Integer(),
});
export type TokenTotals = Static<typeof TokenTotals>;

/** GET /v1/stats: the project's token use over the sessions agents shared, a reported floor, not ground truth. */
export const TraceStats = Closed({
  tokens: TokenTotals,
  cost_usd: Nullable(Type.Number(), { description: 'summed where reported; null when no session reported one' }),
  sessions_counted: Type.Integer({ description: 'sessions with a usable usage.total_tokens' }),
  sessions_missing_tokens: Type.Integer({ description: 'shared sessions without one: the coverage gap' }),
  agents_reporting: Type.Integer(),
  by_model: Type.Record(Type.String(), TokenTotals),
  by_agent: Type.Record(Type.String(), TokenTotals),
  by_day: Type.Record(Type.String(), TokenTotals, { description: 'by started_at day (YYYY-MM-DD), else promoted_at' }),
  generated_at: Type.String(),
});
export type TraceStats = Static<typeof TraceStats>;

/** GET /v1/digest `stats`: the one-line version of GET /v1/stats (null until a session is shared). */
export const DigestStats = Closed({
  total_tokens: Type.Integer(),
  sessions_counted: Type.Integer(),
  agents_reporting: Type.Integer(),
});
export type DigestStats = Static<typeof DigestStats>;
