/**
 * Sums over the leaf steps of one Einsum, memoized by tile shape. Below the
 * last branch node on an Einsum's path only that Einsum's own loops split its
 * op set, and what they do depends on the set only up to translation (tiles
 * are relative to the set's lower bound, R2.2). So a sum over the steps below
 * a node is a function of the node and the set's shape: uniform tiles are
 * evaluated once however many there are and whatever iteration of the outer
 * loops they come from.
 */
import type { LoopNode } from "../spec/mapping.ts"
import { rankIndexOf } from "./projection.ts"
import { forEachStep } from "./steps.ts"
import type { Model, Path } from "./tile-inference.ts"
import { card, separable, shapeKey, type TileSet } from "./tile-set.ts"
import { unnamed } from "./unnamed.ts"

export { shapeKey }

/** The first node below the innermost branch node on the path (0 when there is none). */
export const branchEnd = (path: Path): number => path.branchAbove[path.nodes.length - 1]! + 1

/**
 * Raised when the instances of a spatial loop that is to be taken together do
 * not split the set as a product (their tiles have different extents along
 * other ranks, so the loops below would tile them differently): the caller
 * then counts instance by instance.
 */
export class NotSeparable extends Error {
  override readonly name = "NotSeparable"
}

/** Every spatial loop in `own` that lies above the iteration's end is at its first tile (the busiest physical instance, 10.3). */
export const atFirstInstance = (path: Path, it: ReadonlyArray<number>, own: ReadonlySet<number>): boolean => {
  for (const at of own) {
    const k = path.loopsBefore[at]!
    if (k < it.length && it[k] !== 0) return false
  }
  return true
}

export interface Pair {
  /** Over every instance. */
  readonly total: number
  /** Over the instance at tile 0 of the loops in `own` (the busiest physical instance, 10.3). */
  readonly one: number
}

/**
 * Σ over the leaf steps of `path.einsum` of f(leaf op set), for several f at
 * once, where no f changes under translation. Spatial loops in `union` do not
 * split the set: their instances' leaf sets are taken together (the caller
 * knows the union is the whole set). Other spatial loops add their tiles; for
 * `one`, those in `own` count tile 0 only.
 */
export const leafSums = (
  model: Model,
  path: Path,
  fs: ReadonlyArray<(set: TileSet) => number>,
  union: ReadonlySet<number> = new Set(),
  own: ReadonlySet<number> = new Set()
): Pair[] => {
  const start = branchEnd(path)
  const rankIndex = rankIndexOf(path.einsum)
  const k = fs.length
  const zero = new Array<number>(2 * k).fill(0)
  // Per node and shape: [total_0 .. total_k-1, one_0 .. one_k-1].
  const memo = new Map<string, number[]>()
  const rec = unnamed((j: number, set: TileSet, shape: string): number[] => {
    const node = path.nodes[j]!
    if (node.kind === "storage") return rec(j + 1, set, shape)
    if (set.length === 0) return zero
    if (node.kind === "compute") {
      const out = new Array<number>(2 * k)
      for (let q = 0; q < k; q++) out[q] = out[k + q] = fs[q]!(set)
      return out
    }
    const key = `${j}|${shape}`
    const known = memo.get(key)
    if (known !== undefined) return known
    const loop = node as LoopNode
    let result: number[]
    if (loop.kind === "spatial" && union.has(j)) {
      if (!separable(set, rankIndex.get(loop.rank)!)) throw new NotSeparable()
      result = rec(j + 1, set, shape)
    } else {
      result = new Array<number>(2 * k).fill(0)
      const spatialOwn = loop.kind === "spatial" && own.has(j)
      for (const c of model.children(j, loop, set, shape)) {
        const sub = rec(j + 1, c.set, c.key)
        for (let q = 0; q < k; q++) {
          result[q]! += c.mult * sub[q]!
          if (!spatialOwn) result[k + q]! += c.mult * sub[k + q]!
          else if (c.i === 0) result[k + q]! += sub[k + q]!
        }
      }
    }
    memo.set(key, result)
    return result
  })
  const sums = new Array<number>(2 * k).fill(0)
  forEachStep(model, path, start, (it, mult) => {
    const set = model.setsBefore(path, start, it).get(path.einsum.name) ?? []
    const sub = rec(start, set, shapeKey(set))
    const first = atFirstInstance(path, it, own)
    for (let q = 0; q < k; q++) {
      sums[q]! += mult * sub[q]!
      if (first) sums[k + q]! += mult * sub[k + q]!
    }
  }, new Set(), true)
  return fs.map((_, q) => ({ total: sums[q]!, one: sums[k + q]! }))
}

/** One f: see `leafSums`. */
export const leafSum = (model: Model, path: Path, f: (set: TileSet) => number, union: ReadonlySet<number> = new Set(), own: ReadonlySet<number> = new Set()): Pair =>
  leafSums(model, path, [f], union, own)[0]!

/** 10.1 below the last branch: temporal loops add up, spatial instances run in lock-step (max), a leaf step takes ceil(ops / ops per cycle). */
export const leafTime = (model: Model, path: Path): ((set: TileSet) => number) => {
  const opsPerCycle = model.spec.architecture.compute.opsPerCycle
  const memo = new Map<string, number>()
  const rec = unnamed((j: number, set: TileSet, shape: string): number => {
    const node = path.nodes[j]!
    if (node.kind === "storage") return rec(j + 1, set, shape)
    if (set.length === 0) return 0
    if (node.kind === "compute") return Math.ceil(card(set) / opsPerCycle)
    const key = `${j}|${shape}`
    const known = memo.get(key)
    if (known !== undefined) return known
    const loop = node as LoopNode
    let result = 0
    for (const c of model.children(j, loop, set, shape)) {
      const sub = rec(j + 1, c.set, c.key)
      result = loop.kind === "spatial" ? Math.max(result, sub) : result + c.mult * sub
    }
    memo.set(key, result)
    return result
  })
  const start = branchEnd(path)
  return (set) => rec(start, set, shapeKey(set))
}
