// Writing into an agent's Hugging Face bucket through @huggingface/hub (bucket create, xet upload, batch commit), its failures sorted for the outbox.
import { createRepo, HubApiError, uploadFiles } from '@huggingface/hub';
import { CollabCallError } from './collab-api';
import { networkReason } from './sync-error';

/** The file a scratch bucket holds so that older collab servers can tell who owns it (`.bucket-sync-handshake`). */
export const HANDSHAKE_FILE = '.bucket-sync-handshake';

export interface BucketTarget {
  hubUrl: string;
  token: string;
  /** `org/name`. */
  bucket: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** A Hub failure in the outbox's terms (the same kinds a collab call has), never holding the token. */
function asCallError(err: unknown, what: string): CollabCallError {
  if (err instanceof HubApiError) {
    const status = err.statusCode;
    const kind = status === 429 ? 'rate' : status === 401 ? 'auth' : status >= 500 ? 'transient' : 'refused';
    const code = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : `HUB_${status}`;
    return new CollabCallError(kind, status, code, `the Hugging Face Hub refused ${what} (${status})`, null, null);
  }
  if (err instanceof Error && err.name === 'AbortError') throw err;
  return new CollabCallError(
    'transient',
    null,
    'HF_UNREACHABLE',
    `the Hugging Face Hub could not be reached for ${what} (${networkReason(err)})`,
    null,
    null,
  );
}

/** Creates the bucket; true when it was created, false when it was there already (409). */
export async function createBucket(target: BucketTarget): Promise<boolean> {
  try {
    await createRepo({
      repo: { type: 'bucket', name: target.bucket },
      accessToken: target.token,
      hubUrl: target.hubUrl,
      fetch: target.fetch,
    });
    return true;
  } catch (err) {
    if (err instanceof HubApiError && err.statusCode === 409) return false;
    throw asCallError(err, `creating the bucket ${target.bucket}`);
  }
}

/** Uploads files in one commit (xet dedup makes a retried upload cheap: chunks already sent are not sent again). */
export async function writeFiles(target: BucketTarget, files: { path: string; content: Uint8Array }[]): Promise<void> {
  try {
    await uploadFiles({
      repo: { type: 'bucket', name: target.bucket },
      files: files.map((f) => ({ path: f.path, content: new Blob([f.content]) })),
      accessToken: target.token,
      hubUrl: target.hubUrl,
      fetch: target.fetch,
      abortSignal: target.signal,
      useWebWorkers: false,
    });
  } catch (err) {
    throw asCallError(err, `the upload to ${target.bucket}`);
  }
}
