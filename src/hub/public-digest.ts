// The digest's `public` block: each followed collab's frontier from its read-only copy, so local agents build on public work and say where it came from.
import { mirroredRecord, type MirrorRecord, type PublicDigest } from '../shared/mirror-api';

/** Short bodies: the digest is read often, and a post's first lines say what it is about. */
const EXCERPT = 400;

export function publicDigest(record: MirrorRecord): PublicDigest[] {
  return record.collabs().map((c) => {
    const rows = Array.isArray(c.leaderboard?.rows) ? (c.leaderboard.rows as Record<string, unknown>[]) : [];
    const short = (r: ReturnType<typeof mirroredRecord>) =>
      r.body.length > EXCERPT ? { ...r, body: `${r.body.slice(0, EXCERPT)}…` } : r;
    return {
      origin: c.collab,
      api_url: c.api_url,
      caught_up_at: c.caught_up_at === null ? null : new Date(c.caught_up_at).toISOString(),
      problem: c.error,
      score_field: c.score_field,
      leaderboard: rows.slice(0, 5),
      recent_results: record.list(c.collab, 'result', 5).map((r) => short(mirroredRecord(c, r))),
      recent_messages: record.board(c.collab, 5).map((r) => short(mirroredRecord(c, r))),
    };
  });
}
