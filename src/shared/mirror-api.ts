// The mirror contract: public collabs followed read-only (the organizer's /v1/mirror routes), and the seam between the hub's record and the mirror service (MirrorRecord).
import { Type, type Static } from 'typebox';
import { Closed, Nullable, OpenRecord } from './response-schema';

/** The lists of a public collab the mirror reads with filename cursors. */
export const MirrorKind = Type.Union([
  Type.Literal('message'),
  Type.Literal('result'),
  Type.Literal('agent'),
  Type.Literal('channel'),
]);
export type MirrorKind = Static<typeof MirrorKind>;

/** The room a followed collab's copy may take by default (the user sets it per collab). */
export const DEFAULT_MIRROR_BUDGET_BYTES = 256 * 1024 * 1024;

/** POST /v1/mirror: follow a collab (backend URL, dashboard URL, or org/slug), read-only, no token needed. */
export const FollowBody = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 500, description: 'backend URL, dashboard URL, or org/slug' }),
    budget_mb: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'the room its copy may take (default 256 MB)' }),
    ),
  },
  { additionalProperties: false },
);
export type FollowBody = Static<typeof FollowBody>;

/** A followed collab as GET /v1/mirror shows it: how fresh its copy is, and how big. */
export const MirroredCollab = Closed({
  id: Type.String({ description: 'org/collab' }),
  title: Nullable(Type.String()),
  api_url: Type.String(),
  score_field: Type.String(),
  score_order: Type.Union([Type.Literal('asc'), Type.Literal('desc')]),
  followed_at: Type.String(),
  /** The last time a pass read every list up to the collab's present: the copy is this old at most. */
  caught_up_at: Nullable(Type.String()),
  /** The last time the mirror reached the collab at all. */
  checked_at: Nullable(Type.String()),
  /** Why the last pass failed (the collab unreachable, a refusal), in words; null when it worked. */
  problem: Nullable(Type.String()),
  /** Whether the copy is being kept live now (false: offline, serving its last state). */
  live: Type.Boolean(),
  counts: Closed({
    message: Type.Integer({ description: 'board and channel messages (a channel message has frontmatter.channel)' }),
    result: Type.Integer(),
    agent: Type.Integer(),
    channel: Type.Integer(),
  }),
  bytes: Type.Integer(),
  budget_bytes: Type.Integer(),
  /** Messages dropped to keep within the budget (the oldest first); results and agents are kept. */
  evicted: Type.Integer(),
});
export type MirroredCollab = Static<typeof MirroredCollab>;

export const MirrorStatus = Closed({ collabs: Type.Array(MirroredCollab) });
export type MirrorStatus = Static<typeof MirrorStatus>;

/** A public record as mirrored: its upstream filename verbatim, and where it came from. */
export const MirroredRecord = Closed({
  origin: Type.String({ description: 'the collab it was read from (org/collab): never a record of this hub' }),
  filename: Type.String(),
  frontmatter: OpenRecord,
  body: Type.String(),
  verification: Nullable(Type.String()),
  url: Type.String({ description: 'where it lives on the public collab' }),
});
export type MirroredRecord = Static<typeof MirroredRecord>;

export const MirrorListQuery = Type.Object(
  {
    kind: Type.Optional(MirrorKind),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 20' })),
    before: Type.Optional(Type.String({ maxLength: 400, description: 'exclusive cursor: older than this filename' })),
  },
  { additionalProperties: false },
);
export type MirrorListQuery = Static<typeof MirrorListQuery>;

export const MirrorList = Closed({
  collab: Type.String(),
  caught_up_at: Nullable(Type.String()),
  items: Type.Array(MirroredRecord),
  next: Nullable(Type.String({ description: 'pass as before= for the following page' })),
});
export type MirrorList = Static<typeof MirrorList>;

export const MirrorLeaderboard = Closed({
  collab: Type.String(),
  caught_up_at: Nullable(Type.String()),
  /** GET /v1/leaderboard as the collab answered it last (its score field, order, rows with verification). */
  leaderboard: Nullable(OpenRecord),
});
export type MirrorLeaderboard = Static<typeof MirrorLeaderboard>;

export const MirrorRules = Closed({
  collab: Type.String(),
  caught_up_at: Nullable(Type.String()),
  /** Its central README.md (the agents' entry point: what counts, how it is measured), as last read. */
  rules: Nullable(Type.String()),
});
export type MirrorRules = Static<typeof MirrorRules>;

/** A stored row as it is shown: with its origin and where it lives on the public collab. */
export function mirroredRecord(
  collab: Pick<MirrorCollabRow, 'collab' | 'api_url'>,
  r: MirrorRecordRow,
): MirroredRecord {
  const channel = typeof r.frontmatter.channel === 'string' ? r.frontmatter.channel : null;
  const path =
    r.kind === 'channel'
      ? `channels/${encodeURIComponent(r.filename)}`
      : r.kind === 'message' && channel !== null
        ? // A channel's message is read in its channel (GET /v1/channels/{name}/messages), not on the board.
          `channels/${encodeURIComponent(channel)}/messages`
        : `${r.kind === 'message' ? 'messages' : r.kind === 'result' ? 'results' : 'agents'}/${encodeURIComponent(r.filename)}`;
  return {
    origin: collab.collab,
    filename: r.filename,
    frontmatter: r.frontmatter,
    body: r.body,
    verification: r.verification,
    url: `${collab.api_url}/v1/${path}`,
  };
}

/** The mirror as the hub's routes call it. Refusals are CodedErrors with a next step. */
export interface MirrorControl {
  status(): MirrorStatus;
  follow(body: FollowBody): Promise<MirroredCollab>;
  unfollow(collab: string): Promise<boolean>;
  /** A pass now; resolves when it has ended (worked or not). */
  refresh(collab: string): Promise<MirroredCollab>;
  list(collab: string, query: MirrorListQuery): MirrorList;
  leaderboard(collab: string): MirrorLeaderboard;
  rules(collab: string): MirrorRules;
  /** Hears every pass of a followed collab, worked or not (the hub sends it to everyone as `mirror.updated`). */
  onChange(listener: (collab: MirroredCollab) => void): () => void;
  close(): Promise<void>;
}

/**
 * A followed collab in the digest (`public`): what local agents may build on, read-only and never this hub's own.
 * Its leaderboard as the collab ranks it (its hardware, its rules), its newest results and board posts.
 */
export const PublicDigest = Closed({
  origin: Type.String({ description: 'org/collab: records of that public collab, not of this hub' }),
  api_url: Type.String(),
  caught_up_at: Nullable(Type.String({ description: 'the copy is this old (null: never read yet)' })),
  problem: Nullable(Type.String({ description: 'why the last read failed (the copy is then older)' })),
  score_field: Type.String(),
  leaderboard: Type.Array(OpenRecord, { description: 'its top 5 rows as it ranked them' }),
  recent_results: Type.Array(MirroredRecord),
  recent_messages: Type.Array(MirroredRecord),
});
export type PublicDigest = Static<typeof PublicDigest>;

// ---- the seam -------------------------------------------------------------------------------------------------

/** A followed collab's row in the record. */
export interface MirrorCollabRow {
  collab: string;
  api_url: string;
  title: string | null;
  /** Its central bucket and docs route: where its rules (README.md) are read. */
  central: string;
  docs: string | null;
  score_field: string;
  score_order: 'asc' | 'desc';
  followed_at: number;
  /** Per list ("message", "result", "channel:<name>"), the newest upstream filename stored: the next read starts after it. */
  cursors: Record<string, string>;
  caught_up_at: number | null;
  checked_at: number | null;
  error: string | null;
  leaderboard: Record<string, unknown> | null;
  readme: string | null;
  budget_bytes: number;
}

export interface MirrorRecordRow {
  kind: MirrorKind;
  filename: string;
  frontmatter: Record<string, unknown>;
  body: string;
  verification: string | null;
}

/** The mirror's rows in the hub's record (each call one transaction, committed before it returns). */
export interface MirrorRecord {
  follow(row: MirrorCollabRow): void;
  /** Forgets the collab and its whole copy. */
  unfollow(collab: string): boolean;
  collab(collab: string): MirrorCollabRow | null;
  collabs(): MirrorCollabRow[];
  /**
   * Stores a page of one list and moves that list's cursor to `cursor` in the same transaction: a crash between
   * the two never leaves a gap (rows without the cursor are read again and replace themselves).
   */
  storePage(
    collab: string,
    kind: MirrorKind,
    rows: MirrorRecordRow[],
    cursor: { list: string; filename: string } | null,
    now: number,
  ): void;
  /** Updates the verification of results already stored. */
  setVerification(collab: string, changes: { filename: string; verification: string | null }[]): void;
  /** The state of a pass: when it reached the present, when it reached the collab, what went wrong. */
  markPass(
    collab: string,
    patch: Partial<Pick<MirrorCollabRow, 'caught_up_at' | 'checked_at' | 'error' | 'leaderboard' | 'readme'>>,
  ): void;
  /** Newest first. */
  list(collab: string, kind: MirrorKind, limit: number, before?: string): MirrorRecordRow[];
  /** The newest messages of the collab's board, not of its channels. */
  board(collab: string, limit: number): MirrorRecordRow[];
  /** One stored record by its upstream filename; null when the copy lacks it. */
  get(collab: string, kind: MirrorKind, filename: string): MirrorRecordRow | null;
  /** Results still pending verification: the ones the mirror reads again. */
  /** Every stored result's verification, by filename. */
  verdicts(collab: string): Map<string, string | null>;
  counts(collab: string): Record<MirrorKind, number> & { bytes: number };
  /** Drops the oldest messages until the copy takes at most `budget` bytes; how many went. */
  evict(collab: string, budget: number): number;
  evicted(collab: string): number;
}
