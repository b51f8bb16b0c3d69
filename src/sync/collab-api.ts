// Calls to a public collab's /v1 as a Hugging Face user: the HF bearer, the public error body, Retry-After, and what kind of failure each is.
import { networkReason } from './sync-error';

/**
 * How a failed call should be treated: `refused` (the collab said no: fix and retry by hand), `auth` (the token does
 * not work there), `rate` (429: wait Retry-After), `transient` (5xx, unreachable, timeout: retry with backoff).
 */
export type CollabFailureKind = 'refused' | 'auth' | 'rate' | 'transient';

/** A call the collab did not answer with success, in its own words (`{error:{code,message,hint}}`, backend/app/errors.py). */
export class CollabCallError extends Error {
  constructor(
    readonly kind: CollabFailureKind,
    readonly status: number | null,
    readonly code: string,
    message: string,
    readonly hint: string | null,
    /** Seconds the collab asked to wait (Retry-After), for 429 and 503. */
    readonly retryAfterS: number | null,
  ) {
    super(message);
    this.name = 'CollabCallError';
  }
}

export interface CollabApiOptions {
  /** The backend's base URL, without /v1. */
  apiUrl: string;
  /** The HF token, read when a call is made (a sign-out or a new login takes effect at once); never logged. */
  token: () => string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Aborts calls in flight (the outbox closing). */
  signal?: AbortSignal;
}

function kindOf(status: number): CollabFailureKind {
  if (status === 429) return 'rate';
  if (status === 401) return 'auth';
  if (status >= 500 || status === 408) return 'transient';
  return 'refused';
}

function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, (at - Date.now()) / 1000) : null;
}

/** The public backend's error body is `{error:{code,message,hint}}`; FastAPI's own refusals are `{detail}`. */
function readError(status: number, text: string): { code: string; message: string; hint: string | null } {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; hint?: unknown };
      detail?: unknown;
    };
    if (body.error && typeof body.error.code === 'string')
      return {
        code: body.error.code,
        message: typeof body.error.message === 'string' ? body.error.message : `HTTP ${status}`,
        hint: typeof body.error.hint === 'string' ? body.error.hint : null,
      };
    if (body.detail !== undefined)
      return {
        code: status === 422 ? 'INVALID_BODY' : `HTTP_${status}`,
        message: typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail).slice(0, 300),
        hint: null,
      };
  } catch {
    // not JSON: a proxy's page, a Space waking up
  }
  return { code: `HTTP_${status}`, message: `the collab answered ${status}`, hint: null };
}

export class CollabApi {
  constructor(private readonly options: CollabApiOptions) {}

  /** POST or GET one /v1 route; resolves the JSON answer, rejects with a CollabCallError. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.options.apiUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.options.signal
          ? AbortSignal.any([this.options.signal, AbortSignal.timeout(this.options.timeoutMs ?? 60_000)])
          : AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      throw new CollabCallError(
        'transient',
        null,
        'COLLAB_UNREACHABLE',
        `the collab could not be reached (${networkReason(err)})`,
        null,
        null,
      );
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return (text ? JSON.parse(text) : {}) as T;
      } catch {
        throw new CollabCallError(
          'transient',
          response.status,
          'NOT_JSON',
          'the collab answered with no JSON',
          null,
          null,
        );
      }
    }
    const { code, message, hint } = readError(response.status, text);
    throw new CollabCallError(
      kindOf(response.status),
      response.status,
      code,
      message,
      hint,
      retryAfter(response.headers.get('retry-after')),
    );
  }
}

/** `existing filename: X` (AlreadyPromoted's hint in backend/app/errors.py): the public filename of what is already there. */
export function existingFilename(err: CollabCallError): string | null {
  if (err.code !== 'ALREADY_PROMOTED') return null;
  const match = /existing filename:\s*(\S+)/.exec(`${err.hint ?? ''} ${err.message}`);
  return match?.[1] ?? null;
}
