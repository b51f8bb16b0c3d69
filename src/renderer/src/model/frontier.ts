// A followed public collab read against this hub: its leaderboard as rows, the hardware it ranks (only as far as it says), and where each local result would stand on it. Pure, so the stores, the views and the tests agree.
import type { RecordItem } from '@shared/api';
import type { MirroredCollab, MirroredRecord } from '@shared/mirror-api';
import { parseStampedFilename } from '@shared/ids';
import { num, obj, text } from '../facts';

/** One row of the public GET /v1/leaderboard, as the collab ranked it. */
export interface PublicRow {
  rank: number;
  agent: string;
  hf_user: string | null;
  score: number;
  method: string;
  /** valid, pending, invalid (or a state a newer collab names). */
  verification: string;
  filename: string;
  timestamp: string;
  description: string;
}

export interface PublicBoard {
  score_field: string;
  order: 'asc' | 'desc';
  rows: PublicRow[];
}

/**
 * The leaderboard as the collab last answered it, read defensively (it is another server's JSON): rows without a
 * numeric score or a filename are left out, never shown as zero.
 */
export function publicBoardOf(
  raw: Record<string, unknown> | null,
  fallback: Pick<MirroredCollab, 'score_field' | 'score_order'>,
): PublicBoard | null {
  if (!raw) return null;
  const order = raw.order === 'asc' || raw.order === 'desc' ? raw.order : fallback.score_order;
  const rows: PublicRow[] = [];
  for (const entry of Array.isArray(raw.rows) ? raw.rows : []) {
    const r = obj(entry);
    const score = num(r?.score);
    const filename = text(r?.filename);
    if (!r || score === null || filename === null) continue;
    rows.push({
      rank: num(r.rank) ?? rows.length + 1,
      agent: text(r.agent) ?? parseStampedFilename(filename)?.author ?? '?',
      hf_user: text(r.hf_user),
      score,
      method: text(r.method) ?? '',
      verification: text(r.verification) ?? 'pending',
      filename,
      timestamp: text(r.timestamp) ?? '',
      description: text(r.description) ?? '',
    });
  }
  return { score_field: text(raw.score_field) ?? fallback.score_field, order, rows };
}

/** Whether `a` beats `b` in the score's direction. */
export function beats(a: number, b: number, order: 'asc' | 'desc'): boolean {
  return order === 'desc' ? a > b : a < b;
}

/**
 * The rank a score would take on the public board: after every row that beats it, and after the rows it only ties
 * (the public board breaks ties by the earlier stamp, and a local result is not on it yet).
 */
export function wouldRank(score: number, board: PublicBoard): number {
  return 1 + board.rows.filter((r) => r.score === score || beats(r.score, score, board.order)).length;
}

/** What is known of the hardware the public board ranks: only what the collab itself says. */
export type RankedHardware =
  /** It runs the measurements itself (a connected collab with jobs): only figures from its own hardware rank. */
  | { kind: 'own-hardware' }
  /** Its results name their hardware: these classes. */
  | { kind: 'classes'; classes: string[] }
  /** Nothing it says names its hardware: its rules are the word. */
  | { kind: 'unknown' };

/** The hardware classes the public results name, most used first. */
export function publicHardware(results: MirroredRecord[], ownHardware: boolean): RankedHardware {
  if (ownHardware) return { kind: 'own-hardware' };
  const counts = new Map<string, number>();
  for (const r of results) {
    const hardware = text(r.frontmatter.hardware);
    if (hardware) counts.set(hardware, (counts.get(hardware) ?? 0) + 1);
  }
  if (counts.size === 0) return { kind: 'unknown' };
  return {
    kind: 'classes',
    classes: [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([h]) => h),
  };
}

/** A local result as it stands against the public board. */
export interface LocalPlacement {
  filename: string;
  agent: string;
  score: number;
  method: string;
  status: string;
  verification: string;
  /** Its hardware class as it says (frontmatter `hardware`); null when it does not say. */
  hardware: string | null;
  /** Where its score would rank on the public board (1 = first). */
  rank: number;
  /** True when the public board ranks other hardware; null when that cannot be told (its rules say). */
  exploratory: boolean | null;
  /** Why, in words. */
  hardwareNote: string;
}

/** Whether a local figure is exploratory there, and why, in words; nothing guessed. */
export function hardwareVerdict(
  hardware: string | null,
  ranked: RankedHardware,
): { exploratory: boolean | null; note: string } {
  const here = hardware ? `measured on ${hardware}` : 'it does not name the hardware it was measured on';
  if (ranked.kind === 'own-hardware')
    return {
      exploratory: true,
      note: `exploratory: ${here}; this collab ranks only figures it measures on its own hardware`,
    };
  if (ranked.kind === 'unknown')
    return {
      exploratory: null,
      note: `${here}; the public board does not say which hardware it ranks: its rules do`,
    };
  if (hardware && ranked.classes.includes(hardware))
    return { exploratory: false, note: `measured on ${hardware}, as public results are` };
  return {
    exploratory: true,
    note: `exploratory: ${here}; the public results were measured on ${ranked.classes.join(', ')}`,
  };
}

/**
 * This hub's results that carry a score in the public board's field, best first, each with the rank it would take
 * there. None when the two score different fields: such figures do not compare.
 */
export function placeLocal(results: RecordItem[], board: PublicBoard, ranked: RankedHardware): LocalPlacement[] {
  const placed: LocalPlacement[] = [];
  for (const r of results) {
    const fm = r.frontmatter;
    const score = num(fm[board.score_field]);
    if (score === null) continue;
    const hardware = text(fm.hardware);
    const verdict = hardwareVerdict(hardware, ranked);
    placed.push({
      filename: r.filename,
      agent: text(fm.agent) ?? parseStampedFilename(r.filename)?.author ?? '?',
      score,
      method: text(fm.method) ?? '',
      status: text(fm.status) ?? 'agent-run',
      verification: r.verification ?? 'pending',
      hardware,
      rank: wouldRank(score, board),
      exploratory: verdict.exploratory,
      hardwareNote: verdict.note,
    });
  }
  return placed.sort((a, b) =>
    beats(a.score, b.score, board.order) ? -1 : beats(b.score, a.score, board.order) ? 1 : 0,
  );
}

/** How the copy of a followed collab reads: live, or offline with the age of what it shows. */
export type Freshness =
  | { kind: 'first-read' }
  | { kind: 'live'; caughtUpAt: string | null }
  | { kind: 'offline'; caughtUpAt: string | null; problem: string | null };

export function freshnessOf(c: Pick<MirroredCollab, 'live' | 'caught_up_at' | 'problem'>): Freshness {
  if (c.caught_up_at === null && c.problem === null) return { kind: 'first-read' };
  if (c.live && c.problem === null) return { kind: 'live', caughtUpAt: c.caught_up_at };
  return { kind: 'offline', caughtUpAt: c.caught_up_at, problem: c.problem };
}

/** What a mirrored record is, for views that read records of this hub (authors, times, refs, channels). */
export function asItem(r: MirroredRecord): RecordItem {
  return { filename: r.filename, frontmatter: r.frontmatter, body: r.body };
}

/** "org/collab" from the route's two segments. */
export function collabIdOf(rest: string[]): string | null {
  return rest[0] && rest[1] ? `${rest[0]}/${rest[1]}` : null;
}
