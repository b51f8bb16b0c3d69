// The one error of the sync service: a stable code, a plain sentence, and the next step a person can take.

import { CodedError } from '../shared/errors';

/** Every code of src/sync; each has its HTTP status in ERROR_STATUS, so a refusal reaches the dashboard unchanged. */
export type SyncErrorCode =
  | 'NOT_SIGNED_IN'
  | 'TOKEN_INVALID'
  | 'HF_UNREACHABLE'
  | 'HF_ERROR'
  | 'DEVICE_FLOW_FAILED'
  | 'DEVICE_CODE_EXPIRED'
  | 'BROWSER_LOGIN_FAILED'
  | 'SIGN_IN_EXPIRED'
  | 'ACCESS_DENIED'
  | 'NOT_A_COLLAB'
  | 'COLLAB_UNREACHABLE'
  | 'NOT_ORG_MEMBER'
  | 'NOT_OURS'
  | 'COLLAB_NOT_CONNECTED'
  | 'NOT_FOLLOWED'
  | 'COLLAB_AGENT_UNKNOWN'
  | 'COLLAB_REFUSED'
  | 'PREVIEW_STALE'
  | 'PRIVATE_CONTENT'
  | 'OUTBOX_ITEM_NOT_FOUND'
  | 'OUTBOX_ITEM_FINISHED'
  | 'RATE_LIMITED'
  // Jobs on a collab's hardware (collab-jobs.ts): codes the hub already answers with.
  | 'JOBS_DISABLED'
  | 'QUOTA_EXCEEDED'
  | 'NOT_REGISTERED'
  | 'NOT_FOUND'
  | 'INVALID_PATH'
  | 'SYNC_TOO_LARGE'
  | 'SECRET_IN_FILE'
  // Jobs on the user's own Hugging Face Jobs (hf-jobs.ts).
  | 'PAYMENT_REQUIRED'
  | 'INVALID_CONFIG';

/** Every refusal of src/sync: `message` says what happened, `next` what to do; neither ever holds a token. */
export class SyncError extends CodedError<SyncErrorCode> {
  constructor(code: SyncErrorCode, message: string, next: string) {
    super(code, message, next);
  }

  /** What to do about it. */
  get next(): string {
    return this.hint ?? '';
  }

  /** "<what happened>; <what to do>", the line a CLI prints. */
  override get display(): string {
    return `${this.message}; ${this.next}`;
  }
}

/** The network's own words for a failed fetch (ECONNREFUSED, ENOTFOUND), which undici hides under `cause`. */
export function networkReason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
