// What a failed organizer sign-in says: the organizer's advice (where the token file is), never the agent's.
import { HubClientError } from '@shared/hub-error';
import { errorText } from './hub-api';

/** Where the hub keeps the organizer token (the data folder's layout: `organizer-token`). */
export const ORGANIZER_TOKEN_PATH = '<data folder>/organizer-token';

/**
 * The message for a sign-in that failed: a token the hub refused (401) is not this hub's organizer token, and the hub's
 * own hint there ("register with POST /v1/agents/register") is meant for agents; anything else keeps the hub's words.
 */
export function signInErrorText(err: unknown): string {
  if (err instanceof HubClientError && err.status === 401)
    return (
      `That is not this hub's organizer token. Copy it from ${ORGANIZER_TOKEN_PATH} ` +
      '("collab-desk hub" prints the data folder when it starts; the desktop app signs in by itself).'
    );
  return errorText(err);
}
