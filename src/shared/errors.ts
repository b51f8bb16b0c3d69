// The error model: one body shape `{error:{code,message,hint?}}` and the HTTP status of every code.

export const ERROR_STATUS = {
  INVALID_PATH: 400,
  INVALID_QUERY: 400,
  INVALID_BODY: 400,
  INVALID_JSON: 400,
  INVALID_FRONTMATTER: 400,
  INVALID_REF: 400,
  BODY_OR_SOURCE_REQUIRED: 400,
  UNAUTHORIZED: 401,
  IDENTITY_MISMATCH: 403,
  NOT_ORGANIZER: 403,
  NOT_YOUR_SCRATCH: 403,
  AGENT_SUSPENDED: 403,
  NOT_REGISTERED: 404,
  NOT_FOUND: 404,
  SOURCE_NOT_FOUND: 404,
  JOBS_DISABLED: 404,
  TASKFORCE_NOT_FOUND: 404,
  AGENT_ID_TAKEN: 409,
  ALREADY_PROMOTED: 409,
  TASKFORCE_EXISTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  SYNC_TOO_LARGE: 413,
  SCRATCH_QUOTA_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SHUTTING_DOWN: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; hint?: string };
}

export function isApiErrorBody(value: unknown): value is ApiErrorBody {
  const e = (value as ApiErrorBody | null)?.error;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
}
