// The one error of the sync service: a stable code, a plain sentence, and the next step a person can take.

export type SyncErrorCode =
  | 'NOT_SIGNED_IN'
  | 'TOKEN_INVALID'
  | 'HF_UNREACHABLE'
  | 'HF_ERROR'
  | 'DEVICE_FLOW_FAILED'
  | 'DEVICE_CODE_EXPIRED'
  | 'ACCESS_DENIED'
  | 'NOT_A_COLLAB'
  | 'COLLAB_UNREACHABLE'
  | 'NOT_ORG_MEMBER'
  | 'NOT_OURS';

/** Every refusal of src/sync: `message` says what happened, `next` what to do; neither ever holds a token. */
export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly next: string,
  ) {
    super(message);
    this.name = 'SyncError';
  }

  /** "<what happened>: <what to do>", the line a CLI prints. */
  get display(): string {
    return `${this.message}; ${this.next}`;
  }
}

/** The network's own words for a failed fetch (ECONNREFUSED, ENOTFOUND), which undici hides under `cause`. */
export function networkReason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
