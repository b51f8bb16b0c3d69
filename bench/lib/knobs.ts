// The benchmarks' knobs: integers and lists of integers read from the environment, refused when they are not.
export function envInt(name: string, fallback: number, o: { positive?: boolean } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || (o.positive && n < 1))
    throw new Error(`${name} must be ${o.positive ? 'a positive integer' : 'an integer'}, not ${raw}`);
  return n;
}

/** A comma-separated list of integers, each passing `accept`; `what` names them in the refusal. */
export function envIntList(name: string, fallback: string, accept: (n: number) => boolean, what: string): number[] {
  return (process.env[name] ?? fallback).split(',').map((item) => {
    const n = Number(item.trim());
    if (!Number.isInteger(n) || !accept(n)) throw new Error(`${name} takes ${what}, not ${item}`);
    return n;
  });
}
