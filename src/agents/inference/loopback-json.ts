// JSON over HTTP to the inference host, without client-side timeouts: a request may wait out a benchmark's GPU lease.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonReply {
  status: number;
  body: unknown;
}

/**
 * node:http rather than fetch: Node's fetch gives up on a response whose headers take more than 300 s, and a
 * non-streaming completion sends its headers only when the whole answer is generated, after any wait for the GPU.
 */
export function requestJson(
  url: string,
  options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal },
): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    // An agent may think on a server the person runs behind TLS (its own endpoint), not only on the loopback host.
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: options.method,
        headers: {
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...options.headers,
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            // not JSON: the caller reports the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The message of an OpenAI-shaped error body, or the body itself as text. */
export function errorMessage(reply: JsonReply): string {
  const body = reply.body as { error?: { message?: unknown } } | string | null;
  if (body && typeof body === 'object' && typeof body.error?.message === 'string') return body.error.message;
  return `HTTP ${reply.status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
}
