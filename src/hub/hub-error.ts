// HubError: a refusal the hub raises itself, with the response headers it needs (Retry-After); the error handler
// answers it, like every CodedError, as the uniform body.
import { CodedError, type ErrorCode } from '../shared/errors';

export class HubError extends CodedError {
  constructor(
    code: ErrorCode,
    message: string,
    hint?: string,
    /** Extra response headers, e.g. Retry-After for RATE_LIMITED. */
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, hint);
  }
}
