// Refs to public records: a filename a local message cites, looked up in the copies of the collabs this hub follows.
import { mirroredRecord, type MirrorRecord, type MirroredRecord } from '../shared/mirror-api';
import { HubError } from './hub-error';

/** A ref names a board post or a result; agents and channels are not cited. */
const CITABLE = ['result', 'message'] as const;

/**
 * The mirrored record a filename names, from any followed collab (in the order they were followed), read from the
 * copy alone: it answers while the collab is offline or the mirror service is not running. NOT_FOUND otherwise.
 */
export function resolvePublicRecord(record: MirrorRecord, filename: string): MirroredRecord {
  for (const c of record.collabs()) {
    for (const kind of CITABLE) {
      const row = record.get(c.collab, kind, filename);
      if (row) return mirroredRecord(c, row);
    }
  }
  throw new HubError(
    'NOT_FOUND',
    `no followed public collab has a message or result "${filename}"`,
    'GET /v1/mirror lists the collabs this hub follows; a local record is read at /v1/messages or /v1/results',
  );
}
