// A sync refusal kept whole (code, message, hint), since the views branch on the code and link the hint's invite.
import { HubClientError } from '@shared/hub-error';

export interface SyncProblem {
  code: string;
  message: string;
  /** What to do about it; NOT_ORG_MEMBER's carries the collab's invite link. */
  hint: string | null;
}

/** The hub runs without the sync service: the panel says so plainly instead of showing an error. */
export const SYNC_DISABLED = 'SYNC_DISABLED';

export function syncProblem(err: unknown): SyncProblem {
  if (err instanceof HubClientError) return { code: err.code, message: err.message, hint: err.hint ?? null };
  return { code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err), hint: null };
}

/** Thrown by the stores' actions so a form can show the refusal with its code and hint. */
export class SyncActionError extends Error {
  constructor(readonly problem: SyncProblem) {
    super(problem.hint ? `${problem.message} — ${problem.hint}` : problem.message);
    this.name = 'SyncActionError';
  }
}

/** Runs a call and turns any failure into a SyncActionError with the hub's words. */
export async function asSyncAction<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new SyncActionError(syncProblem(err));
  }
}

/** The problem a form caught (a SyncActionError, or anything else). */
export function problemOf(err: unknown): SyncProblem {
  return err instanceof SyncActionError ? err.problem : syncProblem(err);
}
