// The one error a /v1 client reports: the hub's `{error:{code,message,hint}}` refusal, or a hub it could not use.
import { CodedError, type ApiErrorBody, type ErrorCode } from './errors';

/**
 * Codes a client reports itself, beside the hub's own: no answer, an answer that is not the hub's, a folder read as a
 * file, a file listed as a folder.
 */
export type ClientErrorCode = 'HUB_UNREACHABLE' | 'BAD_RESPONSE' | 'IS_A_FOLDER' | 'NOT_A_FOLDER';

/**
 * The hub's codes and the client's; any other string too, since a newer hub (or a proxy in front of it) may send a
 * code this build does not know, and the code is still what callers branch on.
 */
export type HubErrorCode = ErrorCode | ClientErrorCode | (string & Record<never, never>);

/**
 * A refusal from the hub, or a hub that could not be reached (status 0, HUB_UNREACHABLE). Its message and hint are
 * the hub's own words (or the client's, written the same way), so they can be shown to agents and people as they
 * are: they never hold a token.
 */
export class HubClientError extends CodedError<HubErrorCode> {
  constructor(
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    code: HubErrorCode,
    message: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    super(code, message, hint, options);
  }
}

/** Whether a parsed body is the hub's error shape (a proxy's or another server's error page is not). */
export function isErrorBody(value: unknown): value is ApiErrorBody {
  const e = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
}
