// The dashboard's connection to the hub (same origin): the organizer token, and the shared /v1 client over it.
import { HubClient } from '../../../shared/hub-client';
import { HubClientError } from '../../../shared/hub-error';

/** The shared client's error, under the name the stores know: the hub's refusal (code, hint), or status 0 when unreachable. */
export { HubClientError as HubApiError } from '../../../shared/hub-error';

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

/**
 * The typed /v1 client of the page, reading the token at each call so signing in or out applies at once. No time
 * limit: the person waits for what they asked (a spawn may load a model first), and can cancel with a signal.
 */
export const hub = new HubClient({ url: '', token: () => token, timeoutMs: 0 });

/** One call through the shared client: the token added, an unreachable hub and the hub's error body turned into a HubApiError. */
function send(method: string, path: string, body?: unknown, signal?: AbortSignal, accept = 'application/json'): Promise<Response> {
  return hub.send(method, path, { accept, ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }), ...(signal ? { signal } : {}) });
}

/** JSON when the hub answers JSON, else the text (a workspace file read through a listing route). */
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
  if (err instanceof HubClientError) return err.display;
  return err instanceof Error ? err.message : String(err);
}
