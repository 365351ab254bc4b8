/**
 * Random architectures: DRAM plus 1-3 on-chip levels, spatial fanout below
 * some of them, shared / split / unlimited bandwidth, access latencies,
 * energies, burst sizes, and capacities that are mostly ample (so counts get
 * compared) and sometimes small (so the engines must agree that the mapping
 * does not fit).
 */
import type { NativeArchitecture, NativeLevel } from "../spec/native-schema.ts"
import type { Choices } from "./choices.ts"

export const levelNames = ["DRAM", "GlobalBuffer", "LocalBuffer", "RegFile"] as const
export const computeName = "MAC"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Energies with a few decimals, so energy sums exercise floating point a little. */
const energy = (c: Choices, max: number): number => c.int(0, max * 4) / 4

export const generateArchitecture = (c: Choices): NativeArchitecture => {
  const count = c.int(2, 4)
  const names = count === 4 ? levelNames : [...levelNames.slice(0, count - 1), "RegFile"]
  const tight = c.chance(15)
  const levels: NativeLevel[] = names.map((name, index) => {
    const level: Mutable<NativeLevel> = { name }
    if (index > 0) level.capacity = tight && c.chance(60) ? c.int(2, 48) : 100000
    const bandwidthKind = c.int(0, 9)
    if (bandwidthKind <= 1) {
      // unlimited: leave it out
    } else if (bandwidthKind <= 6) level.bandwidth = c.int(1, 16)
    else level.bandwidth = { read: c.int(1, 8), write: c.int(1, 8) }
    if (c.chance(70)) level.latency = index === 0 ? c.int(0, 30) : c.int(0, 3)
    level.read_energy = energy(c, index === 0 ? 100 : 5)
    level.write_energy = energy(c, index === 0 ? 100 : 5)
    if (index === 0 && c.chance(40)) level.block_size = c.pick([2, 4, 8])
    if (c.chance(45)) {
      const x = c.int(1, 4)
      const y = c.chance(40) ? c.int(2, 3) : 1
      if (x * y > 1) level.fanout = y === 1 ? x : { x, y }
    }
    return level
  })
  return {
    levels,
    compute: { name: computeName, ops_per_cycle: c.pick([1, 1, 1, 2, 4]), energy_per_op: energy(c, 2) }
  }
}
