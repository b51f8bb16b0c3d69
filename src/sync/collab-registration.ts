// Registering an identity on a public collab as the signed-in HF user: the scratch bucket and handshake where the server does not make them, every refusal turned into a next step.
import type { CollabAgent } from '../shared/sync-api';
import { createBucket, HANDSHAKE_FILE, writeFiles } from './bucket-writer';
import { CollabApi, CollabCallError } from './collab-api';
import type { CollabConnection } from './collab-store';
import { SyncError } from './sync-error';

export interface RegistrationInput {
  collab: CollabConnection;
  agentId: string;
  model: string;
  harness: string;
  token: string;
  /** The signed-in user's name: what an older server expects in the handshake file. */
  user: string;
  hubUrl: string;
  fetch?: typeof fetch;
}

/** The agent's scratch bucket under the public naming: `{org}/{slug}-{agent_id}` (backend/app/naming.py). */
export function agentBucket(collab: Pick<CollabConnection, 'org' | 'collab'>, agentId: string): string {
  return `${collab.org}/${collab.collab}-${agentId}`;
}

interface RegisterAnswer {
  filename?: string;
  agent_bucket?: string;
  hf_user?: string | null;
}

/**
 * POST /v1/agents/register with the HF bearer. Newer servers create the bucket and the handshake with the caller's
 * token; older ones answer BUCKET_MISSING, and then we create both (as SETUP.md has people do with `hf buckets
 * create`) and ask once more. An id already registered to this same user is adopted, not refused.
 */
export async function registerOnCollab(input: RegistrationInput): Promise<CollabAgent> {
  const api = new CollabApi({ apiUrl: input.collab.api_url, token: () => input.token, fetch: input.fetch });
  const body = { agent_id: input.agentId, model: input.model, harness: input.harness, tools: [] };
  const bucket = agentBucket(input.collab, input.agentId);
  const done = (answer: RegisterAnswer): CollabAgent => ({
    agent_id: input.agentId,
    bucket: answer.agent_bucket ?? bucket,
    hf_user: answer.hf_user ?? input.user,
    model: input.model,
    harness: input.harness,
    registered_at: new Date().toISOString(),
  });
  try {
    return done(await api.call<RegisterAnswer>('POST', '/v1/agents/register', body));
  } catch (err) {
    if (!(err instanceof CollabCallError)) throw err;
    if (err.code === 'AGENT_ID_TAKEN') return done({});
    if (err.code !== 'BUCKET_MISSING') throw registrationError(err, input);
  }
  const target = { hubUrl: input.hubUrl, token: input.token, bucket, fetch: input.fetch };
  try {
    await createBucket(target);
    await writeFiles(target, [{ path: HANDSHAKE_FILE, content: new TextEncoder().encode(input.user) }]);
  } catch (err) {
    if (!(err instanceof CollabCallError)) throw err;
    if (err.kind === 'auth' || err.status === 403)
      throw new SyncError(
        'ACCESS_DENIED',
        `your token cannot create or write the bucket ${bucket}`,
        `sign in with a token that may write ${input.collab.org}'s buckets (a write token, or a fine-grained one with write access to the org), then register again`,
      );
    throw new SyncError('HF_UNREACHABLE', err.message, 'check your connection, then register again');
  }
  try {
    return done(await api.call<RegisterAnswer>('POST', '/v1/agents/register', body));
  } catch (err) {
    if (err instanceof CollabCallError && err.code === 'AGENT_ID_TAKEN') return done({});
    throw err instanceof CollabCallError ? registrationError(err, input) : err;
  }
}

/** The first https URL in a text (NotOrgMember puts the org's invite link in its message). */
const urlIn = (text: string): string | null => /https?:\/\/[^\s'"),]+/.exec(text)?.[0]?.replace(/[.;:]+$/, '') ?? null;

/** The public registration errors (backend/app/routes/agents.py's check order), each as what to do next. */
function registrationError(err: CollabCallError, input: RegistrationInput): SyncError {
  const { collab, agentId } = input;
  const theirs = `${collab.id} said ${err.code}: ${err.message}`;
  switch (err.code) {
    case 'INVALID_PATH':
      return new SyncError(
        'COLLAB_REFUSED',
        theirs,
        'choose an agent id of lowercase letters, digits and "-" (not starting with human-)',
      );
    case 'RATE_LIMITED':
      return new SyncError(
        'RATE_LIMITED',
        theirs,
        `registrations are rate limited; try again in ${Math.ceil(err.retryAfterS ?? 60)} s`,
      );
    case 'UNAUTHORIZED':
      return new SyncError(
        'TOKEN_INVALID',
        `${collab.id} could not tell who you are from your Hugging Face token`,
        'sign in again (`collab-desk sync login --device`), then register again',
      );
    case 'NOT_ORG_MEMBER':
      return new SyncError(
        'NOT_ORG_MEMBER',
        `${input.user} is not a member of ${collab.org}, so cannot register on ${collab.id}`,
        `ask to join: ${collab.invite_url ?? urlIn(`${err.message} ${err.hint ?? ''}`) ?? `${input.hubUrl}/${collab.org}`}, then register again`,
      );
    case 'BUCKET_CREATE_FORBIDDEN':
      return new SyncError(
        'ACCESS_DENIED',
        `${collab.id} could not create the bucket ${agentBucket(collab, agentId)} with your token`,
        `sign in with a token that may write ${collab.org}'s buckets, then register again`,
      );
    case 'BUCKET_NOT_OWNED_BY_CALLER':
    case 'BUCKET_NOT_YOURS':
      return new SyncError(
        'COLLAB_REFUSED',
        `the bucket ${agentBucket(collab, agentId)} belongs to someone else (${err.message})`,
        'choose another agent id',
      );
    case 'IDENTITY_MISMATCH':
      return new SyncError(
        'COLLAB_REFUSED',
        `${agentId} is registered on ${collab.id} by another Hugging Face user`,
        'choose another agent id',
      );
    case 'HUB_UNAVAILABLE':
      return new SyncError(
        'COLLAB_UNREACHABLE',
        `${collab.id} cannot reach the Hugging Face Hub right now`,
        'try again in a few minutes',
      );
    default:
      if (err.kind === 'transient')
        return new SyncError('COLLAB_UNREACHABLE', theirs, 'check your connection, then register again');
      return new SyncError('COLLAB_REFUSED', theirs, err.hint ?? "read the collab's rules (collab-desk sync collabs)");
  }
}
