// Signing in with the OAuth 2.0 device authorization grant (RFC 8628), as `hf auth login` does against the Hub.
import type { OAuthTokens } from './oauth-grant';
import { networkReason, SyncError } from './sync-error';

/**
 * huggingface_hub's public device-code client (`DEVICE_CODE_OAUTH_CLIENT_ID`, no secret), which `hf auth login`
 * uses; the same environment variable overrides it (a mirror, an Enterprise Hub, an app of our own later). The
 * scopes are set on the OAuth app by the Hub, so the request names none.
 */
export const HF_DEVICE_CLIENT_ID = '26be6b09-91c5-47da-9861-d2d2bb7a7e36';
export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceFlowOptions {
  /** The Hugging Face endpoint: requests go to {endpoint}/oauth/device and {endpoint}/oauth/token. */
  endpoint: string;
  clientId?: string;
  /** Paths under the endpoint, for a server that names them differently. */
  devicePath?: string;
  tokenPath?: string;
  fetch?: typeof fetch;
}

/** The device authorization response (RFC 8628 §3.2), with the spec's defaults filled in. */
export interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string | null;
  /** Seconds the code lives. */
  expires_in: number;
  /** Seconds between polls (5 when the server gives none, §3.2). */
  interval: number;
}

export interface PollOptions {
  /**
   * Waits between polls; the default is a timer. Tests pass one that records the delays and resolves at once, so
   * the protocol's seconds cost them nothing.
   */
  wait?: (ms: number) => Promise<void>;
  /** The clock the code's expiry is measured on (milliseconds). */
  now?: () => number;
  /** Called after each authorization_pending, e.g. to show progress. */
  onPending?: () => void;
}

export function deviceClientId(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_DEVICE_CODE_OAUTH_CLIENT_ID?.trim() || HF_DEVICE_CLIENT_ID;
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Step one (§3.1): a device code and the user code a person types at the verification URL. */
export async function requestDeviceCode(options: DeviceFlowOptions): Promise<DeviceCode> {
  const url = `${options.endpoint}${options.devicePath ?? '/oauth/device'}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, form({ client_id: options.clientId ?? HF_DEVICE_CLIENT_ID }));
  } catch (err) {
    throw new SyncError(
      'HF_UNREACHABLE',
      `cannot reach ${options.endpoint} (${networkReason(err)})`,
      'check the connection, or HF_ENDPOINT if you use a mirror',
    );
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok || !body || typeof body.device_code !== 'string' || typeof body.user_code !== 'string') {
    const why = body && typeof body.error === 'string' ? `: ${body.error}` : '';
    throw new SyncError(
      'DEVICE_FLOW_FAILED',
      `${url} did not start a device login (${response.status}${why})`,
      'sign in with a token instead: `collab-desk sync login --token-stdin` (create one at https://huggingface.co/settings/tokens)',
    );
  }
  const uri = typeof body.verification_uri === 'string' ? body.verification_uri : `${options.endpoint}/oauth/device`;
  return {
    device_code: body.device_code,
    user_code: body.user_code,
    verification_uri: uri,
    verification_uri_complete:
      typeof body.verification_uri_complete === 'string' ? body.verification_uri_complete : null,
    expires_in: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 900,
    interval: typeof body.interval === 'number' && body.interval >= 0 ? body.interval : 5,
  };
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Step two (§3.4, §3.5): polls the token endpoint every `interval` seconds until the person approves. slow_down adds
 * five seconds to the interval for good; a network blip or a 5xx is not an answer, so polling goes on until the code
 * expires. Returns the access token only (pollDeviceTokens: with the refresh token and expiry, to keep beside it).
 */
export async function pollDeviceToken(
  code: DeviceCode,
  options: DeviceFlowOptions,
  poll: PollOptions = {},
): Promise<string> {
  return (await pollDeviceTokens(code, options, poll)).access_token;
}

/** pollDeviceToken's whole answer: the access token, and the refresh token and lifetime when the Hub gives them. */
export async function pollDeviceTokens(
  code: DeviceCode,
  options: DeviceFlowOptions,
  poll: PollOptions = {},
): Promise<OAuthTokens> {
  const wait = poll.wait ?? timer;
  const now = poll.now ?? Date.now;
  const url = `${options.endpoint}${options.tokenPath ?? '/oauth/token'}`;
  const deadline = now() + code.expires_in * 1000;
  let interval = code.interval;
  const expired = () =>
    new SyncError(
      'DEVICE_CODE_EXPIRED',
      'the code expired before it was approved',
      'run `collab-desk sync login --device` again and approve within the time shown',
    );
  for (;;) {
    await wait(interval * 1000);
    if (now() >= deadline) throw expired();
    let body: Record<string, unknown> | null = null;
    try {
      const response = await (options.fetch ?? fetch)(
        url,
        form({
          grant_type: DEVICE_GRANT_TYPE,
          device_code: code.device_code,
          client_id: options.clientId ?? HF_DEVICE_CLIENT_ID,
        }),
      );
      if (response.status < 500) body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    } catch {
      // Inconclusive (§3.5 asks clients to keep polling): the deadline bounds it.
    }
    if (!body) continue;
    if (typeof body.access_token === 'string' && body.access_token)
      return {
        access_token: body.access_token,
        refresh_token: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : null,
        expires_in: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : null,
      };
    switch (body.error) {
      case 'authorization_pending':
        poll.onPending?.();
        break;
      case 'slow_down':
        interval += 5;
        break;
      case 'expired_token':
        throw expired();
      case 'access_denied':
        throw new SyncError(
          'ACCESS_DENIED',
          'the sign-in was declined in the browser',
          'run `collab-desk sync login --device` again and choose Authorize',
        );
      default:
        throw new SyncError(
          'DEVICE_FLOW_FAILED',
          `the Hub refused the device login (${typeof body.error === 'string' ? body.error : 'no error code'})`,
          'sign in with a token instead: `collab-desk sync login --token-stdin`',
        );
    }
  }
}
