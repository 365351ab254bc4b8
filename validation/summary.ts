/**
 * Summary statistics for the report: percentiles and Kendall's tau-b.
 */

export interface Spread {
  readonly median: number
  readonly p95: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentile of sorted values (p in [0, 100]). */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number => {
  if (sorted.length === 0) return 0
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]!
}

export const spread = (values: ReadonlyArray<number>): Spread => {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
    mean: sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length
  }
}

/**
 * Kendall's tau-b of paired values (ties in either list handled), or null
 * when it is undefined (fewer than two points, or one list all ties).
 */
export const kendallTau = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>): number | null => {
  const n = Math.min(xs.length, ys.length)
  let concordant = 0
  let discordant = 0
  let tiesX = 0
  let tiesY = 0
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(xs[i]! - xs[j]!)
      const dy = Math.sign(ys[i]! - ys[j]!)
      if (dx === 0 && dy === 0) continue
      if (dx === 0) tiesX++
      else if (dy === 0) tiesY++
      else if (dx === dy) concordant++
      else discordant++
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY))
  return denominator === 0 ? null : (concordant - discordant) / denominator
}
