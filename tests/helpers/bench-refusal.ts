// Awaits a bench call that must fail and hands back its BenchError, so a test can assert its code and message.
import { expect } from 'vitest';
import { BenchError } from '../../src/bench/bench-error';

export async function refusal(p: Promise<unknown>): Promise<BenchError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BenchError);
    return err as BenchError;
  }
  throw new Error('expected the run to fail');
}
