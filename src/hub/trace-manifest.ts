// A shared session's manifest.md as the public collab reads it: the bundle path, the lenient checks, completeness, the server's stamps.
import type { TraceCompleteness, TraceShare } from '../shared/traces-api';
import { HubError } from './hub-error';
import { pathSegments } from './workspace';

/** Harnesses whose adapters must deliver tokens and tool calls; any other harness shares as `partial`, never refused. */
export const KNOWN_FULL_HARNESSES: ReadonlySet<string> = new Set(['claude-code', 'codex']);

export const REQUIRED_MANIFEST_FIELDS = ['schema_version', 'harness', 'session_id'] as const;

/** usage.<field> -> the TokenTotals field it adds to. */
export const USAGE_FIELDS = [
  ['total_tokens', 'total'],
  ['input_tokens', 'input'],
  ['output_tokens', 'output'],
  ['cache_read_tokens', 'cache_read'],
  ['cache_creation_tokens', 'cache_creation'],
  ['reasoning_tokens', 'reasoning'],
] as const;

const BUNDLE_HINT = 'write traces/<session>/manifest.md into your scratch folder, then pass that folder';

/** A whole number (not a bool, not 12.7), or null: absent and null mean unknown, which is never 0. */
export function intOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function mapping(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/;

/** ISO 8601 (what harness logs carry) or the collab's `YYYY-MM-DD HH:MM UTC`. */
export function timestampOk(value: unknown): boolean {
  if (typeof value !== 'string' || value.trim() === '') return false;
  const s = value.trim();
  if (STAMP.test(s)) return !Number.isNaN(Date.parse(s.slice(0, 10)));
  if (!ISO.test(s)) return false;
  return !Number.isNaN(Date.parse(s.slice(0, 10)));
}

/** The session a source names: it must be the caller's `traces/<session>/` folder, nothing deeper or elsewhere. */
export function sourceSession(scratchPath: string): string {
  const parts = scratchPath.replace(/\/+$/, '').split('/');
  if (parts.length !== 2 || parts[0] !== 'traces')
    throw new HubError('INVALID_PATH', 'source must point at your traces/<session>/ bundle folder', BUNDLE_HINT);
  pathSegments(parts[1]!, 'the session folder');
  return parts[1]!;
}

function invalid(message: string): HubError {
  return new HubError(
    'INVALID_FRONTMATTER',
    message,
    'the manifest needs schema_version, harness and session_id; token counts are whole numbers >= 0 or null',
  );
}

/**
 * Lenient as the public collab is: only identity and provenance are required; the stats present are type-checked,
 * missing ones are fine (an unknown harness reports none), nonsensical ones (negative, fractional) are refused.
 */
export function validateTraceManifest(fm: Record<string, unknown>): void {
  for (const field of REQUIRED_MANIFEST_FIELDS) {
    const v = fm[field];
    if (v === undefined || v === null || v === '') throw invalid(`trace manifest missing required field: ${field}`);
  }
  const usage = fm.usage;
  if (usage !== undefined && usage !== null) {
    if (typeof usage !== 'object' || Array.isArray(usage)) throw invalid('`usage` must be a mapping');
    for (const [key] of USAGE_FIELDS) {
      const v = (usage as Record<string, unknown>)[key];
      if (v !== undefined && v !== null && (intOrNull(v) === null || (v as number) < 0))
        throw invalid(`\`usage.${key}\` must be a non-negative integer or null`);
    }
  }
  const cost = fm.cost_usd;
  if (cost !== undefined && cost !== null && (numberOrNull(cost) === null || (cost as number) < 0))
    throw invalid('`cost_usd` must be a non-negative number or null');
  const activity = fm.activity;
  if (activity !== undefined && activity !== null) {
    if (typeof activity !== 'object' || Array.isArray(activity)) throw invalid('`activity` must be a mapping');
    const tc = (activity as Record<string, unknown>).tool_calls;
    if (tc !== undefined && tc !== null && (intOrNull(tc) === null || (tc as number) < 0))
      throw invalid('`activity.tool_calls` must be a non-negative integer or null');
  }
  for (const key of ['started_at', 'ended_at']) {
    const v = fm[key];
    if (v !== undefined && v !== null && !timestampOk(v))
      throw invalid(`\`${key}\` must be a parseable timestamp or null`);
  }
}

/** The manifest's session_id, which must be one path component and name the folder it was shared from. */
export function manifestSession(fm: Record<string, unknown>, folder: string): string {
  const session = String(fm.session_id);
  const segments = pathSegments(session, 'trace session_id');
  if (segments.length !== 1)
    throw new HubError('INVALID_PATH', 'trace session_id must be a single path component', BUNDLE_HINT);
  if (session !== folder)
    throw new HubError(
      'INVALID_PATH',
      'trace manifest session_id must match the source folder',
      `manifest has ${JSON.stringify(session)}; source folder has ${JSON.stringify(folder)}`,
    );
  return session;
}

/** A full share copies exactly the log the manifest names: stale files beside it in the folder are never published. */
export function nativeLogFile(fm: Record<string, unknown>): string {
  const value = fm.native_log_file;
  if (typeof value !== 'string' || value.trim() === '')
    throw new HubError(
      'INVALID_FRONTMATTER',
      'full trace manifest missing required field: native_log_file',
      'name the session log beside manifest.md, e.g. native_log_file: session.jsonl',
    );
  const file = value.trim();
  const segments = pathSegments(file, 'native_log_file');
  if (segments.length !== 1 || file === 'manifest.md')
    throw new HubError(
      'INVALID_PATH',
      'native_log_file must be a single non-manifest filename',
      'put the log beside manifest.md and name it alone, e.g. session.jsonl',
    );
  return file;
}

export function completeness(fm: Record<string, unknown>): TraceCompleteness {
  const hasTokens = intOrNull(mapping(fm.usage).total_tokens) !== null;
  const hasTools = intOrNull(mapping(fm.activity).tool_calls) !== null;
  return KNOWN_FULL_HARNESSES.has(String(fm.harness ?? '')) && hasTokens && hasTools ? 'full' : 'partial';
}

/** The server's fields win over any the client wrote, as on the public collab. */
export function stampManifest(
  fm: Record<string, unknown>,
  stamps: { agent: string; promoted_at: string; share: TraceShare; completeness: TraceCompleteness },
): Record<string, unknown> {
  return {
    ...fm,
    agent: stamps.agent,
    promoted_at: stamps.promoted_at,
    via: 'bucket',
    share: stamps.share,
    completeness: stamps.completeness,
  };
}
