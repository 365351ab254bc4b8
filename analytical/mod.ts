/**
 * analytical/: the fast set-based model of docs/semantics.md (normative; code
 * comments cite its rules as R4.3 and so on). `evaluate(spec)` computes the
 * `Stats` of a mapping in closed form: tiles are sets of boxes, uniform
 * steps are counted once and multiplied (iteration classes), sums below the
 * last branch are memoized by tile shape, and only boundary tiles and halos
 * are treated on their own, so the cost of one evaluation does not grow with
 * tensor sizes or trip counts.
 *
 * A mapping it cannot evaluate exactly raises a `SpecError` naming the node
 * and the reason; it never returns a number it cannot stand behind.
 */
import type { Spec } from "../spec/spec.ts"
import type { EngineOptions, Stats } from "../spec/stats.ts"
import { sortAccesses } from "../spec/stats.ts"
import { countAccesses } from "./accesses.ts"
import { capacityNeeded } from "./capacity.ts"
import { energyOf } from "./energy.ts"
import { accessLatencyCycles, computeCycles, memoryCycles } from "./latency.ts"
import { buildModel } from "./tile-inference.ts"

/** Internal knobs for tests: `exhaustive` visits every iteration (brute force) instead of iteration classes and tile-shape memos. */
export interface InternalOptions {
  readonly exhaustive?: boolean
}

/**
 * Evaluate a spec: accesses per (level, tensor, einsum), ops (recomputation
 * included), capacity per physical level, latency in cycles and energy in pJ.
 *
 * @example
 * const stats = evaluate(await loadSpec(["examples/two-fc.yaml"]))
 * stats.ops // { Fc1: 524288, Fc2: 524288 }
 */
export const evaluate = (spec: Spec, options: EngineOptions & InternalOptions = {}): Stats => {
  const countFirstOutputRead = options.countFirstOutputRead ?? false
  const model = buildModel(spec, options.exhaustive ?? false)
  const { accesses, ops, busiest } = countAccesses(model, countFirstOutputRead)
  const capacity = capacityNeeded(model)
  const compute = computeCycles(model)
  const memory = memoryCycles(model, busiest)
  const latency = Math.max(compute, ...Object.values(memory)) + accessLatencyCycles(spec, accesses)
  const energy = energyOf(spec, accesses, ops)
  const warnings: string[] = []
  for (const level of spec.architecture.levels) {
    const needed = capacity[level.name] ?? 0
    if (level.capacity !== null && needed > level.capacity) {
      warnings.push(`${level.name}: the mapping needs ${needed} words per instance but the level holds ${level.capacity}; it does not fit`)
    }
  }
  const orderedOps: Record<string, number> = {}
  for (const e of spec.workload.einsums) orderedOps[e.name] = ops[e.name] ?? 0
  return {
    ops: orderedOps,
    accesses: sortAccesses(accesses, spec.levels.map((l) => l.name)),
    capacity,
    latency,
    energy,
    meta: { engine: "analytical", spec: spec.hash, options: { countFirstOutputRead } },
    ...(warnings.length > 0 ? { warnings } : {})
  }
}
