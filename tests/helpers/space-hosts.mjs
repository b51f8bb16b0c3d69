// Space hosts (`https://{owner}-{name}.hf.space`) answered by local stand-ins: what DNS does for the real Hub's Spaces.
// In-process: `spaceHostsFetch(hosts)`. For a child process (a `collab-desk hub`): `--import` this file with
// COLLAB_DESK_TEST_SPACE_HOSTS='{"owner-name.hf.space":"http://127.0.0.1:port"}', and its global fetch goes there.

/**
 * A fetch that sends requests for the given Space hosts to their stand-ins (same path and query), the rest as they are.
 * @param {Record<string, string>} hosts `owner-name.hf.space` -> the stand-in's base URL
 * @param {() => typeof fetch} [base] the fetch underneath, read at each call (default the global one)
 * @returns {typeof fetch}
 */
export function spaceHostsFetch(hosts, base = () => globalThis.fetch) {
  return (input, init) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href);
    const to = url.protocol === 'https:' ? hosts[url.host] : undefined;
    if (to === undefined) return base()(input, init);
    const target = `${to.replace(/\/+$/, '')}${url.pathname === '/' ? '' : url.pathname}${url.search}`;
    return base()(target, input instanceof Request ? { ...init, method: input.method, headers: input.headers } : init);
  };
}

const fromEnv = process.env.COLLAB_DESK_TEST_SPACE_HOSTS;
if (fromEnv) {
  const real = globalThis.fetch;
  globalThis.fetch = spaceHostsFetch(JSON.parse(fromEnv), () => real);
}
