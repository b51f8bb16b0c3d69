// Whose a path in central is: the outermost segment ending in "_<agent id>" names its one owner, for good.
import { isValidAgentId } from '../shared/ids';
import { HubError } from './hub-error';

/**
 * The agent a path segment names: `notes_bob.md`, `lever-map_bob` and `LEVER-MAP_BOB` name bob, `notes_bob-2.md`
 * names bob-2 and never bob. Agent ids have neither "_" nor ".", so the id is what follows the last "_" up to an
 * extension, and a segment names at most one agent. Compared in lower case because the data folder may sit on a
 * case-insensitive disk, where `LEVER-MAP_BOB` is bob's folder.
 */
export function segmentOwner(segment: string): string | null {
  const s = segment.normalize('NFKC').toLowerCase();
  const at = s.lastIndexOf('_');
  if (at < 0) return null;
  const tail = s.slice(at + 1);
  const dot = tail.indexOf('.');
  const id = dot < 0 ? tail : tail.slice(0, dot);
  return isValidAgentId(id) ? id : null;
}

/**
 * The owner of a path: the first segment, from the outside in, that names an agent. Ownership follows from the
 * path alone, so a path has one possible owner from its first write on and nobody else can ever write into it;
 * a folder named for bob stays bob's whatever the names inside it say.
 */
export function pathOwner(segments: readonly string[]): { owner: string; segment: string } | null {
  for (const segment of segments) {
    const owner = segmentOwner(segment);
    if (owner !== null) return { owner, segment };
  }
  return null;
}

/** Refuses a destination that is not the caller's own by the rule above, saying which segment decided. */
export function requireOwnPath(segments: readonly string[], caller: string, what: string, example: string): void {
  const path = segments.join('/');
  const found = pathOwner(segments);
  if (found === null) {
    throw new HubError(
      'INVALID_PATH',
      `${what} "${path}" names no owner: one of its segments must end in "_${caller}" (before any extension), so everyone sees whose it is`,
      `e.g. ${example}`,
    );
  }
  if (found.owner !== caller) {
    throw new HubError(
      'INVALID_PATH',
      `${what} "${path}" is ${found.owner}'s, not yours: its segment "${found.segment}" ends in "_${found.owner}", and the first segment that ends in "_<agent id>" decides whose a path is`,
      `name a path of your own, e.g. ${example}; inside names use "-" rather than "_" (kv-cache, not kv_cache)`,
    );
  }
}
