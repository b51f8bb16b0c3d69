// Signing in to Hugging Face: the device-code flow (RFC 8628) against a Hub stand-in, the token file's discovery order, whoami, sign-out.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findHfToken } from '../../src/platform/hf-token';
import { pollDeviceToken, requestDeviceCode, type DeviceFlowOptions } from '../../src/sync/device-flow';
import { SyncError } from '../../src/sync/sync-error';
import { startHfAuthStandin, type HfAuthStandin } from '../helpers/hf-auth-standin';
import { killSyncChildren, runSync, startSync, syncHome } from '../helpers/sync-cli';

let hf: HfAuthStandin;
const alice = { name: 'alice', fullname: 'Alice Example', orgs: ['gemma-challenge', 'other-org'] };
const roots: string[] = [];
const home = () => {
  const h = syncHome(hf.url);
  roots.push(h.root);
  return h;
};

beforeAll(async () => {
  hf = await startHfAuthStandin();
});
afterEach(() => killSyncChildren());
afterAll(async () => {
  await hf.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const flow = (): DeviceFlowOptions => ({ endpoint: hf.url, clientId: hf.clientId });

async function rejection(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('the device-code flow', () => {
  it('shows a code, polls every `interval` seconds through authorization_pending, and returns the token once approved', async () => {
    const code = await requestDeviceCode(flow());
    expect(code.user_code).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(code.verification_uri).toBe(`${hf.url}/oauth/device`);
    expect(code.interval).toBe(5);
    const answers: string[] = [];
    hf.events.on('poll', (_code: string, answer: string) => answers.push(answer));
    const delays: number[] = [];
    let pending = 0;
    const token = await pollDeviceToken(code, flow(), {
      // The person approves after the second "pending": the wait is the event, not a timer.
      wait: async (ms) => {
        delays.push(ms);
        if (delays.length === 3) hf.approve(code.user_code, alice);
      },
      onPending: () => pending++,
    });
    hf.events.removeAllListeners('poll');
    expect(token).toMatch(/^hf_oauth_/);
    expect(answers).toEqual(['authorization_pending', 'authorization_pending', 'token']);
    expect(pending).toBe(2);
    expect(delays).toEqual([5000, 5000, 5000]);
    // Every device request is a form POST: the device code never travels in a URL.
    const oauth = hf.requests.filter((r) => r.url.startsWith('/oauth/'));
    expect(oauth.every((r) => r.method === 'POST' && !r.url.includes('?'))).toBe(true);
  });

  it('slow_down adds five seconds to the interval for the rest of the flow', async () => {
    const code = await requestDeviceCode(flow());
    hf.slowDown(code.user_code);
    const delays: number[] = [];
    await pollDeviceToken(code, flow(), {
      wait: async (ms) => {
        delays.push(ms);
        if (delays.length === 3) hf.approve(code.user_code, alice);
      },
    });
    expect(delays).toEqual([5000, 10000, 10000]);
  });

  it('a declined sign-in and an expired code end in plain errors with the next step', async () => {
    const denied = await requestDeviceCode(flow());
    const e1 = await rejection(pollDeviceToken(denied, flow(), { wait: async () => hf.deny(denied.user_code) }));
    expect(e1.code).toBe('ACCESS_DENIED');
    expect(e1.display).toMatch(/declined.*collab-desk sync login --device/);

    const expired = await requestDeviceCode(flow());
    const e2 = await rejection(pollDeviceToken(expired, flow(), { wait: async () => hf.expire(expired.user_code) }));
    expect(e2.code).toBe('DEVICE_CODE_EXPIRED');
    expect(e2.display).toMatch(/expired.*collab-desk sync login --device/);

    // The client's own clock also ends the flow at expires_in, whatever the server says.
    const late = await requestDeviceCode(flow());
    let t = 0;
    const e3 = await rejection(pollDeviceToken(late, flow(), { now: () => t, wait: async () => void (t += 301_000) }));
    expect(e3.code).toBe('DEVICE_CODE_EXPIRED');
  });

  it('an unknown client id is refused with the token fallback as the next step', async () => {
    const e = await rejection(requestDeviceCode({ endpoint: hf.url, clientId: 'not-registered' }));
    expect(e.code).toBe('DEVICE_FLOW_FAILED');
    expect(e.next).toContain('--token-stdin');
  });
});

describe('finding an existing login', () => {
  it('HF_TOKEN first, then $HF_TOKEN_PATH, $HF_HOME/token, ~/.cache/huggingface/token', () => {
    const h = home();
    const put = (path: string, token: string) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, `${token}\n`);
    };
    const defaultFile = join(h.home, '.cache', 'huggingface', 'token');
    put(defaultFile, 'hf_from_default');
    expect(findHfToken({ HOME: h.home })).toEqual({
      token: 'hf_from_default',
      source: { kind: 'file', path: defaultFile },
    });
    put(join(h.hfHome, 'token'), 'hf_from_hf_home');
    expect(findHfToken({ HOME: h.home, HF_HOME: h.hfHome })?.token).toBe('hf_from_hf_home');
    const custom = join(h.root, 'elsewhere', 'token');
    put(custom, 'hf_from_path');
    expect(findHfToken({ HOME: h.home, HF_HOME: h.hfHome, HF_TOKEN_PATH: custom })?.token).toBe('hf_from_path');
    expect(findHfToken({ HOME: h.home, HF_HOME: h.hfHome, HF_TOKEN_PATH: custom, HF_TOKEN: 'hf_from_env' })).toEqual({
      token: 'hf_from_env',
      source: { kind: 'env', variable: 'HF_TOKEN' },
    });
  });
});

describe('collab-desk sync login / whoami / logout', () => {
  it('whoami without a login says to run collab-desk sync login', async () => {
    const h = home();
    const r = await runSync(['whoami'], h.env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not signed in');
    expect(r.stderr).toContain('run `collab-desk sync login`');
  });

  it('reuses HF_TOKEN as it is, shows the user and orgs, and calls a revoked token what it is', async () => {
    const h = home();
    hf.addToken('hf_envtoken_1234567890', alice);
    const login = await runSync(['login', '--data', h.data], h.env({ HF_TOKEN: 'hf_envtoken_1234567890' }));
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('signed in as alice, from the HF_TOKEN environment variable; nothing was changed');
    expect(existsSync(join(h.hfHome, 'token'))).toBe(false);

    const who = await runSync(['whoami'], h.env({ HF_TOKEN: 'hf_envtoken_1234567890' }));
    expect(who.code).toBe(0);
    expect(who.stdout).toContain('user: alice (Alice Example)');
    expect(who.stdout).toContain('orgs: gemma-challenge, other-org');
    expect(who.stdout).toContain('token: from the HF_TOKEN environment variable (access_token, write)');

    hf.revoke('hf_envtoken_1234567890');
    const revoked = await runSync(['whoami'], h.env({ HF_TOKEN: 'hf_envtoken_1234567890' }));
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain('the token was revoked or mistyped');
    const mistyped = await runSync(['whoami'], h.env({ HF_TOKEN: 'not-a-token' }));
    expect(mistyped.stderr).toContain('the token was revoked or mistyped');
  });

  it('--device: shows the URL and code, waits for approval, saves the token in $HF_HOME/token (0600)', async () => {
    const h = home();
    const run = startSync(['login', '--device', '--data', h.data], h.env());
    const [, uri, userCode] = await run.line(/open (\S+) and enter the code (\S+)/);
    expect(uri).toBe(`${hf.url}/oauth/device`);
    // Approve after the CLI has polled at least once and been told to wait.
    await new Promise<void>((resolve) =>
      hf.events.on('poll', (c: string, answer: string) => {
        if (c === userCode && answer === 'authorization_pending') resolve();
      }),
    );
    hf.events.removeAllListeners('poll');
    hf.approve(userCode!, alice);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const file = join(h.hfHome, 'token');
    expect(r.stdout).toContain(`signed in as alice; the token is saved in ${file}`);
    expect(readFileSync(file, 'utf8')).toMatch(/^hf_oauth_/);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const who = await runSync(['whoami'], h.env());
    expect(who.stdout).toContain(`token: from the token file ${file} (oauth`);

    const out = await runSync(['logout', '--data', h.data], h.env());
    expect(out.stdout).toContain(`signed out: removed ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  it('a denied device login fails plainly and saves nothing', async () => {
    const h = home();
    const run = startSync(['login', '--device', '--data', h.data], h.env());
    const [, , userCode] = await run.line(/open (\S+) and enter the code (\S+)/);
    hf.deny(userCode!);
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the sign-in was declined in the browser; run `collab-desk sync login --device` again');
    expect(existsSync(join(h.hfHome, 'token'))).toBe(false);
  });

  it('--token-stdin validates before saving; logout leaves a token another tool wrote unless --force', async () => {
    const h = home();
    const bad = await runSync(['login', '--token-stdin', '--data', h.data], h.env(), 'hf_unknown_token\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the token was revoked or mistyped');
    expect(existsSync(join(h.hfHome, 'token'))).toBe(false);

    hf.addToken('hf_pasted_0987654321', alice);
    const ok = await runSync(['login', '--token-stdin', '--data', h.data], h.env(), 'hf_pasted_0987654321\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(h.hfHome, 'token'), 'utf8')).toBe('hf_pasted_0987654321');

    // Now `hf auth login` (another tool) replaces it: that token is not ours to remove.
    writeFileSync(join(h.hfHome, 'token'), 'hf_written_by_hf_cli');
    const kept = await runSync(['logout', '--data', h.data], h.env());
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('another tool saved it');
    expect(readFileSync(join(h.hfHome, 'token'), 'utf8')).toBe('hf_written_by_hf_cli');
    const forced = await runSync(['logout', '--force', '--data', h.data], h.env());
    expect(forced.stdout).toContain('signed out: removed');
    expect(existsSync(join(h.hfHome, 'token'))).toBe(false);
  });
});
