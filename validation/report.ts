/**
 * The accuracy report of a validation run: how many cases agreed, the
 * exact-match rate of every count metric, the latency and energy error
 * distributions, and how well the model ranks the mappings of a workload
 * (Kendall tau between model and simulator latency, per group of mappings
 * that share workload and architecture, averaged over groups).
 */
import type { CaseResult } from "./case.ts"
import { type CountMetric, countMetrics, isFailure, type Mismatch, type Verdict } from "./compare.ts"
import { kendallTau, type Spread, spread } from "./summary.ts"

export interface FailedCase {
  readonly id: string
  readonly verdict: Verdict
  readonly mismatches: ReadonlyArray<Mismatch>
  readonly mismatchCount: number
}

export interface Report {
  readonly cases: number
  readonly seed: number
  readonly workers: number
  /** Cases whose counts were compared (both engines produced complete stats). */
  readonly compared: number
  readonly agreements: number
  /** Cases where some count differs, or only one engine found that the mapping does not fit. */
  readonly countMismatches: number
  /** Both engines found that the mapping does not fit (agreement). */
  readonly bothOverflow: number
  /** Mappings the model declines to evaluate (it cannot do them exactly). */
  readonly modelUnsupported: number
  /** Crashes of either engine, or generated specs the checks rejected. */
  readonly errors: number
  /** Per count metric: the fraction of cases where every key of it matched. */
  readonly exactMatchRate: Record<CountMetric, number>
  /** Relative error of the model's latency against the simulator's, as fractions. */
  readonly latencyError: Spread
  readonly energyError: Spread
  /** Fraction of the agreeing cases where the model's latency is below the simulator's (the model omits access latency and stalls, semantics 10.3). */
  readonly latencyBelowSimulator: number
  /** Mean Kendall tau over groups with at least 3 compared mappings (null if none). */
  readonly kendallTau: number | null
  readonly kendallGroups: number
  readonly seconds: number
  readonly casesPerMinute: number
  readonly failures: ReadonlyArray<FailedCase>
}

/** Latency pairs (model, simulator) for plots. */
export interface LatencyPoint {
  readonly id: string
  readonly model: number
  readonly simulator: number
  readonly error: number
}

const keptFailures = 100

export const latencyPoints = (results: ReadonlyArray<CaseResult>): LatencyPoint[] =>
  results.flatMap((r) =>
    r.latency !== undefined && r.verdict === "agree" ? [{ id: r.id, model: r.latency.model, simulator: r.latency.simulator, error: r.latency.error }] : []
  )

export const buildReport = (results: ReadonlyArray<CaseResult>, run: { seed: number; workers: number; seconds: number }): Report => {
  const count = (verdict: Verdict) => results.filter((r) => r.verdict === verdict).length
  const exactMatchRate = {} as Record<CountMetric, number>
  for (const metric of countMetrics) {
    const judged = results.filter((r) => r.metricMatch[metric] !== undefined)
    exactMatchRate[metric] = judged.length === 0 ? 1 : judged.filter((r) => r.metricMatch[metric] === true).length / judged.length
  }
  // Latency and energy errors only where the counts agree: a count mismatch is a bug, not an estimate.
  const agreed = results.filter((r) => r.verdict === "agree")
  const groups = new Map<string, CaseResult[]>()
  for (const r of agreed) groups.set(r.group, [...(groups.get(r.group) ?? []), r])
  const taus: number[] = []
  for (const members of groups.values()) {
    if (members.length < 3) continue
    const tau = kendallTau(members.map((m) => m.latency!.model), members.map((m) => m.latency!.simulator))
    if (tau !== null) taus.push(tau)
  }
  const failures = results.filter(isFailure)
  return {
    cases: results.length,
    seed: run.seed,
    workers: run.workers,
    compared: results.filter((r) => r.latency !== undefined).length,
    agreements: count("agree"),
    countMismatches: count("mismatch"),
    bothOverflow: count("both-overflow"),
    modelUnsupported: count("model-unsupported"),
    errors: count("model-error") + count("simulator-error") + count("invalid-case"),
    exactMatchRate,
    latencyError: spread(agreed.map((r) => r.latency!.error)),
    energyError: spread(agreed.map((r) => r.energy!.error)),
    latencyBelowSimulator: agreed.length === 0 ? 0 : agreed.filter((r) => r.latency!.model < r.latency!.simulator).length / agreed.length,
    kendallTau: taus.length === 0 ? null : taus.reduce((a, b) => a + b, 0) / taus.length,
    kendallGroups: taus.length,
    seconds: run.seconds,
    casesPerMinute: run.seconds === 0 ? 0 : (results.length / run.seconds) * 60,
    failures: failures.slice(0, keptFailures).map((r) => ({ id: r.id, verdict: r.verdict, mismatches: r.mismatches.slice(0, 4), mismatchCount: r.mismatchCount }))
  }
}

const percent = (x: number): string => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 1)} %`

/** The report as a plain-text table for stdout. */
export const renderReport = (report: Report): string => {
  const lines: string[] = []
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(34)} ${value}`)
  lines.push(`fuselab validate: model vs simulator, ${report.cases} cases (seed ${report.seed}, ${report.workers} worker${report.workers === 1 ? "" : "s"})`)
  lines.push("")
  row("counts compared", String(report.compared))
  row("agree exactly", String(report.agreements))
  row("count mismatches", String(report.countMismatches))
  row("both: does not fit (agreement)", String(report.bothOverflow))
  row("model declines (unsupported)", String(report.modelUnsupported))
  row("engine errors / invalid cases", String(report.errors))
  lines.push("")
  lines.push("  exact-match rate per metric")
  for (const metric of countMetrics) row(`    ${metric}`, percent(report.exactMatchRate[metric]))
  lines.push("")
  lines.push(`  ${"".padEnd(34)} ${"median".padStart(9)} ${"p95".padStart(9)} ${"max".padStart(9)}`)
  const errors = (label: string, s: Spread) => lines.push(`  ${label.padEnd(34)} ${percent(s.median).padStart(9)} ${percent(s.p95).padStart(9)} ${percent(s.max).padStart(9)}`)
  errors("latency error (model vs simulator)", report.latencyError)
  errors("energy error", report.energyError)
  row("model latency below simulator's", percent(report.latencyBelowSimulator))
  lines.push("")
  row("Kendall tau (latency ranking)", report.kendallTau === null ? "n/a" : `${report.kendallTau.toFixed(3)} (mean over ${report.kendallGroups} workloads)`)
  row("time", `${report.seconds.toFixed(1)} s (${Math.round(report.casesPerMinute)} cases/min)`)
  if (report.failures.length > 0) {
    lines.push("")
    lines.push("  failed cases (ids are random:SEED:INDEX; --out DIR shrinks and saves them)")
    for (const f of report.failures.slice(0, 20)) {
      const first = f.mismatches[0]
      const detail = first === undefined ? "" : `: ${first.metric} ${first.key} model ${String(first.model).slice(0, 60)} simulator ${String(first.simulator).slice(0, 60)}`
      lines.push(`    ${f.id} ${f.verdict} (${f.mismatchCount})${detail}`)
    }
  }
  return lines.join("\n")
}
