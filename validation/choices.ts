/**
 * The random choices a generator makes, behind one small interface, so the
 * generators read as plain code while every draw goes through fast-check
 * (`fc.gen()`): cases are reproducible from a seed and shrink with fast-check.
 */
import fc from "fast-check"

export interface Choices {
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  /** True with the given probability in percent. */
  readonly chance: (percent: number) => boolean
  readonly pick: <T>(items: ReadonlyArray<T>) => T
  /** A random subset, in the original order (at least `atLeast` items when there are that many). */
  readonly subset: <T>(items: ReadonlyArray<T>, atLeast?: number) => T[]
}

const unbiasedInteger = (min: number, max: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min, max }))

/** Choices drawing from a fast-check `gen` context. */
export const choicesFromGen = (g: fc.GeneratorValue): Choices => {
  // Unbiased draws: fast-check's default bias towards small values would skew every `chance`.
  const int = (min: number, max: number): number => (max <= min ? min : g(unbiasedInteger, min, max))
  return choicesFromInt(int)
}

/** Choices over any integer source (e.g. a replayed list of draws). */
export const choicesFromInt = (int: (min: number, max: number) => number): Choices => ({
  int,
  chance: (percent) => int(0, 99) < percent,
  pick: (items) => items[int(0, items.length - 1)]!,
  subset: (items, atLeast = 0) => {
    const chosen = items.filter(() => int(0, 1) === 1)
    const need = Math.min(atLeast, items.length)
    if (chosen.length >= need) return chosen
    // Add the first missing items so the order stays the original one.
    const missing = items.filter((item) => !chosen.includes(item))
    const extra = new Set(missing.slice(0, need - chosen.length))
    return items.filter((item) => chosen.includes(item) || extra.has(item))
  }
})
