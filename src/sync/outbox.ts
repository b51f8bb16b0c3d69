// The durable outbox: every publish is a row of the record (and its files on disk) before the first attempt, sent step by step with backoff, Retry-After and the collab's limits, resumed after any crash.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  OutboxError,
  OutboxItem,
  OutboxRecord,
  OutboxRow,
  OutboxState,
  OutboxStep,
  OutboxStepName,
  PlannedCall,
} from '../shared/sync-api';
import { writeFiles } from './bucket-writer';
import { CollabApi, CollabCallError, existingFilename } from './collab-api';
import { PUBLIC_RESULT_REF, type PublishPlan } from './publish-plan';
import { SyncError } from './sync-error';

/** What the row's `plan` column holds: enough to send it again after a restart, with nothing secret in it. */
interface StoredPlan {
  api_url: string;
  bucket: string;
  digest: string;
  /** `after_promote`: the trace manifest, uploaded by the trace step with the public result's filename in it. */
  files: { path: string; sha256: string; bytes: number; after_promote?: true }[];
  calls: PlannedCall[];
  /** The local result's filename, to find a promote that reached the collab before a crash. */
  local_result: string;
  /** The board post's text, to find a post that reached the collab before a crash. */
  message: string | null;
}

export interface OutboxOptions {
  record: OutboxRecord;
  /** Where each item's files wait until sent (`<data>/sync/outbox/<id>/`). */
  folder: string;
  hubUrl: string;
  /** The HF token at the moment of sending (null: signed out), renewed first where the login is renewable. */
  token: () => string | null | Promise<string | null>;
  fetch?: typeof fetch;
  now?: () => number;
  /** First retry delay after a failure; it doubles per attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Attempts before an item that keeps meeting network errors or 5xx is failed. */
  maxAttempts?: number;
  /** Bucket-sourced writes per agent bucket (the public settings bucket_write_burst 20, bucket_write_per_minute 60). */
  bucketBurst?: number;
  bucketPerMinute?: number;
  onChange: (item: OutboxItem) => void;
}

const STEP_OF: Record<string, OutboxStepName> = {
  '/v1/results': 'promote',
  '/v1/artifacts:sync': 'artifacts',
  '/v1/traces': 'trace',
  '/v1/messages': 'message',
};

/**
 * The collab's limit on bucket-sourced writes, kept per agent bucket so the outbox never spends a request the collab
 * would refuse: the public backend checks two token buckets (backend/app/deps.py get_bucket_write_limiter): a burst
 * of `burst` refilled at `burst` a minute, and `perMinute` refilled at `perMinute` a minute. The sustained rate is
 * the smaller of the two refills (20 a minute with the defaults), not the 60 the setting's name suggests.
 */
export class WriteBudget {
  private readonly rules: { capacity: number; perMinute: number }[];
  private readonly state = new Map<string, { tokens: number[]; at: number; pausedUntil: number }>();
  constructor(burst: number, perMinute: number) {
    this.rules = [
      { capacity: burst, perMinute: burst },
      { capacity: perMinute, perMinute },
    ];
  }

  /** How many ms until a write may go (0: now), taking nothing. */
  peek(key: string, now: number): number {
    const s = this.state.get(key);
    if (!s) return 0;
    if (now < s.pausedUntil) return s.pausedUntil - now;
    const tokens = s.tokens.map((t, i) =>
      Math.min(this.rules[i]!.capacity, t + ((now - s.at) * this.rules[i]!.perMinute) / 60_000),
    );
    return Math.max(...tokens.map((t, i) => (t >= 1 ? 0 : Math.ceil(((1 - t) * 60_000) / this.rules[i]!.perMinute))));
  }

  /** 0 when a write may go now (and takes it), else how many ms until one may. */
  take(key: string, now: number): number {
    const s = this.state.get(key) ?? { tokens: this.rules.map((r) => r.capacity), at: now, pausedUntil: 0 };
    this.state.set(key, s);
    if (now < s.pausedUntil) return s.pausedUntil - now;
    s.tokens = s.tokens.map((t, i) =>
      Math.min(this.rules[i]!.capacity, t + ((now - s.at) * this.rules[i]!.perMinute) / 60_000),
    );
    s.at = now;
    const waits = s.tokens.map((t, i) => (t >= 1 ? 0 : Math.ceil(((1 - t) * 60_000) / this.rules[i]!.perMinute)));
    const wait = Math.max(...waits);
    if (wait === 0) s.tokens = s.tokens.map((t) => t - 1);
    return wait;
  }

  /**
   * The collab said 429: nothing more to it until Retry-After has passed, and then one write (the collab's own
   * buckets hold a token again by then); ours refill from there.
   */
  pause(key: string, until: number): void {
    const s = this.state.get(key) ?? { tokens: [], at: until, pausedUntil: 0 };
    s.pausedUntil = Math.max(s.pausedUntil, until);
    s.at = s.pausedUntil;
    s.tokens = this.rules.map(() => 1);
    this.state.set(key, s);
  }
}

/** How long a cancelled item keeps its files for a retry. */
const CANCELLED_KEEP_MS = 7 * 24 * 3600_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function itemOf(row: OutboxRow): OutboxItem {
  return {
    id: row.id,
    collab: row.collab,
    agent: row.agent,
    result: row.result,
    state: row.state,
    steps: row.steps,
    attempts: row.attempts,
    next_attempt_at: iso(row.next_attempt_at),
    error: row.error,
    public_filename: row.public_filename,
    public_url: row.public_url,
    bytes: row.bytes,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Writes a file and flushes it to the disk: the outbox's files must outlive a power cut as its row does. */
function writeDurably(path: string, content: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems (and Windows) cannot open a folder to flush it; the rename is as durable as they make it.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** A waiting item whose wait is only the rate limit: it is sent by itself, nobody needs to act. */
class RateWait extends Error {
  constructor(
    readonly ms: number,
    /** Whether this try had sent something before it met the limit. */
    readonly reached: boolean,
  ) {
    super('rate');
  }
}

export class Outbox {
  private readonly now: () => number;
  private readonly budget: WriteBudget;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly cancelled = new Set<string>();
  private readonly abort = new AbortController();

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.budget = new WriteBudget(options.bucketBurst ?? 20, options.bucketPerMinute ?? 60);
  }

  /** Resumes what a stopped or killed process left: `sending` rows go on from their first step not done. */
  start(): void {
    // Items not yet sent keep their files (to be sent, or sent again on retry); a sent item's files are in the bucket,
    // and an item cancelled more than CANCELLED_KEEP_MS ago is not coming back (a retry then says to publish again).
    const oldest = this.now() - CANCELLED_KEEP_MS;
    const keep = new Set(
      this.options.record
        .list(100_000)
        .filter((r) => r.state !== 'sent' && !(r.state === 'cancelled' && r.updated_at < oldest))
        .map((r) => r.id),
    );
    // A folder without a row is a publish that crashed before its row was written: it was never acknowledged.
    if (existsSync(this.options.folder))
      for (const name of readdirSync(this.options.folder))
        if (!keep.has(name)) rmSync(join(this.options.folder, name), { recursive: true, force: true });
    this.kick();
  }

  /** Queues a plan: its files are on disk and its row committed before this returns; then sending starts. */
  enqueue(
    plan: PublishPlan,
    collab: { id: string; api_url: string },
    agent: string,
    message: string | null,
  ): OutboxItem {
    const id = `ob_${this.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const staging = join(this.options.folder, `${id}.tmp`);
    for (const f of plan.files) writeDurably(join(staging, f.path), f.content);
    renameSync(staging, join(this.options.folder, id));
    // The rename is on disk before the row is: a power cut never leaves a row whose files are still "<id>.tmp".
    syncDirectory(this.options.folder);
    const stored: StoredPlan = {
      api_url: collab.api_url,
      bucket: plan.bucket,
      digest: plan.digest,
      files: plan.files.map((f) => ({
        path: f.path,
        sha256: sha256(f.content),
        bytes: f.content.length,
        ...(f.afterPromote ? { after_promote: true as const } : {}),
      })),
      calls: plan.calls,
      local_result: plan.preview.result,
      message,
    };
    const steps: OutboxStep[] = [
      { step: 'upload', done: false, detail: null },
      ...plan.calls.map((c): OutboxStep => ({ step: STEP_OF[c.path] ?? 'promote', done: false, detail: null })),
    ];
    const at = this.now();
    const row: OutboxRow = {
      id,
      collab: collab.id,
      agent,
      result: plan.preview.result,
      state: 'queued',
      plan: JSON.stringify(stored),
      steps,
      attempts: 0,
      next_attempt_at: null,
      error: null,
      public_filename: null,
      public_url: null,
      bytes: plan.preview.bytes,
      created_at: at,
      updated_at: at,
    };
    this.options.record.insert(row);
    const item = itemOf(row);
    this.options.onChange(item);
    this.kick();
    return item;
  }

  counts(): Record<OutboxState, number> {
    return this.options.record.counts();
  }

  list(limit = 200): OutboxItem[] {
    return this.options.record.list(limit).map(itemOf);
  }

  retry(id: string): OutboxItem {
    const row = this.require(id);
    if (row.state === 'sent') throw new SyncError('OUTBOX_ITEM_FINISHED', `${id} was sent`, 'nothing is left to send');
    if (row.state === 'sending') return itemOf(row);
    this.cancelled.delete(id);
    // A failed or cancelled item starts over its attempts; a waiting one is tried now (the write budget still holds).
    const patch: Partial<OutboxRow> =
      row.state === 'queued'
        ? { next_attempt_at: null }
        : { state: 'queued', next_attempt_at: null, error: null, attempts: 0 };
    const item = this.update(row, patch);
    this.kick();
    return item;
  }

  cancel(id: string): OutboxItem {
    const row = this.require(id);
    if (row.state === 'sent' || row.state === 'cancelled')
      throw new SyncError('OUTBOX_ITEM_FINISHED', `${id} is ${row.state}`, 'nothing is left to cancel');
    // A step already under way finishes (the collab may have it); the next one is not started.
    this.cancelled.add(id);
    return this.update(row, { state: 'cancelled', next_attempt_at: null });
  }

  /** Stops sending: a step under way is abandoned and resumed on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.draining?.catch(() => undefined);
  }

  private require(id: string): OutboxRow {
    const row = this.options.record.get(id);
    if (!row) throw new SyncError('OUTBOX_ITEM_NOT_FOUND', `no outbox item ${id}`, 'GET /v1/sync/outbox lists them');
    return row;
  }

  /**
   * Writes only what changed (a send under way must never write back a state another call set, such as a cancel),
   * then reads the row back so the caller and the news both see what the record holds.
   */
  private update(row: OutboxRow, patch: Partial<OutboxRow>): OutboxItem {
    const { id: _id, created_at: _created, ...changes } = patch;
    void _id;
    void _created;
    this.options.record.update(row.id, { ...changes, updated_at: this.now() });
    Object.assign(row, this.options.record.get(row.id) ?? { ...row, ...changes });
    const item = itemOf(row);
    this.options.onChange(item);
    return item;
  }

  private kick(): void {
    if (this.closed) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err: unknown) => {
        // The record refused a write (a full disk): the rows stay as they were and the next kick resumes them.
        console.error(`collab-desk sync: the outbox stopped: ${(err as Error)?.message ?? err}`);
      })
      .finally(() => {
        this.draining = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Sends due items one at a time, oldest first; then sleeps until the next one is due. */
  private async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (;;) {
      if (this.closed) return;
      const now = this.now();
      const rows = this.options.record.unfinished();
      const due = rows.find((r) => r.next_attempt_at === null || r.next_attempt_at <= now);
      if (!due) {
        const next = Math.min(...rows.map((r) => r.next_attempt_at ?? Infinity));
        if (Number.isFinite(next)) {
          this.timer = setTimeout(() => this.kick(), Math.max(10, next - now));
          this.timer.unref?.();
        }
        return;
      }
      await this.send(due);
      // Let requests in between sends: a burst of queued items never holds the hub's event loop.
      await new Promise((r) => setImmediate(r));
    }
  }

  private async send(picked: OutboxRow): Promise<void> {
    // Read again: a cancel may have come since the list was read.
    const row = this.options.record.get(picked.id);
    if (!row || (row.state !== 'queued' && row.state !== 'sending')) return;
    const plan = JSON.parse(row.plan) as StoredPlan;
    const token = await this.options.token();
    if (!token) {
      this.fail(row, {
        code: 'NOT_SIGNED_IN',
        message: 'not signed in to Hugging Face',
        next: 'sign in (collab-desk sync login), then retry',
      });
      return;
    }
    // An item whose next step is a collab write waits for the budget while queued: no flicker through "sending".
    const next = row.steps.find((s) => !s.done);
    if (next && next.step !== 'upload') {
      const wait = this.budget.peek(plan.bucket, this.now());
      if (wait > 0) {
        this.onFailure(row, plan, new RateWait(wait, false), false);
        return;
      }
    }
    this.update(row, { state: 'sending', attempts: row.attempts + 1, next_attempt_at: null });
    /** Whether this try reached the network: a wait for the write budget alone is not an attempt. */
    let reached = false;
    const api = new CollabApi({
      apiUrl: plan.api_url,
      token: () => token,
      fetch: this.options.fetch,
      signal: this.abort.signal,
    });
    try {
      for (const name of row.steps.map((s) => s.step)) {
        // Read from the row each time: every update replaces it with what the record holds.
        const step = row.steps.find((s) => s.step === name)!;
        if (step.done) continue;
        if (this.cancelled.has(row.id) || (row.state as OutboxState) === 'cancelled' || this.closed) return;
        if (step.step === 'upload') {
          reached = true;
          const first = plan.files.filter((f) => !f.after_promote);
          await this.upload(row, plan, token, first);
          this.markStep(row, step, `${first.length} files to ${plan.bucket}`);
          continue;
        }
        if (step.step === 'trace') {
          // The manifest names the public result: written now that the collab has given its filename. Sharing a
          // session again replaces it on the collab, so a try cut short is simply made again.
          const manifests = plan.files.filter((f) => f.after_promote);
          const promoted = row.public_filename;
          if (manifests.length > 0) {
            if (!promoted)
              throw new SyncError('PREVIEW_STALE', 'the trace step came before the promote', 'publish it again');
            reached = true;
            await this.upload(row, plan, token, manifests, (path, content) =>
              path.endsWith('/manifest.md')
                ? Buffer.from(content.toString('utf8').replaceAll(PUBLIC_RESULT_REF, promoted))
                : content,
            );
          }
        }
        const call = plan.calls.find((c) => STEP_OF[c.path] === step.step)!;
        const wait = this.budget.take(plan.bucket, this.now());
        if (wait > 0) throw new RateWait(wait, reached);
        reached = true;
        const found = step.detail === 'tried' ? await this.findSent(api, row, plan, step.step) : null;
        let detail = found;
        if (detail === null) {
          // Marked before the call: if this process dies with the call in flight, the next start looks before sending again.
          this.markStep(row, step, 'tried', false);
          detail = await this.call(api, call, step.step);
        }
        this.markStep(row, step, detail);
        if (step.step === 'promote')
          this.update(row, {
            public_filename: detail,
            public_url: `${plan.api_url}/v1/results/${encodeURIComponent(detail)}`,
          });
      }
    } catch (err) {
      this.onFailure(row, plan, err);
      return;
    }
    // Sent is the truth once every step is done, even when a cancel came during the last one.
    if (!row.steps.every((s) => s.done)) return;
    this.update(row, { state: 'sent', error: null, next_attempt_at: null });
    // Its files are in the bucket now; only unsent items keep theirs here (to be sent again). Best effort: a file
    // held open by another program stays behind, the item is sent all the same.
    try {
      rmSync(join(this.options.folder, row.id), { recursive: true, force: true });
    } catch {
      /* left for the next start, which removes folders of sent items */
    }
  }

  private async upload(
    row: OutboxRow,
    plan: StoredPlan,
    token: string,
    which: StoredPlan['files'],
    fill?: (path: string, content: Buffer) => Buffer,
  ): Promise<void> {
    const files = which.map((f) => {
      const file = join(this.options.folder, row.id, f.path);
      if (!existsSync(file))
        throw new SyncError(
          'PREVIEW_STALE',
          `${f.path} is no longer on this machine (a cancelled item's files are cleared after 7 days)`,
          'publish it again',
        );
      const content = readFileSync(file);
      // What leaves is what was previewed: a file changed on disk since is refused, not sent.
      if (sha256(content) !== f.sha256)
        throw new SyncError('PREVIEW_STALE', `${f.path} changed on disk since it was queued`, 'publish it again');
      return { path: f.path, content: fill ? fill(f.path, content) : content };
    });
    // One signal per upload, tied to close(): the library adds a listener to the signal it is given and keeps it.
    const upload = new AbortController();
    const stop = () => upload.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    try {
      await writeFiles(
        { hubUrl: this.options.hubUrl, token, bucket: plan.bucket, fetch: this.options.fetch, signal: upload.signal },
        files,
      );
    } finally {
      this.abort.signal.removeEventListener('abort', stop);
    }
  }

  /** One collab call; its answer's filename (or folder), ALREADY_PROMOTED counting as sent. */
  private async call(api: CollabApi, call: PlannedCall, step: OutboxStepName): Promise<string> {
    try {
      const answer = await api.call<{ filename?: string; dest?: string; path?: string }>('POST', call.path, call.body);
      return answer.filename ?? answer.dest ?? answer.path ?? 'done';
    } catch (err) {
      const existing = err instanceof CollabCallError ? existingFilename(err) : null;
      if (existing) return existing;
      if (err instanceof CollabCallError && err.code === 'ALREADY_PROMOTED') return `${step}: already there`;
      throw err;
    }
  }

  /**
   * Whether a call tried before a crash reached the collab: its result carries `local_result`, its post our text.
   * (The public dedup of identical promotes lives in the server's memory and does not survive its restart.)
   */
  private async findSent(
    api: CollabApi,
    row: OutboxRow,
    plan: StoredPlan,
    step: OutboxStepName,
  ): Promise<string | null> {
    type Listing = { items?: { filename: string; frontmatter?: Record<string, unknown>; body?: string }[] };
    const agent = encodeURIComponent(row.agent);
    if (step === 'promote') {
      const list = await api.call<Listing>('GET', `/v1/results?agent=${agent}&expand=true&limit=50`);
      return list.items?.find((r) => r.frontmatter?.local_result === plan.local_result)?.filename ?? null;
    }
    if (step === 'message' && plan.message) {
      const list = await api.call<Listing>('GET', `/v1/messages?agent=${agent}&expand=true&limit=50`);
      return list.items?.find((m) => (m.body ?? '').trim() === plan.message!.trim())?.filename ?? null;
    }
    return null;
  }

  private markStep(row: OutboxRow, step: OutboxStep, detail: string, done = true): void {
    this.update(row, { steps: row.steps.map((s) => (s.step === step.step ? { ...s, done, detail } : s)) });
  }

  private fail(row: OutboxRow, error: OutboxError): void {
    this.update(row, { state: 'failed', error, next_attempt_at: null });
  }

  private onFailure(row: OutboxRow, plan: StoredPlan, err: unknown, counted = true): void {
    if (this.cancelled.has(row.id)) return;
    const now = this.now();
    if (err instanceof RateWait) {
      this.update(row, {
        state: 'queued',
        attempts: err.reached || !counted ? row.attempts : row.attempts - 1,
        next_attempt_at: now + err.ms,
        error: {
          code: 'RATE_LIMITED',
          message: `${row.collab} allows ${this.options.bucketBurst ?? 20} writes at once, then ${Math.min(this.options.bucketBurst ?? 20, this.options.bucketPerMinute ?? 60)} a minute, per agent`,
          next: 'nothing: it is sent by itself when the limit allows',
        },
      });
      return;
    }
    if (err instanceof SyncError) {
      this.fail(row, { code: err.code, message: err.message, next: err.next });
      return;
    }
    if (this.closed) {
      // Abandoned by close(): the next start resumes it as it was.
      this.update(row, { state: 'queued' });
      return;
    }
    if (!(err instanceof CollabCallError)) {
      this.fail(row, {
        code: 'INTERNAL',
        message: String((err as Error)?.message ?? err),
        next: 'retry; if it fails again, report it',
      });
      return;
    }
    const theirs = `${err.code}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
    if (err.kind === 'rate') {
      const waitMs = Math.max(1, err.retryAfterS ?? 60) * 1000;
      this.budget.pause(plan.bucket, now + waitMs);
      this.update(row, {
        state: 'queued',
        next_attempt_at: now + waitMs,
        error: {
          code: 'RATE_LIMITED',
          message: theirs,
          next: 'nothing: it is sent by itself after the wait the collab asked for',
        },
      });
      return;
    }
    if (err.kind === 'auth') {
      this.fail(row, {
        code: 'TOKEN_INVALID',
        message: `your Hugging Face token was refused (${theirs})`,
        next: 'sign in again (collab-desk sync login --device), then retry',
      });
      return;
    }
    if (err.kind === 'refused' && (err.code === 'FORBIDDEN' || err.code === 'HUB_404')) {
      this.fail(row, {
        code: 'ACCESS_DENIED',
        message: `${theirs}: your token cannot write the bucket ${plan.bucket}`,
        next: `sign in with a token that may write ${plan.bucket.split('/')[0]}'s buckets (a write token), then retry`,
      });
      return;
    }
    if (err.kind === 'refused') {
      this.fail(row, {
        code: 'COLLAB_REFUSED',
        message: theirs,
        next: err.hint ?? "read the collab's rules (collab-desk sync collabs), fix the result, then publish again",
      });
      return;
    }
    const maxAttempts = this.options.maxAttempts ?? 12;
    if (row.attempts >= maxAttempts) {
      this.fail(row, {
        code: 'COLLAB_UNREACHABLE',
        message: `${theirs}, ${row.attempts} times`,
        next: "check the connection and the collab's status, then retry",
      });
      return;
    }
    const base = this.options.backoffMs ?? 2_000;
    // A 503 that says when to come back is believed; otherwise the wait doubles per attempt.
    const delay = Math.max(
      Math.min(this.options.maxBackoffMs ?? 300_000, base * 2 ** (row.attempts - 1)),
      (err.retryAfterS ?? 0) * 1000,
    );
    this.update(row, {
      state: 'queued',
      next_attempt_at: now + delay,
      error: {
        code: err.code,
        message: theirs,
        next: `nothing yet: tried again at ${new Date(now + delay).toISOString()}`,
      },
    });
  }
}
