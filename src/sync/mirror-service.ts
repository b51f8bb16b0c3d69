// The mirror service: the public collabs this hub follows read-only, one follower each, their copy in the hub's record (MirrorRecord), and what the routes read of it.
import {
  DEFAULT_MIRROR_BUDGET_BYTES,
  type MirrorCollabRow,
  type MirrorControl,
  type MirrorKind,
  type MirrorRecord,
  type MirroredCollab,
  mirroredRecord,
} from '../shared/mirror-api';
import { fetchRules, resolveCollab } from './collab-directory';
import { CollabFollower } from './collab-follower';
import { SyncError } from './sync-error';

export interface MirrorServiceOptions {
  record: MirrorRecord;
  hfEndpoint: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Between passes (default the public listing TTL, 30 s). */
  pollMs?: number;
  maxBackoffMs?: number;
  /** Hears every pass of every followed collab. */
  onPass?: (collab: string) => void;
  /**
   * The handle whose /v1/updates stream wakes a collab's follower at once (an agent registered on it from this
   * machine); null or absent: polling only.
   */
  watchAs?: (collab: string) => string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createMirrorService(options: MirrorServiceOptions): MirrorControl & { start(): void } {
  const { record } = options;
  const followers = new Map<string, CollabFollower>();
  const listeners = new Set<(collab: MirroredCollab) => void>();
  const passed = (collab: string) => {
    options.onPass?.(collab);
    const row = record.collab(collab);
    if (!row || listeners.size === 0) return;
    const item = view(row);
    for (const listener of listeners) listener(item);
  };
  let closed = false;

  const followerFor = (row: MirrorCollabRow): CollabFollower => {
    const follower = new CollabFollower(row.api_url, {
      record,
      collab: row.collab,
      fetch: options.fetch,
      now: options.now,
      pollMs: options.pollMs,
      maxBackoffMs: options.maxBackoffMs,
      onPass: passed,
      watchAs: () => options.watchAs?.(row.collab) ?? null,
      readRules: async () => {
        const current = record.collab(row.collab);
        if (!current) return null;
        const where = { api_url: current.api_url, central_bucket: current.central, docs: current.docs };
        const rules = await fetchRules(where, { hfEndpoint: options.hfEndpoint, fetch: options.fetch });
        return rules?.text ?? null;
      },
    });
    followers.set(row.collab, follower);
    // A hub closing starts nothing new: close() stops the followers it knows, and this one would outlive it.
    if (!closed) follower.start();
    return follower;
  };

  const view = (row: MirrorCollabRow): MirroredCollab => {
    const counts = record.counts(row.collab);
    return {
      id: row.collab,
      title: row.title,
      api_url: row.api_url,
      score_field: row.score_field,
      score_order: row.score_order,
      followed_at: new Date(row.followed_at).toISOString(),
      caught_up_at: iso(row.caught_up_at),
      checked_at: iso(row.checked_at),
      problem: row.error,
      live: followers.get(row.collab)?.live ?? false,
      counts: { message: counts.message, result: counts.result, agent: counts.agent, channel: counts.channel },
      bytes: counts.bytes,
      budget_bytes: row.budget_bytes,
      evicted: record.evicted(row.collab),
    };
  };

  const require = (collab: string): MirrorCollabRow => {
    const row = record.collab(collab);
    if (!row)
      throw new SyncError(
        'NOT_FOLLOWED',
        `this hub does not follow ${collab}`,
        'follow it first: collab-desk sync follow <backend URL | dashboard URL | org/slug>',
      );
    return row;
  };

  return {
    start() {
      for (const row of record.collabs()) followerFor(row);
    },

    status: () => ({ collabs: record.collabs().map(view) }),

    async follow(body) {
      const info = await resolveCollab(body.target, { hfEndpoint: options.hfEndpoint, fetch: options.fetch });
      if (closed) throw new SyncError('COLLAB_UNREACHABLE', 'the hub is shutting down', 'follow it again later');
      const id = `${info.org}/${info.collab}`;
      const existing = record.collab(id);
      const row: MirrorCollabRow = {
        collab: id,
        api_url: info.api_url,
        title: info.title,
        central: info.central_bucket,
        docs: info.docs,
        score_field: info.score_field,
        score_order: info.score_order,
        followed_at: existing?.followed_at ?? (options.now ?? Date.now)(),
        cursors: existing?.cursors ?? {},
        caught_up_at: existing?.caught_up_at ?? null,
        checked_at: existing?.checked_at ?? null,
        error: existing?.error ?? null,
        leaderboard: existing?.leaderboard ?? null,
        readme: existing?.readme ?? null,
        budget_bytes:
          body.budget_mb !== undefined
            ? body.budget_mb * 1024 * 1024
            : (existing?.budget_bytes ?? DEFAULT_MIRROR_BUDGET_BYTES),
      };
      record.follow(row);
      const running = followers.get(id);
      if (running) running.wake();
      else followerFor(row);
      return view(record.collab(id)!);
    },

    async unfollow(collab) {
      const follower = followers.get(collab);
      followers.delete(collab);
      await follower?.stop();
      return record.unfollow(collab);
    },

    async refresh(collab) {
      if (closed) throw new SyncError('COLLAB_UNREACHABLE', 'the hub is shutting down', 'refresh it after the restart');
      const row = require(collab);
      const follower = followers.get(collab) ?? followerFor(row);
      await follower.settled();
      follower.wake();
      await follower.settled();
      return view(require(collab));
    },

    list(collab, query) {
      const row = require(collab);
      const kind: MirrorKind = query.kind ?? 'message';
      const limit = query.limit ?? 20;
      const rows = record.list(collab, kind, limit + 1, query.before);
      const page = rows.slice(0, limit);
      return {
        collab,
        caught_up_at: iso(row.caught_up_at),
        items: page.map((r) => mirroredRecord(row, r)),
        next: rows.length > limit ? (page.at(-1)?.filename ?? null) : null,
      };
    },

    leaderboard(collab) {
      const row = require(collab);
      return { collab, caught_up_at: iso(row.caught_up_at), leaderboard: row.leaderboard };
    },

    rules(collab) {
      const row = require(collab);
      return { collab, caught_up_at: iso(row.caught_up_at), rules: row.readme };
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      await Promise.all([...followers.values()].map((f) => f.stop()));
      followers.clear();
    },
  };
}
