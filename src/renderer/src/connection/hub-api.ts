// The dashboard's connection to the hub (same origin): the organizer token, the shared /v1 client over it, and how a failure reads.
import { HubClient } from '@shared/hub-client';
import { HubClientError } from '@shared/hub-error';

let token: string | null = null;
const tokenListeners = new Set<() => void>();

/** The organizer token, once the desktop bridge or the person gives it; null reads only. */
export function setToken(next: string | null): void {
  if (next === token) return;
  token = next;
  tokenListeners.forEach((fn) => fn());
}

/** The Authorization header the event stream sends, if signed in (never a URL parameter); the client adds its own. */
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

/**
 * The typed /v1 client of the page, reading the token at each call so signing in or out applies at once. No time
 * limit: the person waits for what they asked (a spawn may load a model first), and can cancel with a signal.
 */
export const hub = new HubClient({ url: '', token: () => token, timeoutMs: 0 });

/** Only the hub's 404 says a name is not there; an unreachable or busy hub says nothing about it. */
export function isNotFound(err: unknown): boolean {
  return err instanceof HubClientError && err.status === 404;
}

/** A message for any failure: the hub's own words when it refused, else the error's. */
export function errorText(err: unknown): string {
  if (err instanceof HubClientError) return err.display;
  return err instanceof Error ? err.message : String(err);
}
