// Who a Hugging Face token belongs to (GET /api/whoami-v2 through @huggingface/hub), turned into plain errors.
import { HubApiError, whoAmI } from '@huggingface/hub';
import { networkReason, SyncError } from './sync-error';

export interface HfIdentity {
  /** The user (or org, or app) name the token acts as. */
  name: string;
  fullname: string | null;
  type: 'user' | 'org' | 'app';
  /** The organizations the user belongs to (a collab needs its org among them to write). */
  orgs: { name: string; fullname: string | null }[];
  /** How the token authenticates: an access token with its role, or an OAuth grant with its expiry. */
  auth: { type: string; role: string | null; expiresAt: string | null };
}

export interface HfCallOptions {
  /** The Hugging Face endpoint (hfEndpoint() in the CLI; a stand-in in tests). */
  hubUrl: string;
  fetch?: typeof fetch;
}

/** The sentence for a token the Hub refuses; never the token itself. */
export const TOKEN_REFUSED_NEXT =
  'the token was revoked or mistyped: run `collab-desk sync login` again (or fix HF_TOKEN / the token file)';

export async function whoami(token: string, options: HfCallOptions): Promise<HfIdentity> {
  let answer: Awaited<ReturnType<typeof whoAmI>>;
  try {
    answer = await whoAmI({
      accessToken: token,
      hubUrl: options.hubUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  } catch (err) {
    // The library refuses anything not starting with hf_ before any request: a mistyped paste, most often.
    if (err instanceof TypeError && /must start with 'hf_'/.test(err.message))
      throw new SyncError(
        'TOKEN_INVALID',
        'this is not a Hugging Face token (they start with hf_)',
        TOKEN_REFUSED_NEXT,
      );
    if (err instanceof HubApiError) {
      if (err.statusCode === 401)
        throw new SyncError('TOKEN_INVALID', `${options.hubUrl} does not accept the token`, TOKEN_REFUSED_NEXT);
      throw new SyncError(
        'HF_ERROR',
        `${options.hubUrl} answered ${err.statusCode} to who-am-I`,
        'try again in a minute; if it persists, check https://status.huggingface.co',
      );
    }
    throw new SyncError(
      'HF_UNREACHABLE',
      `cannot reach ${options.hubUrl} (${networkReason(err)})`,
      'check the connection, or HF_ENDPOINT if you use a mirror',
    );
  }
  const orgs = 'orgs' in answer && Array.isArray(answer.orgs) ? answer.orgs : [];
  return {
    name: answer.name,
    fullname: 'fullname' in answer ? answer.fullname || null : null,
    type: answer.type,
    orgs: orgs.map((o) => ({ name: o.name, fullname: o.fullname || null })),
    auth: {
      type: answer.auth.type,
      role: answer.auth.accessToken?.role ?? null,
      expiresAt: answer.auth.expiresAt ? new Date(answer.auth.expiresAt).toISOString() : null,
    },
  };
}
