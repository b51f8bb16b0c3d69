// Keeps one public collab's copy current: reads its board, results and agents through tokenless GETs with filename cursors, its leaderboard and rules, at the pace its listing cache allows, and serves the last state when it cannot be reached.
import type { MirrorKind, MirrorRecord, MirrorRecordRow } from '../shared/mirror-api';
import { CollabApi, CollabCallError } from './collab-api';

/** The public listing cache's TTL (backend/app/config.py LISTING_TTL_S): reading more often shows nothing newer. */
export const LISTING_TTL_MS = 30_000;

/** The most a page may hold expanded (backend/app/config.py EXPAND_MAX_LIMIT). */
const PAGE = 200;

/**
 * How far back each pass reads again past its cursor. A filename is stamped when its write starts, so a slow write
 * can appear after a faster, later-stamped one was already listed; reading the last minute again (rows replace
 * themselves) means such a record is never skipped.
 */
const OVERLAP_MS = 60_000;

/** Rules are read again this often (they change rarely; the leaderboard every pass). */
const RULES_EVERY_MS = 3600_000;

const LISTS: { kind: 'message' | 'result'; path: string }[] = [
  { kind: 'message', path: '/v1/messages' },
  { kind: 'result', path: '/v1/results' },
];

interface Listing {
  items?: unknown[];
  next?: string | null;
}

export interface FollowerOptions {
  record: MirrorRecord;
  collab: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Between passes when the last one worked (default the listing TTL). */
  pollMs?: number;
  /** The longest wait after failures (they double from pollMs). */
  maxBackoffMs?: number;
  /** The collab's rules (its central README), read now and then; null when they cannot be read. */
  readRules?: () => Promise<string | null>;
  /** After every pass, worked or not. */
  onPass?: (collab: string) => void;
  /**
   * A handle on the collab (an agent registered from here) whose /v1/updates stream the follower long-polls: its
   * mentions, replies and the organizers' broadcasts wake a pass at once instead of at the next poll. Null: polling
   * only.
   */
  watchAs?: () => string | null;
}

/** The time a filename's stamp names (`20261203-163227-123_ada.md`), NaN when it is no stamp. */
export function stampTime(filename: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})/.exec(filename);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

/** `20261203-163227-123_ada.md` less `ms`, as a filename bound ("20261203-163127-123"); null when it is no stamp. */
export function stampBefore(filename: string, ms: number): string | null {
  const t = stampTime(filename);
  if (Number.isNaN(t)) return null;
  const at = new Date(t - ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-` +
    `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}-${p(at.getUTCMilliseconds(), 3)}`
  );
}

function rowOf(item: unknown, kind: MirrorKind): MirrorRecordRow | null {
  if (typeof item !== 'object' || item === null) return null;
  // A registration (agents.py AgentRecord) is flat, named by its agent_id: kept whole as its frontmatter.
  if (kind === 'agent') {
    const a = item as Record<string, unknown>;
    const id = typeof a.agent_id === 'string' ? a.agent_id : null;
    if (!id || id.length > 100) return null;
    return { kind, filename: id, frontmatter: a, body: typeof a.bio === 'string' ? a.bio : '', verification: null };
  }
  const r = item as { filename?: unknown; frontmatter?: unknown; body?: unknown; verification?: unknown };
  if (typeof r.filename !== 'string' || r.filename.length === 0 || r.filename.length > 400) return null;
  const frontmatter =
    typeof r.frontmatter === 'object' && r.frontmatter !== null && !Array.isArray(r.frontmatter)
      ? (r.frontmatter as Record<string, unknown>)
      : {};
  const verification =
    typeof r.verification === 'string'
      ? r.verification
      : typeof (r.verification as { state?: unknown } | null)?.state === 'string'
        ? ((r.verification as { state: string }).state as string)
        : typeof frontmatter.verification === 'string'
          ? frontmatter.verification
          : null;
  return {
    kind,
    filename: r.filename,
    frontmatter,
    body: typeof r.body === 'string' ? r.body : '',
    verification: kind === 'result' ? verification : null,
  };
}

/** Why a pass failed, in words a status line can show. */
function reasonOf(err: unknown): string {
  if (err instanceof CollabCallError)
    return err.status === null ? err.message : `${err.code}: ${err.message} (HTTP ${err.status})`;
  return String((err as Error)?.message ?? err);
}

export class CollabFollower {
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  private rulesAt = 0;
  /** Whether the last pass reached the collab. */
  live = false;

  constructor(
    private readonly apiUrl: string,
    private readonly options: FollowerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts following: a pass now, then one per poll interval, and the long-poll where there is a handle. */
  start(): void {
    this.wake();
    this.watching = this.watch().catch(() => undefined);
  }

  private watching: Promise<void> | null = null;

  /**
   * GET /v1/updates?as=&after=&wait=55 in a loop (the public long-poll, DESIGN.md §13): anything delivered wakes a
   * pass. An older server (404) has none: then polling alone. Failures back off as passes do.
   */
  private async watch(): Promise<void> {
    const api = new CollabApi({
      apiUrl: this.apiUrl,
      token: () => null,
      fetch: this.options.fetch,
      signal: this.abort.signal,
      // Past the server's own 55 s ceiling: a parked request answers before this.
      timeoutMs: 70_000,
    });
    let cursor: string | null = null;
    let first = true;
    let failures = 0;
    while (!this.stopped) {
      const handle = this.options.watchAs?.() ?? null;
      if (handle === null) return;
      const query = new URLSearchParams({ as: handle, wait: first ? '0' : '55' });
      if (cursor !== null) query.set('after', cursor);
      try {
        const asked = this.now();
        const page = await api.call<{ items?: unknown[]; cursor?: string | null }>('GET', `/v1/updates?${query}`);
        failures = 0;
        if (typeof page.cursor === 'string') cursor = page.cursor;
        const delivered = (page.items?.length ?? 0) > 0;
        // The first read only finds where the stream is now: what came before it, a pass reads anyway.
        if (!first && delivered) this.wake();
        // A server that answers a wait at once with nothing (no parking, or degraded to plain polls) is asked again
        // at the poll's pace, never in a tight loop.
        if (!first && !delivered && this.now() - asked < 1000) await this.pause(this.options.pollMs ?? LISTING_TTL_MS);
        first = false;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof CollabCallError && (err.status === 404 || err.status === 422)) return;
        failures += 1;
        const poll = this.options.pollMs ?? LISTING_TTL_MS;
        await this.pause(Math.min(this.options.maxBackoffMs ?? 300_000, poll * 2 ** failures));
      }
    }
  }

  /** Waits `ms`, or less when the follower stops. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** A pass now (a change heard of, a user's refresh); one under way is followed by another. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch(() => undefined)
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
          return;
        }
        const poll = this.options.pollMs ?? LISTING_TTL_MS;
        const wait =
          this.failures === 0 ? poll : Math.min(this.options.maxBackoffMs ?? 300_000, poll * 2 ** this.failures);
        this.timer = setTimeout(() => this.wake(), wait);
        this.timer.unref?.();
      });
  }

  /** Resolves once the pass under way (if any) has ended: what a test or a "refresh" waits on. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(() => undefined);
    await this.watching;
  }

  /** One pass: every list up to the present, pending verifications, the leaderboard, now and then the rules. */
  async pass(): Promise<void> {
    const { record, collab } = this.options;
    const api = new CollabApi({
      apiUrl: this.apiUrl,
      // Tokenless: a mirror reads what anyone may read, and never sends the person's token.
      token: () => null,
      fetch: this.options.fetch,
      signal: this.abort.signal,
      timeoutMs: 30_000,
    });
    try {
      // The board and the results are the copy: a pass that cannot read them has not caught up.
      for (const list of LISTS) await this.readList(api, list.kind, list.path, list.kind);
      // The rest is read best-effort: a collab whose leaderboard (or one pending result) answers 500 is still
      // reachable and its board current; what failed is said, the copy is not called offline for it.
      const partial: string[] = [];
      const part = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await read();
        } catch (err) {
          if (this.stopped || (err instanceof CollabCallError && err.status === null)) throw err;
          partial.push(`${what}: ${reasonOf(err)}`);
          return undefined;
        }
      };
      await part('channels', () => this.readChannels(api));
      await part('agents', () => this.readAgents(api));
      await part('verdicts', () => this.readVerdicts(api));
      const leaderboard = await part('leaderboard', () =>
        api.call<Record<string, unknown>>('GET', '/v1/leaderboard?limit=100'),
      );
      const rules = await part('rules', () => this.readRules());
      if (this.stopped) return;
      const at = this.now();
      record.markPass(collab, {
        caught_up_at: at,
        checked_at: at,
        error: partial.length > 0 ? `reachable, but not everything could be read: ${partial.join('; ')}` : null,
        ...(leaderboard !== undefined ? { leaderboard } : {}),
        ...(rules !== undefined ? { readme: rules } : {}),
      });
      const row = record.collab(collab);
      if (row) record.evict(collab, row.budget_bytes);
      this.failures = 0;
      this.live = true;
    } catch (err) {
      if (this.stopped) return;
      this.failures += 1;
      this.live = false;
      const reached = err instanceof CollabCallError && err.status !== null;
      record.markPass(collab, { error: reasonOf(err), ...(reached ? { checked_at: this.now() } : {}) });
      throw err;
    } finally {
      this.options.onPass?.(collab);
    }
  }

  /**
   * Where a list's read starts: a minute before its cursor while the cursor is recent (a slow write stamped just
   * before it may still land), the cursor itself once it is older than that could be (no write takes minutes). The
   * stamps are the collab's clock: a skew of our clock against it up to OVERLAP_MS is covered by the doubled margin.
   */
  private overlapFrom(cursor: string): string {
    const back = stampBefore(cursor, OVERLAP_MS);
    const ageMs = this.now() - stampTime(cursor);
    return back !== null && !(ageMs > 2 * OVERLAP_MS) ? back : cursor;
  }

  /** One list read from its cursor (less the overlap) to the present, page by page, each page stored with its cursor. */
  private async readList(api: CollabApi, kind: 'message' | 'result', path: string, list: string): Promise<void> {
    const { record, collab } = this.options;
    const cursor = record.collab(collab)?.cursors[list] ?? null;
    let after = cursor === null ? null : this.overlapFrom(cursor);
    for (;;) {
      const query = new URLSearchParams({ expand: 'true', order: 'asc', limit: String(PAGE) });
      if (after !== null) query.set('after', after);
      const page = await api.call<Listing>('GET', `${path}?${query}`);
      const rows = (page.items ?? []).map((i) => rowOf(i, kind)).filter((r): r is MirrorRecordRow => r !== null);
      if (this.stopped) return;
      const last = rows.at(-1)?.filename ?? null;
      // The cursor never moves back: an overlap page ends at or before the stored cursor.
      const stored = record.collab(collab)?.cursors[list] ?? null;
      const next = last !== null && (stored === null || last > stored) ? { list, filename: last } : null;
      record.storePage(collab, kind, rows, next, this.now());
      if (!page.next || rows.length === 0) return;
      after = page.next;
    }
  }

  /**
   * The channels (newer servers; an older one answers 404 and has none): each one's summary, and the messages of
   * those active since they were last read, from their own cursors. Their messages never appear on the board.
   */
  private async readChannels(api: CollabApi): Promise<void> {
    const { record, collab } = this.options;
    let listing: { items?: unknown[] };
    try {
      listing = await api.call<{ items?: unknown[] }>('GET', '/v1/channels?limit=500');
    } catch (err) {
      if (err instanceof CollabCallError && err.status === 404) return;
      throw err;
    }
    const channels = (listing.items ?? []).filter(
      (c): c is { name: string; last_activity?: unknown; theme_excerpt?: unknown } =>
        typeof c === 'object' && c !== null && typeof (c as { name?: unknown }).name === 'string',
    );
    const rows: MirrorRecordRow[] = channels.map((c) => ({
      kind: 'channel',
      filename: c.name,
      frontmatter: c as Record<string, unknown>,
      body: typeof c.theme_excerpt === 'string' ? c.theme_excerpt : '',
      verification: null,
    }));
    if (this.stopped) return;
    record.storePage(collab, 'channel', rows, null, this.now());
    for (const c of channels) {
      // Read unless its newest message (last_activity, a stamp) is no newer than what its cursor already holds.
      if ((c as { message_count?: unknown }).message_count === 0) continue;
      const cursor = record.collab(collab)?.cursors[`channel:${c.name}`] ?? null;
      const active = typeof c.last_activity === 'string' ? c.last_activity : null;
      if (cursor !== null && active !== null && active <= cursor.slice(0, active.length)) continue;
      await this.readList(api, 'message', `/v1/channels/${encodeURIComponent(c.name)}/messages`, `channel:${c.name}`);
    }
  }

  /** Agents' filenames are their ids, not stamps: the whole list is read (one page for any collab so far). */
  private async readAgents(api: CollabApi): Promise<void> {
    const { record, collab } = this.options;
    let after: string | null = null;
    for (;;) {
      const query = new URLSearchParams({ expand: 'true', order: 'asc', limit: String(PAGE) });
      if (after !== null) query.set('after', after);
      const page = await api.call<Listing>('GET', `/v1/agents?${query}`);
      const rows = (page.items ?? []).map((i) => rowOf(i, 'agent')).filter((r): r is MirrorRecordRow => r !== null);
      if (this.stopped) return;
      record.storePage(collab, 'agent', rows, null, this.now());
      if (!page.next || rows.length === 0) return;
      after = page.next;
    }
  }

  /**
   * The verdicts: the filenames the collab lists as valid, then as invalid (filenames only, 500 a page: two requests
   * for any collab so far), against the copy's. A public result stays pending unless its verifier ran (only new
   * bests are verified), so asking about each pending one would cost a request per result per pass, forever.
   */
  private async readVerdicts(api: CollabApi): Promise<void> {
    const { record, collab } = this.options;
    const stored = record.verdicts(collab);
    if (stored.size === 0) return;
    const decided = new Map<string, string>();
    for (const state of ['valid', 'invalid']) {
      let after: string | null = null;
      for (;;) {
        const query = new URLSearchParams({ verification: state, order: 'asc', limit: '500' });
        if (after !== null) query.set('after', after);
        const page = await api.call<Listing>('GET', `/v1/results?${query}`);
        const names = (page.items ?? []).filter((n): n is string => typeof n === 'string');
        for (const n of names) decided.set(n, state);
        if (!page.next || names.length === 0) break;
        after = page.next;
      }
    }
    const changes: { filename: string; verification: string | null }[] = [];
    for (const [filename, now] of stored) {
      const upstream = decided.get(filename) ?? 'pending';
      // Pending here and not decided there: still pending (no request needed to know it).
      if (upstream !== now && !(upstream === 'pending' && now === null))
        changes.push({ filename, verification: upstream });
    }
    if (!this.stopped) record.setVerification(collab, changes);
  }

  /** undefined: not due (or unreadable this time; the last copy stays). */
  private async readRules(): Promise<string | null | undefined> {
    if (!this.options.readRules || this.now() - this.rulesAt < RULES_EVERY_MS) return undefined;
    const text = await this.options.readRules();
    if (text === null) return undefined;
    this.rulesAt = this.now();
    return text;
  }
}
