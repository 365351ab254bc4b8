/**
 * One validation case: run both engines on a spec and compare. A case is
 * either case `index` of a random run (regenerated from the run seed and the
 * index, so a worker needs nothing but those two numbers) or a spec the user
 * gave (the examples).
 */
import { Either } from "effect"
import type { Spec } from "../spec/spec.ts"
import { type Comparison, compareOutcomes, type Mismatch } from "./compare.ts"
import { type Engines, runModel, runSimulator } from "./engines.ts"
import { generateCase, specOfDoc } from "./generators.ts"

export interface CaseOptions {
  /** Count first output reads in every case; when absent, random cases draw it (20 % true) and specs use false. */
  readonly countFirstOutputRead?: boolean
}

export interface CaseResult extends Omit<Comparison, "mismatches"> {
  /** `random:<seed>:<index>` or `example:<file>`. */
  readonly id: string
  /** Position in the run (examples first, then random cases). */
  readonly index: number
  /** Cases of one group share workload and architecture (Kendall tau is per group). */
  readonly group: string
  /** The first mismatches (all of them are reproducible from the id). */
  readonly mismatches: ReadonlyArray<Mismatch>
  readonly mismatchCount: number
  /** Total MACs the simulator executed (or the model, if the simulator did not finish). */
  readonly ops: number
  readonly seconds: number
}

const keptMismatches = 12

export const runSpecCase = async (
  engines: Engines,
  spec: Spec,
  ids: { id: string; index: number; group: string },
  options: CaseOptions = {}
): Promise<CaseResult> => {
  const started = performance.now()
  const engineOptions = { countFirstOutputRead: options.countFirstOutputRead ?? false }
  const model = runModel(engines, spec, engineOptions)
  const simulator = await runSimulator(engines, spec, { ...engineOptions, seed: 1 })
  const comparison = compareOutcomes(model, simulator)
  const opsOf = (o: typeof model) => ("stats" in o && o.stats !== undefined ? Object.values(o.stats.ops).reduce((a, b) => a + b, 0) : 0)
  return {
    ...ids,
    ...comparison,
    mismatches: comparison.mismatches.slice(0, keptMismatches),
    mismatchCount: comparison.mismatches.length,
    ops: opsOf(simulator) || opsOf(model),
    seconds: (performance.now() - started) / 1000
  }
}

export const randomCaseId = (runSeed: number, index: number): string => `random:${runSeed}:${index}`

/** Case `index` of the random run `runSeed`; `position` is its place in the whole run. */
export const runRandomCase = async (engines: Engines, runSeed: number, index: number, position: number, options: CaseOptions = {}): Promise<CaseResult> => {
  const generated = generateCase(runSeed, index)
  const ids = { id: randomCaseId(runSeed, index), index: position, group: `random:${runSeed}:g${generated.group}` }
  const spec = specOfDoc(generated.doc, `case-${index}.json`)
  if (Either.isLeft(spec)) {
    const mismatch: Mismatch = { metric: "keys", key: "spec", model: spec.left.message, simulator: null }
    return { ...ids, verdict: "invalid-case", mismatches: [mismatch], mismatchCount: 1, metricMatch: {}, ops: 0, seconds: 0 }
  }
  // The run's option wins; otherwise the case draws its own convention.
  const countFirstOutputRead = options.countFirstOutputRead ?? generated.countFirstOutputRead
  return runSpecCase(engines, spec.right, ids, { ...options, countFirstOutputRead })
}
