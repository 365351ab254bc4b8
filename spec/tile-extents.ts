/**
 * Largest tile extents per (Einsum, rank) down a mapping path, used by the
 * spec checks (spatial fanout). This is a conservative bounding-box
 * inference for checking only; the engines derive exact tiles themselves.
 */
import type { LogicalLevel, LoopNode, Mapping, MappingNode } from "./mapping.ts"
import { isBranch, leafPaths } from "./mapping.ts"
import { findEinsum, findTensor, type Workload } from "./workload.ts"

export interface SpatialUse {
  readonly loop: LoopNode
  /** Instances this loop spreads over (its largest tile count). */
  readonly count: number
  /** Cumulative instances along x and y of all spatial loops down to and including this one. */
  readonly instances: { readonly x: number; readonly y: number }
  /** Physical index of the level whose instances the loop uses (its target, docs/semantics.md R5.1), or the number of levels for the compute unit. */
  readonly targetLevelIndex: number
}

type Extents = Map<string, Map<string, number>>

/** Narrow every non-head Einsum of a group to the box its consumers in the group need. */
export const inferGroupExtents = (workload: Workload, group: ReadonlyArray<string>, extents: Extents): void => {
  const needed = new Map<string, Map<string, number>>()
  for (const name of [...group].reverse()) {
    const consumer = findEinsum(workload, name)!
    const own = extents.get(name)!
    const narrowed = needed.get(name)
    if (narrowed !== undefined) for (const [rank, extent] of narrowed) own.set(rank, Math.min(own.get(rank)!, extent))
    for (const input of consumer.inputs) {
      const tensor = findTensor(workload, input.tensor)!
      if (tensor.producer === null || !group.includes(tensor.producer)) continue
      const producer = findEinsum(workload, tensor.producer)!
      const want = needed.get(producer.name) ?? new Map<string, number>()
      input.projection.forEach((expression, d) => {
        let span = 1
        for (const { rank, coefficient } of expression.terms) span += Math.abs(coefficient) * (own.get(rank)! - 1)
        span = Math.min(span, tensor.shape[d]!)
        const rank = producer.output.projection[d]!.terms[0]!.rank
        want.set(rank, Math.max(want.get(rank) ?? 0, span))
      })
      needed.set(producer.name, want)
    }
  }
}

export const spatialInstancesUsed = (
  mapping: Mapping,
  workload: Workload,
  levels: ReadonlyArray<LogicalLevel>
): SpatialUse[] => {
  const physicalCount = new Set(levels.map((l) => l.physical)).size
  const physicalOf = new Map(levels.map((l) => [l.name, l.physicalIndex]))
  const uses: SpatialUse[] = []
  for (const path of leafPaths(mapping)) {
    const extents: Extents = new Map(
      workload.einsums.map((e) => [e.name, new Map(e.ranks.map((r) => [r.name, r.bound]))])
    )
    let x = 1
    let y = 1
    path.forEach((node: MappingNode, i) => {
      if (isBranch(node)) inferGroupExtents(workload, node.einsums, extents)
      if (node.kind !== "temporal" && node.kind !== "spatial") return
      const ranks = extents.get(node.einsum)!
      const extent = ranks.get(node.rank)!
      const count = Math.ceil(extent / node.tileShape)
      ranks.set(node.rank, Math.min(extent, node.tileShape))
      if (node.kind !== "spatial") return
      if (node.dim === "x") x *= count
      else y *= count
      // The target (docs/semantics.md R5.1): the first storage node below in a deeper physical
      // level than any storage above the loop; deeper logical copies of the same buffer are
      // partitions of one instance, not separate instances.
      const above = Math.max(-1, ...path.slice(0, i).flatMap((n) => (n.kind === "storage" ? [physicalOf.get(n.level)!] : [])))
      const below = path.slice(i + 1).find((n) => n.kind === "storage" && physicalOf.get(n.level)! > above)
      const targetLevelIndex = below?.kind === "storage" ? physicalOf.get(below.level)! : physicalCount
      uses.push({ loop: node, count, instances: { x, y }, targetLevelIndex })
    })
  }
  return uses
}
