/**
 * The chain of a pipeline node (R9.2, 10.2): the temporal loops in the node
 * list that ends with the pipeline node (from the enclosing branch node, or
 * the root, down to it). Its iterations are the joint tiles of those loops
 * in program order; the pipeline overlaps up to n of them (its branch count).
 * Here: where the chain is, how to step through its iterations, and how
 * many iterations lie below a prefix, all through loop classes so that the
 * cost does not grow with trip counts.
 */
import type { Model, Path } from "./tile-inference.ts"
import { unnamed } from "./unnamed.ts"

/** Is nodes[j] the first node of a node list (the root list or a branch)? */
export const isListStart = (path: Path, j: number): boolean => j === 0 || path.branchAbove[j] === j - 1

/** Index of the pipeline node ending the list that contains nodes[j], or -1 when the list ends otherwise. */
export const pipelineEnding = (path: Path, j: number): number => {
  for (let k = j; k < path.nodes.length; k++) {
    const node = path.nodes[k]!
    if (node.kind === "pipeline") return k
    if (node.kind === "sequential" || node.kind === "compute") return -1
  }
  return -1
}

/** Node indices of the temporal loops among nodes[from..to). */
export const temporalLoops = (path: Path, from: number, to: number): number[] => path.loopAt.filter((at) => at >= from && at < to && path.nodes[at]!.kind === "temporal")

/**
 * The joint iteration after `it` of the loops at node indices `loops` (all
 * loops of `it` not in `loops` stay), in program order; undefined after the last.
 */
export const successor = (model: Model, path: Path, loops: ReadonlyArray<number>, it: ReadonlyArray<number>): number[] | undefined => {
  const next = [...it]
  for (let q = loops.length - 1; q >= 0; q--) {
    const at = loops[q]!
    const k = path.loopsBefore[at]!
    const trips = model.tripCount(path, at, next.slice(0, k))
    if (next[k]! + 1 < trips) {
      next[k] = next[k]! + 1
      // The loops inside restart at their first tile.
      for (let r = q + 1; r < loops.length; r++) next[path.loopsBefore[loops[r]!]!] = 0
      return next
    }
  }
  return undefined
}

/**
 * Joint iterations of the loops at node indices `loops` (every one below the
 * prefix `it`, which has an entry for each loop above the first of them),
 * counted up to `cap` (the caller needs no more).
 */
export const jointCount = (model: Model, path: Path, loops: ReadonlyArray<number>, it: ReadonlyArray<number>, cap: number): number => {
  const rec = unnamed((q: number, prefix: number[]): number => {
    if (q === loops.length) return 1
    const at = loops[q]!
    const k = path.loopsBefore[at]!
    // Loops between two chain loops (spatial ones) stay at their first tile.
    while (prefix.length < k) prefix.push(0)
    let total = 0
    for (const c of model.loopClasses(path, at, prefix.slice(0, k))) {
      const sub = rec(q + 1, [...prefix.slice(0, k), c.i])
      total += c.mult * sub
      if (total >= cap) return cap
    }
    return total
  })
  return rec(0, [...it])
}

/**
 * Representative starts of every window of `width` consecutive values of the
 * loops at node indices `loops` (below the prefix `it`): per loop, the first
 * and last `width + 1` iterations of each class; inside a class of uniform
 * tiles, a window is a translate of one that starts near the class's edge.
 */
export const windowStarts = (model: Model, path: Path, loops: ReadonlyArray<number>, it: ReadonlyArray<number>, width: number): number[][] => {
  const out: number[][] = []
  const rec = unnamed((q: number, prefix: number[]): void => {
    if (q === loops.length) {
      out.push(prefix)
      return
    }
    const at = loops[q]!
    const k = path.loopsBefore[at]!
    const base = prefix.slice(0, k)
    while (base.length < k) base.push(0)
    const starts = new Set<number>()
    for (const c of model.loopClasses(path, at, base)) {
      for (let i = c.i; i < Math.min(c.i + width + 1, c.i + c.mult); i++) starts.add(i)
      for (let i = Math.max(c.i, c.i + c.mult - width - 1); i < c.i + c.mult; i++) starts.add(i)
    }
    for (const i of [...starts].sort((a, b) => a - b)) rec(q + 1, [...base, i])
  })
  rec(0, [...it])
  return out
}

/** Visit one representative of every class of joint iterations of the loops at node indices `loops` below the prefix `it`, with its multiplicity. */
export const forEachJoint = (model: Model, path: Path, loops: ReadonlyArray<number>, it: ReadonlyArray<number>, visit: (it: ReadonlyArray<number>, mult: number) => void): void => {
  const rec = unnamed((q: number, prefix: number[], mult: number): void => {
    if (q === loops.length) {
      visit(prefix, mult)
      return
    }
    const at = loops[q]!
    const k = path.loopsBefore[at]!
    const base = prefix.slice(0, k)
    while (base.length < k) base.push(0)
    for (const c of model.loopClasses(path, at, base)) rec(q + 1, [...base, c.i], mult * c.mult)
  })
  rec(0, [...it], 1)
}
