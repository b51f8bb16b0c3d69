// Seeded normal random numbers keyed by (seed, tensor name), so a tensor's values never depend on what else is in a file.

const encoder = new TextEncoder();

/** FNV-1a over the seed's four bytes and the name's UTF-8, then a murmur3 finaliser to spread nearby inputs apart. */
export function hashSeedName(seed: number, name: string): number {
  let h = 0x811c9dc5;
  const mix = (byte: number): void => {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  };
  const s = seed >>> 0;
  for (let i = 0; i < 4; i++) mix((s >>> (8 * i)) & 0xff);
  mix(0x2f); // separator, so seed bytes and name bytes never run together ambiguously
  for (const byte of encoder.encode(name)) mix(byte);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** xoshiro128** seeded through splitmix32: fast, 2^128 period, and the same sequence on every platform. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  static forTensor(seed: number, name: string): SeededRandom {
    return new SeededRandom(hashSeedName(seed, name));
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1]: never 0, so Box-Muller's log is always finite. */
  nextUnit(): number {
    return (this.nextUint32() + 1) / 0x100000000;
  }

  /** Standard normal by Box-Muller, using both values of each pair. */
  nextGaussian(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.nextUnit()));
    const theta = 2 * Math.PI * this.nextUnit();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** `count` values from N(mean, std^2), the stream seeded by (seed, name). */
export function gaussianValues(seed: number, name: string, count: number, std: number, mean = 0): Float32Array {
  const rng = SeededRandom.forTensor(seed, name);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = mean + std * rng.nextGaussian();
  return out;
}
