// HubError: a refusal with its code, message and hint; the error handler turns it into the uniform body.
import type { ErrorCode } from '../shared/errors';

export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    /** Extra response headers, e.g. Retry-After for RATE_LIMITED. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HubError';
  }
}
