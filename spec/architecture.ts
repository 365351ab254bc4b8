/**
 * The architecture: memory levels from DRAM inward, the spatial fanout below
 * each level, and the compute unit at the bottom.
 */
import { Either } from "effect"
import { type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import type { NativeArchitecture } from "./native-schema.ts"

export type Bandwidth =
  | { readonly kind: "unlimited" }
  /** One port pool shared by reads and writes. */
  | { readonly kind: "shared"; readonly wordsPerCycle: number }
  | { readonly kind: "split"; readonly read: number; readonly write: number }

export interface Fanout {
  readonly x: number
  readonly y: number
  /** Instances may forward data to their mesh neighbours (peer forwarding). */
  readonly neighborLinks: boolean
}

export interface MemoryLevel {
  readonly name: string
  /** 0 is the outermost level. */
  readonly index: number
  /** Words per instance; null = unbounded. */
  readonly capacity: number | null
  readonly bandwidth: Bandwidth
  /** Access latency in cycles. */
  readonly latency: number
  /** pJ per word. */
  readonly readEnergy: number
  readonly writeEnergy: number
  /** Burst size in words, if the level transfers in blocks. */
  readonly blockSize: number | null
  /** Instances of the next level inward (or of the compute unit) per instance of this level. */
  readonly fanout: Fanout
}

export interface ComputeUnit {
  readonly name: string
  /** MACs per cycle per unit. */
  readonly opsPerCycle: number
  /** pJ per MAC. */
  readonly energyPerOp: number
}

export interface Architecture {
  readonly levels: ReadonlyArray<MemoryLevel>
  readonly compute: ComputeUnit
}

export const findLevel = (architecture: Architecture, name: string): MemoryLevel | undefined =>
  architecture.levels.find((level) => level.name === name)

/**
 * Instances of a level in the whole machine, per mesh dimension: the product
 * of the fanouts of the levels above it. `levelIndex === levels.length`
 * means the compute unit.
 */
export const instancesOf = (architecture: Architecture, levelIndex: number): { x: number; y: number } => {
  let x = 1
  let y = 1
  for (const level of architecture.levels.slice(0, levelIndex)) {
    x *= level.fanout.x
    y *= level.fanout.y
  }
  return { x, y }
}

export const resolveArchitecture = (
  raw: NativeArchitecture,
  file: string,
  at: DocPath = ["architecture"]
): Either.Either<Architecture, SpecError> => {
  const issues: SpecIssue[] = []
  const names = new Set<string>()
  const levels: MemoryLevel[] = raw.levels.map((level, index) => {
    if (names.has(level.name)) issues.push({ file, path: [...at, "levels", index, "name"], message: `level "${level.name}" is defined twice` })
    names.add(level.name)
    const bandwidth: Bandwidth =
      level.bandwidth === undefined
        ? { kind: "unlimited" }
        : typeof level.bandwidth === "number"
          ? { kind: "shared", wordsPerCycle: level.bandwidth }
          : { kind: "split", read: level.bandwidth.read, write: level.bandwidth.write }
    const fanout: Fanout =
      level.fanout === undefined
        ? { x: 1, y: 1, neighborLinks: false }
        : typeof level.fanout === "number"
          ? { x: level.fanout, y: 1, neighborLinks: false }
          : { x: level.fanout.x, y: level.fanout.y ?? 1, neighborLinks: level.fanout.neighbor_links ?? false }
    return {
      name: level.name,
      index,
      capacity: level.capacity ?? null,
      bandwidth,
      latency: level.latency ?? 0,
      readEnergy: level.read_energy ?? 0,
      writeEnergy: level.write_energy ?? 0,
      blockSize: level.block_size ?? null,
      fanout
    }
  })
  if (names.has(raw.compute.name)) {
    issues.push({ file, path: [...at, "compute", "name"], message: `"${raw.compute.name}" names both a memory level and the compute unit` })
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues }))
  return Either.right({
    levels,
    compute: { name: raw.compute.name, opsPerCycle: raw.compute.ops_per_cycle ?? 1, energyPerOp: raw.compute.energy_per_op ?? 0 }
  })
}
