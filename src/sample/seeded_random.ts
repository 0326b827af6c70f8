/**
 * A seeded pseudo-random generator, so sample data and randomized tests replay exactly.
 *
 * @module
 */

/**
 * mulberry32: a small, fast, deterministic PRNG returning numbers in [0, 1).
 *
 * @param seed Any number; only its low 32 bits matter.
 * @returns A function giving the next number of the sequence on each call.
 * @example
 * ```ts
 * const a = seededRandom(42), b = seededRandom(42);
 * const first = a();
 * console.assert(first === b() && first >= 0 && first < 1);
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
