/**
 * A small seeded PRNG (mulberry32) for fuzz tests, so that every run is repeatable. The seed comes
 * from FUZZ_SEED when set (to replay a failure), else from the clock; a test prints it when it fails.
 */

export interface Rng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
  /** A string of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet?: string): string;
  /** Any UTF-16 code units, lone surrogates included. */
  unicode(length: number): string;
}

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from nothing');
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    bytes(length) {
      const out = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) out[i] = int(0, 255);
      return out;
    },
    string(length, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 <>@.:-') {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    },
    unicode(length) {
      let out = '';
      for (let i = 0; i < length; i++) out += String.fromCharCode(int(0, 0xffff));
      return out;
    },
  };
}

/** The run's seed: FUZZ_SEED if given (decimal or 0x hex), otherwise fresh. */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given) {
    const parsed = Number(given);
    if (!Number.isFinite(parsed)) throw new Error(`FUZZ_SEED is not a number: ${given}`);
    return parsed >>> 0;
  }
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** Run `body` with a seeded PRNG; on failure, the error says how to replay this exact run. */
export async function withSeed<T>(name: string, body: (rng: Rng) => Promise<T>): Promise<T> {
  const seed = fuzzSeed();
  try {
    return await body(mulberry32(seed));
  } catch (error) {
    const hint = `${name} failed with seed ${seed}; replay with FUZZ_SEED=${seed}`;
    console.error(hint);
    if (error instanceof Error) error.message = `${error.message}\n(${hint})`;
    throw error;
  }
}
