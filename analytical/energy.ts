/**
 * Energy: actions times per-action energy, per word; by physical level and
 * for the compute unit.
 */
import type { Spec } from "../spec/spec.ts"
import type { AccessStats } from "../spec/stats.ts"

export const energyOf = (spec: Spec, accesses: ReadonlyArray<AccessStats>, ops: Readonly<Record<string, number>>): { total: number; byLevel: Record<string, number> } => {
  const physicalOf = new Map(spec.levels.map((l) => [l.name, l.physical]))
  const byLevel: Record<string, number> = {}
  for (const level of spec.architecture.levels) byLevel[level.name] = 0
  for (const a of accesses) {
    const physical = physicalOf.get(a.level)!
    const level = spec.architecture.levels.find((l) => l.name === physical)!
    byLevel[physical] = byLevel[physical]! + a.reads * level.readEnergy + a.writes * level.writeEnergy
  }
  const compute = spec.architecture.compute
  byLevel[compute.name] = Object.values(ops).reduce((n, x) => n + x, 0) * compute.energyPerOp
  const total = Object.values(byLevel).reduce((n, x) => n + x, 0)
  return { total, byLevel }
}
