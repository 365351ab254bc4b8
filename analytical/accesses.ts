/**
 * Per (level, tensor, einsum): occupancy (peak per instance), fills (summed
 * over instances), and the reads and writes each transfer charges:
 *
 * - a storage node's fill of an input reads its parent once per datum per
 *   step however many instances below the parent need it (multicast: a union
 *   over the spatial loops between the two), and writes the node itself
 *   (except at the topmost holder, whose fills come from nowhere);
 * - an output's fill reads the parent except for the first fill of each
 *   element into each instance (it starts at zero; `countFirstOutputRead`
 *   counts it), and every fill drains back: one write at the parent per datum
 *   per step, partial sums of several instances reduced into one update;
 * - the compute leaf reads each operand of each leaf step from the lowest
 *   storage node holding it (multicast likewise) and writes each output
 *   update back there (reduced likewise), the first update of each element
 *   needing no read.
 */
import type { AccessStats } from "../spec/stats.ts"
import type { LoopNode, StorageNode } from "../spec/mapping.ts"
import { findTensor } from "../spec/workload.ts"
import { forEachStep, unionOverInstances } from "./steps.ts"
import type { Model } from "./tile-inference.ts"
import { card, subtract, type TileSet } from "./tile-set.ts"

export interface AccessTotals {
  readonly accesses: AccessStats[]
  /** Every MAC executed per Einsum. */
  readonly ops: Record<string, number>
}

interface Mutable {
  level: string
  tensor: string
  einsum: string
  reads: number
  writes: number
  fills: number
  occupancy: number
}

export const countAccesses = (model: Model, countFirstOutputRead: boolean): AccessTotals => {
  const table = new Map<string, Mutable>()
  const order: string[] = []
  const entry = (level: string, tensor: string, einsum: string): Mutable => {
    const key = `${level}|${tensor}|${einsum}`
    let e = table.get(key)
    if (e === undefined) {
      e = { level, tensor, einsum, reads: 0, writes: 0, fills: 0, occupancy: 0 }
      table.set(key, e)
      order.push(key)
    }
    return e
  }
  const ops: Record<string, number> = {}

  for (const path of model.paths) {
    const e = path.einsum
    const leafIndex = path.nodes.length - 1
    const tensors = [...e.inputs, e.output].map((a) => a.tensor)
    const holdersOf = (tensor: string) =>
      path.nodes.flatMap((node, j) => (node.kind === "storage" && node.tensors.includes(tensor) ? [j] : []))
    const spatialBetween = (from: number, to: number): number[] =>
      path.loopAt.filter((j) => j > from && j < to && path.nodes[j]!.kind === "spatial")
    /** Instances above node `upTo` that each see every element of the output (spatial loops on ranks the output does not use). */
    const replicas = (upTo: number): number => {
      const outRanks = new Set(e.output.projection.map((x) => x.terms[0]!.rank))
      let n = 1
      for (const j of path.loopAt) {
        if (j >= upTo) break
        const loop = path.nodes[j] as LoopNode
        if (loop.kind !== "spatial" || outRanks.has(loop.rank)) continue
        n *= model.tripCount(path, j, new Array<number>(path.loopsBefore[j]!).fill(0))
      }
      return n
    }

    for (const tensor of tensors) {
      const isOutput = tensor === e.output.tensor
      const volume = findTensor(model.spec.workload, tensor)!.volume
      const holders = holdersOf(tensor)
      holders.forEach((j, h) => {
        const node = path.nodes[j] as StorageNode
        const stats = entry(node.level, tensor, e.name)
        const fillSet = (it: ReadonlyArray<number>): TileSet => {
          const occ = model.occupancy(path, j, tensor, it)
          const prev = model.prevIters(path, j, it)
          return prev === undefined ? occ : subtract(occ, model.occupancy(path, j, tensor, prev))
        }
        let fills = 0
        forEachStep(model, path, j, (it, mult) => {
          const occ = card(model.occupancy(path, j, tensor, it))
          if (occ > stats.occupancy) stats.occupancy = occ
          fills += mult * card(fillSet(it))
        })
        stats.fills += fills
        if (h === 0) return
        const parentIndex = holders[h - 1]!
        const parent = entry((path.nodes[parentIndex] as StorageNode).level, tensor, e.name)
        const between = spatialBetween(parentIndex, j)
        let transferred = 0
        forEachStep(
          model,
          path,
          j,
          (it, mult) => {
            transferred += mult * card(unionOverInstances(model, path, between, it, fillSet))
          },
          new Set(between)
        )
        if (isOutput) {
          const firstIntoNode = countFirstOutputRead ? 0 : volume * replicas(j)
          const firstFromParent = countFirstOutputRead ? 0 : volume * replicas(parentIndex)
          stats.writes += fills - firstIntoNode
          parent.writes += transferred
          parent.reads += transferred - firstFromParent
        } else {
          stats.writes += fills
          parent.reads += transferred
        }
      })

      // The compute leaf's operand reads and update write-backs.
      const parentIndex = holders[holders.length - 1]!
      const parent = entry((path.nodes[parentIndex] as StorageNode).level, tensor, e.name)
      const between = spatialBetween(parentIndex, leafIndex)
      const access = model.accessOf(e, tensor)!
      const leafData = (it: ReadonlyArray<number>): TileSet =>
        model.image(e, model.setsBefore(path, leafIndex, it).get(e.name) ?? [], access, path.nodes[leafIndex]!)
      let moved = 0
      forEachStep(
        model,
        path,
        leafIndex,
        (it, mult) => {
          moved += mult * card(unionOverInstances(model, path, between, it, leafData))
        },
        new Set(between)
      )
      if (isOutput) {
        parent.writes += moved
        parent.reads += moved - (countFirstOutputRead ? 0 : volume * replicas(parentIndex))
      } else parent.reads += moved
    }

    let executed = 0
    forEachStep(model, path, leafIndex, (it, mult) => {
      executed += mult * card(model.setsBefore(path, leafIndex, it).get(e.name) ?? [])
    })
    ops[e.name] = executed
  }
  return { accesses: order.map((key) => ({ ...table.get(key)! })), ops }
}
