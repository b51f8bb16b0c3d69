// Raw HTTP/1.1 over a TCP socket: sends bytes no HTTP client would (malformed request lines, headers, lengths) and
// reads back every response the server wrote before it closed the connection.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** Bytes after the last whole response: a response cut short, or not HTTP at all. */
  trailing: string;
  /** How the connection ended: closed by the server after our half-close, or reset. */
  ended: 'closed' | 'reset';
}

/** Splits what the server wrote into whole responses (Content-Length or chunked bodies; 1xx answers skipped). */
export function parseResponses(raw: Buffer): { responses: RawResponse[]; trailing: string } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = raw.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) break;
    const [statusLine = '', ...lines] = raw.subarray(at, headEnd).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) break;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(m[1]);
    let bodyStart = headEnd + 4;
    if (status < 200) {
      at = bodyStart;
      continue;
    }
    let body: Buffer;
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunks: Buffer[] = [];
      for (;;) {
        const sizeEnd = raw.indexOf('\r\n', bodyStart, 'latin1');
        if (sizeEnd < 0) return { responses, trailing: raw.subarray(at).toString('latin1') };
        const size = parseInt(raw.subarray(bodyStart, sizeEnd).toString('latin1'), 16);
        if (Number.isNaN(size) || raw.length < sizeEnd + 2 + size + 2)
          return { responses, trailing: raw.subarray(at).toString('latin1') };
        chunks.push(raw.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        bodyStart = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(chunks);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (raw.length < bodyStart + length) break;
      body = raw.subarray(bodyStart, bodyStart + length);
      bodyStart += length;
    }
    responses.push({ status, headers, body: body.toString('utf8') });
    at = bodyStart;
  }
  return { responses, trailing: raw.subarray(at).toString('latin1') };
}

/**
 * Writes `bytes`, half-closes (so a server that keeps connections alive closes once it has answered), and resolves
 * with everything it answered once it closes; fails after `timeoutMs` if it never does. Node's HTTP server abandons
 * a request still waiting on I/O when its client half-closes, so aim at routes that answer without it.
 */
export function rawExchange(url: string, bytes: string | Buffer, timeoutMs = 5000): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    const received: Buffer[] = [];
    let ended: RawExchange['ended'] = 'closed';
    const guard = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `the server did not close the connection within ${timeoutMs} ms after ${JSON.stringify(String(bytes).slice(0, 120))}; it wrote ${JSON.stringify(Buffer.concat(received).toString('latin1').slice(0, 300))}`,
        ),
      );
    }, timeoutMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close while we still write (it answered a request line it could not parse): not our failure.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') ended = 'reset';
      else {
        clearTimeout(guard);
        reject(err);
      }
    });
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ ...parseResponses(Buffer.concat(received)), ended });
    });
    socket.end(bytes);
  });
}
