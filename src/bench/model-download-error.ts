// ModelDownloadError: a model pull that could not finish, with a code a caller can act on and a message a user can follow.

export type ModelDownloadErrorCode =
  /** The repo id, file name, revision, sha256, hub URL or token given cannot be used as is. */
  | 'INVALID_INPUT'
  /** The hub could not be reached at all (offline, DNS, refused, timed out). */
  | 'OFFLINE'
  /** The repo, revision or file does not exist (or is private and no token can see it). */
  | 'NOT_FOUND'
  /** A gated repo whose license this account (or no account) has not accepted. */
  | 'GATED'
  /** The token was rejected, or access is refused for another reason. */
  | 'UNAUTHORIZED'
  /** Any other HTTP failure (rate limit, server error). */
  | 'HTTP'
  /** The server did not answer like the Hugging Face Hub (missing commit, etag or size). */
  | 'BAD_RESPONSE'
  /** The transfer broke off; the bytes received so far are kept for the next pull to resume. */
  | 'NETWORK'
  /** The bytes do not hash to the expected sha256; nothing is kept. */
  | 'HASH_MISMATCH'
  /** The Hub's file has another size than the one expected. */
  | 'SIZE_MISMATCH'
  /** Not enough free disk space in the cache folder. */
  | 'NO_SPACE'
  /** Another pull of the same file is running. */
  | 'BUSY'
  /** Cancelled through the caller's AbortSignal; the partial file is kept for a later resume. */
  | 'CANCELLED';

export class ModelDownloadError extends Error {
  /** For HASH_MISMATCH: the sha256 that was expected and the one the file has, so a caller can word its own refusal. */
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  /** For HASH_MISMATCH: the Hub itself announced the other sha256 (the file changed there), rather than bytes arriving wrong. */
  readonly changedOnHub: boolean;

  constructor(
    readonly code: ModelDownloadErrorCode,
    message: string,
    options?: { cause?: unknown; expected?: string; actual?: string; changedOnHub?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelDownloadError';
    this.expected = options?.expected;
    this.actual = options?.actual;
    this.changedOnHub = options?.changedOnHub ?? false;
  }
}
