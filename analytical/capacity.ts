/**
 * Capacity needed per physical level, by the recursion of R9.1: a storage
 * node adds the words it holds at this step (per tensor the union over the
 * Einsums below it) to what the nodes below need; a temporal loop takes the
 * max over its tiles; a spatial loop sums its tiles for levels above its
 * target (partitions of one physical instance, R5.1) and takes the max
 * otherwise; sequential branches free their storage when they end (max),
 * pipeline branches coexist (sum), and a pipeline keeps up to min(n, T)
 * iterations of its chain (the temporal loops of its node list) in flight
 * (R9.2).
 */
import type { BranchNode, LoopNode, StorageNode } from "../spec/mapping.ts"
import { findEinsum } from "../spec/workload.ts"
import { branchEnd, shapeKey } from "./leaf-sums.ts"
import type { Model, Path } from "./tile-inference.ts"
import { forEachJoint, isListStart, jointCount, pipelineEnding, successor, temporalLoops, windowStarts } from "./pipeline-chain.ts"
import { card, type TileSet, union } from "./tile-set.ts"
import { unsupported } from "./unsupported.ts"
import { unnamed } from "./unnamed.ts"

/** Words per physical level index. */
type Need = number[]

export const capacityNeeded = (model: Model): Record<string, number> => {
  const spec = model.spec
  const levels = spec.architecture.levels
  const zero = unnamed((): Need => new Array<number>(levels.length).fill(0))
  const einsumOf = unnamed((name: string) => findEinsum(spec.workload, name)!)

  /** |occ_n,T| summed over the tensors of storage node nodes[j], at the loop iterations `it` (x `window` consecutive iterations of the loop at `loop`). */
  const words = unnamed((path: Path, j: number, it: ReadonlyArray<number>): number => {
    const node = path.nodes[j] as StorageNode
    let total = 0
    for (const tensor of node.tensors) total += card(held(node, j, tensor, it))
    return total
  })
  const held = unnamed((node: StorageNode, j: number, tensor: string, it: ReadonlyArray<number>): TileSet => {
    let set: TileSet = []
    for (const name of node.einsums) {
      const einsum = einsumOf(name)
      const access = model.accessOf(einsum, tensor)
      if (access === undefined) continue
      set = union(set, model.image(einsum, model.opsBelow(name, j, it), access, node))
    }
    return set
  })

  const combine = unnamed((into: Need, from: Need, f: (a: number, b: number) => number) => {
    for (let l = 0; l < into.length; l++) into[l] = f(into[l]!, from[l]!)
  })

  /** Below the last branch on a path only its Einsum's loops split its op set: memoized by tile shape. */
  const belowMemo = new Map<string, Need>()
  const needOfSet = unnamed((path: Path, j: number, set: TileSet, shape: string): Need => {
    const node = path.nodes[j]!
    if (node.kind === "compute" || set.length === 0) return zero()
    const key = `${path.einsum.name}|${j}|${shape}`
    const known = belowMemo.get(key)
    if (known !== undefined) return known
    let out: Need
    if (node.kind === "storage") {
      out = [...needOfSet(path, j + 1, set, shape)]
      let words = 0
      for (const tensor of node.tensors) {
        const access = model.accessOf(path.einsum, tensor)
        if (access !== undefined) words += card(model.image(path.einsum, set, access, node))
      }
      out[model.levelIndex.get(node.level)!]! += words
    } else {
      const loop = node as LoopNode
      const target = loop.kind === "spatial" ? model.targetIndex(path, j) : Infinity
      out = zero()
      for (const c of model.children(j, loop, set, shape)) {
        const part = needOfSet(path, j + 1, c.set, c.key)
        for (let l = 0; l < out.length; l++) out[l] = l < target && loop.kind === "spatial" ? out[l]! + c.mult * part[l]! : Math.max(out[l]!, part[l]!)
      }
    }
    belowMemo.set(key, out)
    return out
  })

  const need = unnamed((path: Path, j: number, it: ReadonlyArray<number>): Need => {
    const node = path.nodes[j]!
    if (j === branchEnd(path)) {
      const set = model.setsBefore(path, j, it).get(path.einsum.name) ?? []
      return [...needOfSet(path, j, set, shapeKey(set))]
    }
    if (isListStart(path, j)) {
      const at = pipelineEnding(path, j)
      if (at >= 0) return chainNeed(path, j, at, it.slice(0, path.loopsBefore[j]!))
    }
    switch (node.kind) {
      case "compute":
        return zero()
      case "storage": {
        const out = need(path, j + 1, it)
        out[model.levelIndex.get(node.level)!]! += words(path, j, it)
        return out
      }
      case "sequential":
      case "pipeline": {
        const out = zero()
        for (const branch of (node as BranchNode).branches) {
          const part = need(model.pathOf(branch[0]!.einsums[0]!), j + 1, it)
          combine(out, part, node.kind === "sequential" ? Math.max : (a, b) => a + b)
        }
        return out
      }
      default: {
        const loop = node as LoopNode
        const k = path.loopsBefore[j]!
        const prefix = it.slice(0, k)
        const classes = model.loopClasses(path, j, prefix)
        if (loop.kind === "temporal") {
          const out = zero()
          for (const c of classes) combine(out, need(path, j + 1, [...prefix, c.i]), Math.max)
          return out
        }
        const target = model.targetIndex(path, j)
        const out = zero()
        for (const c of classes) {
          const part = need(path, j + 1, [...prefix, c.i])
          for (let l = 0; l < out.length; l++) out[l] = l < target ? out[l]! + c.mult * part[l]! : Math.max(out[l]!, part[l]!)
        }
        return out
      }
    }
  })

  /**
   * R9.2: the list from nodes[start] down to a pipeline of n branches at nodes[at]. Its chain (the
   * temporal loops of the list) runs T joint iterations, W = min(n, T) of them in flight: each storage
   * node of the list holds the union of its tiles over W consecutive iterations (iterations that differ
   * only in loops below the node share its tile), the nodes together count the peak over iterations of
   * the sum of their windows, and each branch reserves its own peak.
   */
  const chainNeed = unnamed((path: Path, start: number, at: number, it: ReadonlyArray<number>): Need => {
    const pipeline = path.nodes[at] as BranchNode
    const loops = temporalLoops(path, start, at)
    for (let k = start; k < at; k++) {
      const node = path.nodes[k]!
      if (node.kind === "spatial") throw unsupported(spec, node.path, "a spatial loop in the node list of a pipeline node (R9.2 window per instance)")
    }
    const width = Math.min(pipeline.branches.length, jointCount(model, path, loops, it, pipeline.branches.length))
    const nodes: number[] = []
    for (let k = start; k < at; k++) if (path.nodes[k]!.kind === "storage") nodes.push(k)
    // The peak over iterations of the sum of the nodes' windows (not the sum of their own peaks): every
    // window start that is not a translate of another (near the edges of each loop's classes) is a
    // candidate, and the window is walked through W joint iterations of the whole chain.
    const out = zero()
    if (nodes.length > 0) {
      for (const first of windowStarts(model, path, loops, it, width)) {
        const cover = [first]
        for (let current = first; cover.length < width; ) {
          const next = successor(model, path, loops, current)
          if (next === undefined) break
          cover.push(next)
          current = next
        }
        const sum = zero()
        for (const k of nodes) {
          const node = path.nodes[k] as StorageNode
          // Iterations that differ only in loops below the node share its tile.
          const seen = new Set<string>()
          const tiles: number[][] = []
          for (const c of cover) {
            const mine = c.slice(0, path.loopsBefore[k]!)
            const key = mine.join(",")
            if (seen.has(key)) continue
            seen.add(key)
            tiles.push(mine)
          }
          let total = 0
          for (const tensor of node.tensors) {
            let set: TileSet = []
            for (const c of tiles) set = union(set, held(node, k, tensor, c))
            total += card(set)
          }
          sum[model.levelIndex.get(node.level)!]! += total
        }
        // Per level: the peak of that level's sum (levels are separate memories).
        combine(out, sum, Math.max)
      }
    }
    for (const branch of pipeline.branches) {
      const branchPath = model.pathOf(branch[0]!.einsums[0]!)
      const peak = zero()
      forEachJoint(model, path, loops, it, (full) => combine(peak, need(branchPath, at + 1, full), Math.max))
      combine(out, peak, (a, b) => a + b)
    }
    return out
  })

  const total = need(model.paths[0]!, 0, [])
  const out: Record<string, number> = {}
  levels.forEach((level, l) => {
    out[level.name] = total[l]!
  })
  return out
}
