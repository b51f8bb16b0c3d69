// The error model: one body shape `{error:{code,message,hint?}}`, the HTTP status of every code, and the one coded
// error class every side throws.
import { Type, type Static } from 'typebox';
import { Closed } from './response-schema';

export const ERROR_STATUS = {
  INVALID_PATH: 400,
  INVALID_QUERY: 400,
  INVALID_BODY: 400,
  INVALID_JSON: 400,
  INVALID_FRONTMATTER: 400,
  INVALID_REF: 400,
  BODY_OR_SOURCE_REQUIRED: 400,
  /** A channel name off the slug rules, or reserved (`feed`, `none`); 400 as the public collab answers it. */
  CHANNEL_NAME_INVALID: 400,
  CHANNEL_THEME_REQUIRED: 400,
  /** Not valid HTTP (a malformed request line, header or Content-Length), refused before any route sees it. */
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  IDENTITY_MISMATCH: 403,
  /** A `hf://buckets/...` source in another agent's bucket: each agent promotes from its own only. */
  BUCKET_NOT_OWNED_BY_CALLER: 403,
  NOT_ORGANIZER: 403,
  FOREIGN_HOST: 403,
  NOT_YOUR_SCRATCH: 403,
  MODEL_ACCESS_DENIED: 403,
  AGENT_SUSPENDED: 403,
  NOT_REGISTERED: 404,
  NOT_FOUND: 404,
  SOURCE_NOT_FOUND: 404,
  JOBS_DISABLED: 404,
  SWARM_DISABLED: 404,
  MODELS_DISABLED: 404,
  /** The process running the hub installs no challenge packs (a board-only hub): the CLI's `challenge init` does. */
  PACKS_DISABLED: 404,
  MODEL_NOT_FOUND: 404,
  DOWNLOAD_NOT_FOUND: 404,
  NO_CHALLENGE: 404,
  TASKFORCE_NOT_FOUND: 404,
  CHANNEL_NOT_FOUND: 404,
  AGENT_ID_TAKEN: 409,
  ALREADY_PROMOTED: 409,
  TASKFORCE_EXISTS: 409,
  CHANNEL_EXISTS: 409,
  JOB_FINISHED: 409,
  JOB_EXISTS: 409,
  SWARM_CONFLICT: 409,
  /** An external agent asked for where no sandbox starts, and the organizer has not accepted running it bare. */
  SANDBOX_UNAVAILABLE: 409,
  MODEL_IN_USE: 409,
  MODEL_NOT_DELETABLE: 409,
  DOWNLOAD_FINISHED: 409,
  DOWNLOAD_BUSY: 409,
  /** A pack is being installed: one install at a time. */
  INSTALL_BUSY: 409,
  /** A pack whose models come from the Hub, installed without the user's yes to the downloads. */
  DOWNLOADS_NOT_ACCEPTED: 409,
  MODEL_MISMATCH: 422,
  /**
   * A pack's file whose hash was recorded at its first download here, and which the Hub now serves with another: taken
   * only on purpose (`accept_new_hash`).
   */
  MODEL_CHANGED_ON_HUB: 409,
  /** The capability probe found that the model or server cannot drive an agent (no tool calls, broken JSON, no answer). */
  PROBE_FAILED: 422,
  INVALID_CONFIG: 400,
  /** A file to publish holds a token (this hub's, or a Hugging Face one): nothing of it is copied. */
  SECRET_IN_FILE: 422,
  PAYLOAD_TOO_LARGE: 413,
  SYNC_TOO_LARGE: 413,
  SCRATCH_QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TIMEOUT: 408,
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  // The sync service (src/sync): signing in to Hugging Face and publishing to a public collab.
  SYNC_DISABLED: 404,
  NOT_SIGNED_IN: 409,
  TOKEN_INVALID: 409,
  HF_ERROR: 502,
  DEVICE_FLOW_FAILED: 502,
  DEVICE_CODE_EXPIRED: 410,
  BROWSER_LOGIN_FAILED: 502,
  /** An OAuth sign-in the Hub no longer renews (its refresh token was refused): sign in again. */
  SIGN_IN_EXPIRED: 409,
  ACCESS_DENIED: 403,
  /** The Hugging Face namespace cannot pay for Jobs (no credit balance, no payment method): the Hub's 402. */
  PAYMENT_REQUIRED: 402,
  NOT_A_COLLAB: 400,
  COLLAB_UNREACHABLE: 502,
  NOT_ORG_MEMBER: 403,
  NOT_OURS: 409,
  COLLAB_NOT_CONNECTED: 404,
  // The mirror of public collabs (src/sync/mirror-service.ts).
  MIRROR_DISABLED: 404,
  NOT_FOLLOWED: 404,
  COLLAB_AGENT_UNKNOWN: 404,
  /** The public collab refused a call; the message carries its code and words. */
  COLLAB_REFUSED: 422,
  /** The plan changed since the preview (the result, the collab's rules): preview again. */
  PREVIEW_STALE: 409,
  /** A file to publish holds a held-out prompt or reference: nothing is sent. */
  PRIVATE_CONTENT: 422,
  OUTBOX_ITEM_NOT_FOUND: 404,
  OUTBOX_ITEM_FINISHED: 409,
  INTERNAL: 500,
  HF_TOKEN_INVALID: 500,
  HF_UNREACHABLE: 502,
  SHUTTING_DOWN: 503,
  NO_SPACE: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every refusal of every route, whatever its status: /openapi.json declares it once as the shared error response. */
export const ApiErrorBody = Closed({
  error: Closed({
    code: Type.Enum(Object.keys(ERROR_STATUS) as ErrorCode[], { description: 'stable: clients branch on it' }),
    message: Type.String({ description: 'what was refused, in words' }),
    hint: Type.Optional(Type.String({ description: 'what to do instead' })),
  }),
});
export type ApiErrorBody = Static<typeof ApiErrorBody>;

/** Whether a string is one of the hub's error codes (a client may also meet codes of a newer hub). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/**
 * A refusal with its code, its message and what to do instead: the one error shape on both sides of /v1. The hub
 * answers any CodedError whose code it knows as `{error:{code,message,hint}}` with that code's status, so a seam
 * (the model library, the swarm) throws one and its meaning reaches the wire unchanged; a client meets the same shape
 * again as HubClientError, which adds the HTTP status.
 */
export class CodedError<Code extends string = ErrorCode> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** What to do instead. */
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** One line a person can act on: what was wrong, then what to do. */
  get display(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}
