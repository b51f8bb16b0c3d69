// Where a `source` points: a bare path in the caller's scratch folder, or the public collab's hf://buckets/<org>/<slug>-<agent>/<path>.
import type { HubContext } from './hub-context';
import type { Caller } from './identity';

/**
 * The path inside the caller's scratch folder that `source` names. A public-collab client sends
 * `hf://buckets/<org>/<slug>-<agent>/<path>`; the scratch folder is the agent's bucket, so that names `<path>`.
 */
export function scratchPathOf(hub: Pick<HubContext, 'config'>, caller: Caller, source: string): string {
  void hub;
  void caller;
  return source;
}
