// BenchError: a run that could not start or did not finish, with a code a caller can act on and a clear reason.

export type BenchErrorCode =
  | 'MODEL_MISSING'
  | 'MODEL_CORRUPT'
  | 'BACKEND_MISSING'
  | 'BUILD_FAILED'
  | 'INVALID_CONFIG'
  | 'RUNNER_FAILED'
  | 'OUT_OF_MEMORY'
  | 'CANCELLED'
  | 'TIMED_OUT';

export class BenchError extends Error {
  constructor(
    readonly code: BenchErrorCode,
    message: string,
    /** The runner's last words (stderr tail), when it ran. */
    readonly log = '',
  ) {
    super(message);
    this.name = 'BenchError';
  }
}
