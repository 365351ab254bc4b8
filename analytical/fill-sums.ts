/**
 * Fills of a storage node below the last branch on its Einsum's path,
 * memoized by tile shape (like leaf-sums.ts). Within one execution of the
 * node's scope (the sequential branch it sits in, R4.1/R4.4), the fills are
 * Σ_p |occ(p)| − Σ_p |occ(p) ∩ occ(prev(p))|, and every (p, prev(p)) pair is
 * two consecutive tiles t−1, t of one temporal loop with the loops inside at
 * their first tile (p) and their last tile (prev(p)), on the same instance.
 * So both sums are recursions over the loops between the scope and the node,
 * functions of the op set's shape only.
 */
import type { LoopNode, StorageNode } from "../spec/mapping.ts"
import { atFirstInstance, branchEnd, NotSeparable, type Pair, shapeKey } from "./leaf-sums.ts"
import { forEachStep } from "./steps.ts"
import type { Model, Path } from "./tile-inference.ts"
import { rankIndexOf } from "./projection.ts"
import { bounds, card, intersect, type Progression, separable, type TileSet, union as unionSets } from "./tile-set.ts"
import { unnamed } from "./unnamed.ts"

const point: Progression = { lo: 0, step: 1, count: 1 }

/** Can `fillSums` count node nodes[j]: below the last branch, whose scope is a sequential branch or the program. */
export const fillSumsApply = (path: Path, j: number): boolean => {
  const start = branchEnd(path)
  if (j < start) return false
  const branch = start - 1
  return branch < 0 || path.nodes[branch]!.kind === "sequential"
}

/** Do the bounding boxes of two sets meet? (A cheap test that rules out any common element.) */
const overlaps = (a: TileSet, b: TileSet): boolean => {
  const x = bounds(a)
  const y = bounds(b)
  if (x === undefined || y === undefined) return false
  for (let d = 0; d < x.length; d++) if (x[d]![1] < y[d]![0] || y[d]![1] < x[d]![0]) return false
  return true
}

/** `set` written relative to `origin` (per-dimension lower bounds). */
const relativeKey = (set: TileSet, origin: ReadonlyArray<[number, number]>): string => {
  let key = ""
  for (const box of set) {
    for (let d = 0; d < box.length; d++) {
      const p = box[d]!
      key += `${p.lo - origin[d]![0]}:${p.count === 1 ? 1 : p.step}:${p.count},`
    }
    key += ";"
  }
  return key
}

export interface FillSums {
  readonly fills: Pair
  /** Peak |occ| of one instance. */
  readonly peak: number
}

/**
 * Fills (over instances, and for the instance at tile 0 of the spatial loops
 * in `own`) and peak occupancy of `tensor` at storage node nodes[j] for the
 * path's Einsum. Spatial loops in `union` do not split the set: their
 * instances count as one (the caller knows the union of their fills is the
 * fill of their union).
 */
export const fillSums = (model: Model, path: Path, j: number, tensor: string, union: ReadonlySet<number>, own: ReadonlySet<number>): FillSums => {
  const e = path.einsum
  const node = path.nodes[j] as StorageNode
  const access = model.accessOf(e, tensor)!
  const occ = unnamed((set: TileSet): TileSet => model.image(e, set, access, node))
  const reuse = node.exploitsReuse
  const start = branchEnd(path)

  /** [Σ|occ| total, one, Σ resident total, one, peak] over the steps of node j below nodes[k]. */
  const memo = new Map<string, number[]>()
  const rec = unnamed((k: number, set: TileSet, shape: string): number[] => {
    if (set.length === 0) return [0, 0, 0, 0, 0]
    if (k === j) {
      const n = card(occ(set))
      return [n, n, 0, 0, n]
    }
    const at = path.nodes[k]!
    if (at.kind === "storage") return rec(k + 1, set, shape)
    const key = `${k}|${shape}`
    const known = memo.get(key)
    if (known !== undefined) return known
    const loop = at as LoopNode
    let out: number[]
    if (loop.kind === "spatial" && union.has(k)) {
      if (!separable(set, rankIndex.get(loop.rank)!)) throw new NotSeparable()
      out = rec(k + 1, set, shape)
    } else {
      out = [0, 0, 0, 0, 0]
      const spatialOwn = loop.kind === "spatial" && own.has(k)
      const classes = model.children(k, loop, set, shape)
      for (const c of classes) {
        const sub = rec(k + 1, c.set, c.key)
        out[0]! += c.mult * sub[0]!
        out[2]! += c.mult * sub[2]!
        if (!spatialOwn) {
          out[1]! += c.mult * sub[1]!
          out[3]! += c.mult * sub[3]!
        } else if (c.i === 0) {
          out[1]! += sub[1]!
          out[3]! += sub[3]!
        }
        out[4] = Math.max(out[4]!, sub[4]!)
      }
      if (loop.kind === "temporal" && reuse) {
        // Consecutive tiles t-1, t: p is tile t at the first inner tiles, prev(p) tile t-1 at the last.
        const tile = (i: number) => model.tileOf(loop, set, i)
        for (const c of classes) {
          if (c.i >= 1) {
            // prev is the last tile before that has ops (R2.2: an empty tile is not a step).
            let before = c.i - 1
            while (before > 0 && tile(before).length === 0) before--
            const r = pair(k + 1, tile(c.i), tile(before))
            out[2]! += r[0]!
            out[3]! += r[1]!
          }
          if (c.mult >= 2) {
            const r = pair(k + 1, tile(c.i + 1), tile(c.i))
            out[2]! += (c.mult - 1) * r[0]!
            out[3]! += (c.mult - 1) * r[1]!
          }
        }
      }
    }
    memo.set(key, out)
    return out
  })

  /** [total, one] of |occ(first step of a) ∩ occ(last step of b)| over the instances below nodes[k]. */
  const pairMemo = new Map<string, number[]>()
  const pair = unnamed((k: number, a: TileSet, b: TileSet): number[] => {
    if (a.length === 0 || b.length === 0) return [0, 0]
    if (k === j) {
      const n = card(intersect(occ(a), occ(b)))
      return [n, n]
    }
    const at = path.nodes[k]!
    if (at.kind === "storage") return pair(k + 1, a, b)
    // What the steps below hold is inside the images of the whole tiles: disjoint images, no overlap anywhere.
    if (!overlaps(occ(a), occ(b))) return [0, 0]
    const origin = bounds(a)!
    const key = `${k}|${relativeKey(a, origin)}|${relativeKey(b, origin)}`
    const known = pairMemo.get(key)
    if (known !== undefined) return known
    const loop = at as LoopNode
    let out: number[]
    if (loop.kind === "temporal") {
      const last = model.classesOf(loop, b)
      const lastClass = last[last.length - 1]
      out = lastClass === undefined ? [0, 0] : pair(k + 1, model.tileOf(loop, a, 0), model.tileOf(loop, b, lastClass.i + lastClass.mult - 1))
    } else if (union.has(k)) {
      const d = rankIndex.get(loop.rank)!
      if (!separable(a, d) || !separable(b, d)) throw new NotSeparable()
      out = pair(k + 1, a, b)
    }
    else {
      // Instance i against instance i: classes of both, split where either changes.
      const cuts = new Set<number>()
      let end = 0
      for (const classes of [model.classesOf(loop, a), model.classesOf(loop, b)]) {
        for (const c of classes) {
          cuts.add(c.i)
          cuts.add(c.i + 1)
          end = Math.max(end, c.i + c.mult)
        }
      }
      const sorted = [...cuts].filter((x) => x < end).sort((x, y) => x - y)
      out = [0, 0]
      sorted.forEach((i, q) => {
        const mult = (sorted[q + 1] ?? end) - i
        const r = pair(k + 1, model.tileOf(loop, a, i), model.tileOf(loop, b, i))
        out[0]! += mult * r[0]!
        if (!own.has(k)) out[1]! += mult * r[1]!
        else if (i === 0) out[1]! += r[1]!
      })
    }
    pairMemo.set(key, out)
    return out
  })

  // Only the ranks of the tensor's access and of the loops down to the node matter here: dropping the others
  // turns the many-box sets that inference leaves (tiles minus what is available) into one box, mostly.
  const rankIndex = rankIndexOf(e)
  const keep = new Set<number>()
  for (const x of access.projection) for (const term of x.terms) keep.add(rankIndex.get(term.rank)!)
  for (let k = start; k < j; k++) {
    const node = path.nodes[k]!
    if (node.kind === "temporal" || node.kind === "spatial") keep.add(rankIndex.get(node.rank)!)
  }
  const project = unnamed((set: TileSet): TileSet => {
    if (keep.size === e.ranks.length) return set
    let out: TileSet = []
    for (const box of set) {
      const flat: Progression[] = box.map((p, d) => (keep.has(d) ? p : point))
      out = out.length === 0 ? [flat] : unionSets(out, [flat])
    }
    return out
  })

  let total = 0
  let one = 0
  let peak = 0
  forEachStep(model, path, start, (it, mult) => {
    const set = project(model.setsBefore(path, start, it).get(e.name) ?? [])
    const r = rec(start, set, shapeKey(set))
    total += mult * (r[0]! - r[2]!)
    if (atFirstInstance(path, it, own)) one += mult * (r[1]! - r[3]!)
    peak = Math.max(peak, r[4]!)
  }, new Set(), true)
  return { fills: { total, one }, peak }
}
