/**
 * Comparing the model's `Stats` with the simulator's. Counts (ops, and per
 * access key reads, writes, fills, occupancy; capacity per physical level)
 * must be equal integers; latency and energy are compared as relative errors
 * against the simulator (the ground truth). A mapping both engines find does
 * not fit agrees, whatever the counts; one engine alone saying so is a
 * count mismatch (of the metric `fits`).
 */
import { accessKey, type AccessStats, type Stats } from "../spec/stats.ts"

export const countMetrics = ["ops", "reads", "writes", "fills", "occupancy", "capacity", "keys", "fits"] as const
export type CountMetric = (typeof countMetrics)[number]

/** What an engine produced for one case. */
export type EngineOutcome =
  | { readonly kind: "stats"; readonly stats: Stats }
  /** The mapping does not fit: the model's capacity warning, or the simulator's overflow. */
  | { readonly kind: "overflow"; readonly message: string; readonly stats?: Stats }
  /** The model declines a mapping it cannot evaluate exactly (a documented limitation, not a disagreement). */
  | { readonly kind: "unsupported"; readonly message: string }
  /** A crash: a bug in that engine. */
  | { readonly kind: "error"; readonly message: string }

export interface Mismatch {
  readonly metric: CountMetric
  /** `einsum` for ops, `level|tensor|einsum` for accesses, the physical level for capacity. */
  readonly key: string
  readonly model: number | string | null
  readonly simulator: number | string | null
}

export type Verdict =
  | "agree" // counts equal
  | "both-overflow" // both say it does not fit
  | "mismatch" // counts differ, or only one engine says it does not fit
  | "model-unsupported"
  | "model-error"
  | "simulator-error"
  | "invalid-case" // a generated spec the checks reject: a bug in the generator or in the checks

export interface Comparison {
  readonly verdict: Verdict
  readonly mismatches: ReadonlyArray<Mismatch>
  /** Per metric: true when every key of it matched (only for verdicts that compare counts). */
  readonly metricMatch: Partial<Record<CountMetric, boolean>>
  readonly latency?: { readonly model: number; readonly simulator: number; readonly error: number }
  readonly energy?: { readonly model: number; readonly simulator: number; readonly error: number }
}

/** |model - simulator| / simulator, with 0/0 = 0 and x/0 = 1. */
export const relativeError = (model: number, simulator: number): number => {
  if (simulator === 0) return model === 0 ? 0 : 1
  return Math.abs(model - simulator) / Math.abs(simulator)
}

/** The model reports "does not fit" as a warning on otherwise complete stats. */
export const modelOutcome = (stats: Stats): EngineOutcome => {
  const overflow = (stats.warnings ?? []).filter((w) => /does not fit|exceed/i.test(w))
  return overflow.length > 0 ? { kind: "overflow", message: overflow.join("; "), stats } : { kind: "stats", stats }
}

const compareRecords = (
  metric: CountMetric,
  model: Readonly<Record<string, number>>,
  simulator: Readonly<Record<string, number>>,
  out: Mismatch[]
): void => {
  for (const key of new Set([...Object.keys(model), ...Object.keys(simulator)])) {
    const m = model[key] ?? null
    const s = simulator[key] ?? null
    if (m !== s) out.push({ metric, key, model: m, simulator: s })
  }
}

/** Compare two complete `Stats`. */
export const compareStats = (model: Stats, simulator: Stats): Omit<Comparison, "verdict"> & { verdict: "agree" | "mismatch" } => {
  const mismatches: Mismatch[] = []
  compareRecords("ops", model.ops, simulator.ops, mismatches)
  compareRecords("capacity", model.capacity, simulator.capacity, mismatches)
  const byKey = (accesses: ReadonlyArray<AccessStats>) => new Map(accesses.map((a) => [accessKey(a), a]))
  const m = byKey(model.accesses)
  const s = byKey(simulator.accesses)
  for (const key of new Set([...m.keys(), ...s.keys()])) {
    const a = m.get(key)
    const b = s.get(key)
    if (a === undefined || b === undefined) {
      mismatches.push({ metric: "keys", key, model: a === undefined ? "absent" : "present", simulator: b === undefined ? "absent" : "present" })
      continue
    }
    for (const metric of ["reads", "writes", "fills", "occupancy"] as const) {
      if (a[metric] !== b[metric]) mismatches.push({ metric, key, model: a[metric], simulator: b[metric] })
    }
  }
  const metricMatch: Partial<Record<CountMetric, boolean>> = {}
  for (const metric of countMetrics) metricMatch[metric] = !mismatches.some((x) => x.metric === metric)
  return {
    verdict: mismatches.length === 0 ? "agree" : "mismatch",
    mismatches,
    metricMatch,
    latency: { model: model.latency, simulator: simulator.latency, error: relativeError(model.latency, simulator.latency) },
    energy: { model: model.energy.total, simulator: simulator.energy.total, error: relativeError(model.energy.total, simulator.energy.total) }
  }
}

/** Compare what the two engines produced for one case. */
export const compareOutcomes = (model: EngineOutcome, simulator: EngineOutcome): Comparison => {
  // A simulator crash is reported even where the model declines: the simulator must run every valid spec.
  if (simulator.kind === "error" || simulator.kind === "unsupported") {
    return { verdict: "simulator-error", mismatches: [{ metric: "keys", key: "simulator", model: null, simulator: simulator.message }], metricMatch: {} }
  }
  if (model.kind === "unsupported") return { verdict: "model-unsupported", mismatches: [], metricMatch: {} }
  if (model.kind === "error") return { verdict: "model-error", mismatches: [{ metric: "keys", key: "model", model: model.message, simulator: null }], metricMatch: {} }
  if (model.kind === "overflow" && simulator.kind === "overflow") return { verdict: "both-overflow", mismatches: [], metricMatch: { fits: true } }
  if (model.kind === "overflow" || simulator.kind === "overflow") {
    const fits: Mismatch = {
      metric: "fits",
      key: "capacity",
      model: model.kind === "overflow" ? model.message : "fits",
      simulator: simulator.kind === "overflow" ? simulator.message : "fits"
    }
    // Show the capacity figures too when both produced stats: they say who is right.
    const both = model.stats !== undefined && simulator.stats !== undefined ? compareStats(model.stats, simulator.stats).mismatches : []
    return { verdict: "mismatch", mismatches: [fits, ...both], metricMatch: { fits: false } }
  }
  const compared = compareStats(model.stats, simulator.stats)
  return { ...compared, metricMatch: { ...compared.metricMatch, fits: true } }
}

/** True when the case is a failed check (a count mismatch or an engine crash). */
export const isFailure = (comparison: Comparison): boolean =>
  comparison.verdict === "mismatch" ||
  comparison.verdict === "model-error" ||
  comparison.verdict === "simulator-error" ||
  comparison.verdict === "invalid-case"
