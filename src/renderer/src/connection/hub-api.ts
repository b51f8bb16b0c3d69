// The dashboard's one HTTP client for the hub (same origin): typed JSON calls, the bearer token, the hub's error body.
import type { ApiErrorBody } from '../../../shared/errors';

/** A refusal from the hub, with its code and its hint on what to do instead. */
export class HubApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly hint?: string) {
    super(message);
    this.name = 'HubApiError';
  }

  /** One line a person can act on: what was wrong, then what to do. */
  get display(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

let token: string | null = null;
const tokenListeners = new Set<() => void>();

/** The organizer token, once the desktop bridge or the person gives it; null reads only. */
export function setToken(next: string | null): void {
  if (next === token) return;
  token = next;
  tokenListeners.forEach((fn) => fn());
}

/** The Authorization header the page sends, if signed in: the event stream reads it too (never a URL parameter). */
export function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Called when the page signs in or out: the event stream reconnects as its new reader. */
export function onTokenChange(listener: () => void): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

export function hasToken(): boolean {
  return token !== null;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** One call: the token added, an unreachable hub and the hub's error body turned into a HubApiError. */
async function send(method: string, path: string, body?: unknown, signal?: AbortSignal, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new HubApiError(0, 'HUB_UNREACHABLE', 'the hub does not answer', 'is Collab Desk (or `collab-desk hub`) still running?');
  }
  if (res.ok) return res;
  const text = await res.text();
  let error: Partial<ApiErrorBody['error']> | undefined;
  try { error = (JSON.parse(text) as Partial<ApiErrorBody>).error; } catch { /* not JSON */ }
  throw new HubApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? (text || res.statusText), error?.hint);
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await send(method, path, body, signal);
  const text = await res.text();
  return (text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T;
}

export const hubApi = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', withQuery(path, query), undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
  /** A file's raw response (bytes, streamable: a workspace file), with the same token and errors. */
  raw: (path: string, signal?: AbortSignal) => send('GET', path, undefined, signal, '*/*'),
  /** A file as text. */
  text: async (path: string, signal?: AbortSignal): Promise<string> => (await send('GET', path, undefined, signal, '*/*')).text(),
};

/** A message for any failure: the hub's own words when it refused, else the error's. */
export function errorText(err: unknown): string {
  if (err instanceof HubApiError) return err.display;
  return err instanceof Error ? err.message : String(err);
}
