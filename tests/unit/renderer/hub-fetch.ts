// Points the dashboard's same-origin calls ('/v1/...') at a real test hub, as the page served by the hub would reach it.
import { createServer } from 'node:net';
import { setToken } from '../../../src/renderer/src/connection/hub-api';

const realFetch = globalThis.fetch;

/** Every relative URL goes to `base`; absolute ones pass untouched. Returns the undo. */
export function routeFetchTo(base: string): () => void {
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
    realFetch(typeof input === 'string' && input.startsWith('/') ? base + input : input, init)) as typeof fetch;
  return () => {
    globalThis.fetch = realFetch;
  };
}

/** Signs the dashboard in as the organizer (posts, writes), or out with null. */
export const signIn = (token: string | null): void => setToken(token);

/** A loopback URL nothing listens on: the dashboard's view of a hub that has gone away. */
export async function deadHubUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
