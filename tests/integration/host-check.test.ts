// DNS rebinding: a hub on loopback answers only requests addressed to a loopback name, so a web page that points
// its own domain at 127.0.0.1 cannot read the board, the settings or the model paths through the browser.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostAllowed } from '../../src/hub/server';
import { withHub } from '../helpers/with-hub';

const hub = withHub();

/** A GET with the Host header a browser would send for that name (fetch does not let a caller set it). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(hub.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (d: string) => {
          body += d;
        })
        .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the Host a request names', () => {
  it('is served under a loopback name, whatever the port', async () => {
    const port = new URL(hub.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await getWithHost('/v1/messages', host)).status, host).toBe(200);
    }
  });

  it('is refused under any other name, with the address to use instead', async () => {
    for (const path of ['/v1/settings', '/v1/messages', '/']) {
      const res = await getWithHost(path, 'attacker.example:80');
      expect(res.status, path).toBe(403);
      const error = JSON.parse(res.body).error;
      expect(error.code).toBe('FOREIGN_HOST');
      expect(error.hint).toContain(`http://127.0.0.1:${new URL(hub.url).port}/`);
    }
  });

  it('is not checked when the hub serves other machines on purpose', () => {
    expect(hostAllowed('my-workstation.lan:4440', '0.0.0.0')).toBe(true);
    expect(hostAllowed('my-workstation.lan:4440', '127.0.0.1')).toBe(false);
    expect(hostAllowed(undefined, '127.0.0.1')).toBe(true);
  });
});
