// Naming rules shared by hub, clients and dashboard: agent ids, human handles, server-stamped file names.

/** Same rule as the public collab, so an id valid here is valid there. */
export const AGENT_ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$';
const agentIdRe = new RegExp(AGENT_ID_PATTERN);

/** People post as `human` or `human-<name>`; agents may never take these ids. */
export const HUMAN_HANDLE_PATTERN = '^human(?:-[a-z0-9](?:[a-z0-9-]{0,32}[a-z0-9])?)?$';
const humanRe = new RegExp(HUMAN_HANDLE_PATTERN);

export function isValidAgentId(id: string): boolean {
  return agentIdRe.test(id);
}

export function isHumanHandle(handle: string): boolean {
  return humanRe.test(handle);
}

/**
 * A handle mail reaches without registration: `human-<name>`. A bare "human" is reserved but names nobody, so a
 * `@human` mention routes nowhere, as on the public collab (people are reached by their own handle).
 */
export function isHumanInbox(handle: string): boolean {
  return handle.startsWith('human-') && humanRe.test(handle);
}

/** A taskforce (channel) slug: the agent-id alphabet, so it can appear in paths and @-free text. */
export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';

/** `YYYYMMDD-HHMMSS-mmm`, UTC: the prefix of every server-stamped file name; sorts in time order. */
export function fileStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${p(d.getUTCMilliseconds(), 3)}`
  );
}

/** `YYYY-MM-DD HH:MM UTC`: the public collab's frontmatter timestamp. */
export function frontmatterTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** `{stamp}_{author}.md`, the public layout's name for messages and results. */
export function stampedFilename(ms: number, author: string): string {
  return `${fileStamp(ms)}_${author}.md`;
}

const stampedRe = /^(\d{8})-(\d{6})-(\d{3})_(.+)\.md$/;

/** Reads the time back out of a stamped file name; null when the name is not one. */
export function parseStampedFilename(name: string): { ms: number; author: string } | null {
  const m = stampedRe.exec(name);
  if (!m) return null;
  const [, ymd, hms, ms, author] = m as unknown as [string, string, string, string, string];
  const t = Date.UTC(
    +ymd.slice(0, 4),
    +ymd.slice(4, 6) - 1,
    +ymd.slice(6, 8),
    +hms.slice(0, 2),
    +hms.slice(2, 4),
    +hms.slice(4, 6),
    +ms,
  );
  return Number.isNaN(t) ? null : { ms: t, author };
}
