// prng: a tiny seeded pseudo-random generator (mulberry32) so randomized tests replay exactly.

/** Returns a generator of floats in [0, 1), fully determined by `seed` (any u32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
