// One seed for every property test in a run. CI uses a fixed seed so a submission is judged on the
// same 10,000s of generated cases every time; anywhere else each run explores new ones. FUZZ_SEED
// replays a run (fast-check prints the seed of any failure).
import fc from 'fast-check';

const FIXED_CI_SEED = 20_261_126;

export function fuzzSeed(env: Record<string, string | undefined> = process.env): number {
  if (env.FUZZ_SEED !== undefined && env.FUZZ_SEED !== '') {
    const seed = Number(env.FUZZ_SEED);
    if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer (got "${env.FUZZ_SEED}")`);
    return seed;
  }
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return ci ? FIXED_CI_SEED : Math.floor(Math.random() * 2 ** 31);
}

/** Sets the run's seed for fc.assert and fc.sample, and returns it for messages. */
export function seedFuzz(): number {
  const seed = fuzzSeed();
  fc.configureGlobal({ seed });
  return seed;
}
