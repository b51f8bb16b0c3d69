// ApiError: a refusal the inference host answers in OpenAI's error shape, with its HTTP status.
import type { ChatErrorBody } from './openai-types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ChatErrorBody['error']['type'] = status === 401
      ? 'authentication_error'
      : status === 404
        ? 'not_found_error'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error',
    /** The request field at fault, e.g. "messages[2].role". */
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ChatErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}
