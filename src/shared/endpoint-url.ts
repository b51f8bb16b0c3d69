// The base URL of an OpenAI-compatible server a person runs (Ollama, LM Studio, llama-server, Jan), checked and normalized.

/** Where the usual servers answer by default: named in the error so a person can copy one. */
export const ENDPOINT_EXAMPLES =
  'http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:1234/v1 (LM Studio), http://127.0.0.1:8080/v1 (llama-server), http://127.0.0.1:1337/v1 (Jan)';

/**
 * The endpoint as agents call it: http or https, no credentials, query or fragment, and ending in /v1 (a bare
 * http://host:port gets /v1; a path that already ends in /v1, or one a proxy serves under, is kept as given). Returns
 * the URL, or a sentence saying what is wrong with it.
 */
export function normalizeEndpoint(raw: string): { url: string } | { problem: string } {
  const value = raw.trim();
  const bad = (why: string) => ({ problem: `${why} (got ${JSON.stringify(raw)}); e.g. ${ENDPOINT_EXAMPLES}` });
  if (!value) return bad('the endpoint is empty');
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    return bad('the endpoint is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return bad(`the endpoint must be an http or https URL, not ${url.protocol.replace(/:$/, '')}`);
  if (!url.hostname) return bad('the endpoint has no host');
  // A key in the URL would be shown wherever the URL is (the agent's card, the list, logs).
  if (url.username || url.password)
    return {
      problem:
        'the endpoint URL carries a user name or password: give the key separately (--api-key-env VAR, or the key field)',
    };
  if (url.search || url.hash) return bad('the endpoint is a base URL: no query or #fragment');
  let path = url.pathname.replace(/\/+$/, '');
  // The address people copy from a server's docs often names the route itself: its base is what the agent needs.
  path = path.replace(/\/(chat\/completions|completions|models)$/, '');
  if (path === '') path = '/v1';
  return { url: `${url.protocol}//${url.host}${path}` };
}

/**
 * Whether an endpoint answers on this machine (loopback): Ollama, LM Studio, llama-server and Jan usually do, and then
 * they think on the GPU a benchmark measures on.
 */
export function isLocalEndpoint(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}
