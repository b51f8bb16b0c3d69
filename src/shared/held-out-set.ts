// Reading a stored held-out set (kept out of challenge.ts, which the dashboard imports: it needs no validator).
import { Value } from 'typebox/value';
import { HeldOutSet } from './challenge';

/** The folder of held-out sets in the challenge area; pack.json's `private_set` names one file of it. */
export const HELD_OUT_FOLDER = 'held-out';

/** Whether `private_set` names a set file of that folder and nothing else (no other folder, no "..", no link path). */
export function isHeldOutSetFile(privateSet: unknown): privateSet is string {
  return typeof privateSet === 'string' && new RegExp(`^${HELD_OUT_FOLDER}/[a-z0-9._-]+\\.json$`).test(privateSet);
}

/**
 * A stored set checked (defaults filled), or where it is wrong: the place and the rule, never the value there, which
 * may be a private prompt. Both the hub (reading the set) and `challenge init` (keeping it) read sets through this.
 */
export function parseHeldOutSet(data: unknown): { set: HeldOutSet; problem: null } | { set: null; problem: string } {
  const filled = Value.Default(HeldOutSet, data);
  const first = [...Value.Errors(HeldOutSet, filled)][0];
  return first
    ? { set: null, problem: `invalid at ${first.instancePath || '/'}: ${first.message}` }
    : { set: filled as HeldOutSet, problem: null };
}
