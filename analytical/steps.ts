/**
 * Counting steps without visiting them: each loop contributes a few
 * iteration classes (the first and last iterations, iterations where the
 * tile meets a boundary of the set it splits, and runs of uniform iterations
 * in between, represented once and multiplied). Unions over spatial
 * instances use the same classes plus translation.
 */
import { type LoopClass, type Path, type Model, shiftBetween } from "./tile-inference.ts"
import { type TileSet, translateUnion, union } from "./tile-set.ts"
import { unsupported } from "./unsupported.ts"
import { unnamed } from "./unnamed.ts"

/**
 * Visit one representative iteration of every class of the loops above
 * nodes[jEnd], with the number of iterations it stands for. Loops whose node
 * index is in `hold` stay at 0 (their instances are combined by the caller).
 */
export const forEachStep = (
  model: Model,
  path: Path,
  jEnd: number,
  visit: (it: ReadonlyArray<number>, mult: number) => void,
  hold: ReadonlySet<number> = new Set(),
  previous = false
): void => {
  const total = path.loopsBefore[jEnd]!
  const it: number[] = []
  const rec = unnamed((k: number, mult: number): void => {
    if (k === total) {
      visit(it, mult)
      return
    }
    const j = path.loopAt[k]!
    if (hold.has(j)) {
      it[k] = 0
      rec(k + 1, mult)
      return
    }
    const classes = previous ? refinedClasses(model, path, j, it) : model.loopClasses(path, j, it)
    for (const c of heldAbove(j, hold) ? acrossInstances(model, path, j, it, hold, classes) : classes) {
      it[k] = c.i
      rec(k + 1, mult * c.mult)
    }
    it.length = k
  })
  rec(0, 1)
}

const heldAbove = (j: number, hold: ReadonlySet<number>): boolean => {
  for (const at of hold) if (at < j) return true
  return false
}

/**
 * Classes of the loop at nodes[j] below held spatial loops, valid for every instance of those loops:
 * instances split differently (an imperfect tile leaves one with fewer inner iterations), so the
 * classes are cut wherever any instance's classes change, and run to the longest instance's end.
 * Instances inside a class of a held loop are translates of its representative and cut alike.
 */
const acrossInstances = (
  model: Model,
  path: Path,
  j: number,
  it: ReadonlyArray<number>,
  hold: ReadonlySet<number>,
  classes: ReadonlyArray<LoopClass>
): ReadonlyArray<LoopClass> => {
  const k = path.loopsBefore[j]!
  const cuts = new Set<number>()
  let end = 0
  const add = (list: ReadonlyArray<LoopClass>) => {
    for (const c of list) {
      cuts.add(c.i)
      cuts.add(c.i + c.mult)
      end = Math.max(end, c.i + c.mult)
    }
  }
  add(classes)
  const prefix = it.slice(0, k)
  for (const at of hold) {
    if (at >= j) continue
    const q = path.loopsBefore[at]!
    for (const c of model.loopClasses(path, at, prefix.slice(0, q))) {
      for (const i of c.mult > 1 ? [c.i, c.i + c.mult - 1] : [c.i]) {
        const other = [...prefix]
        other[q] = i
        add(model.loopClasses(path, j, other))
      }
    }
  }
  const sorted = [...cuts].filter((x) => x < end).sort((a, b) => a - b)
  return sorted.map((i, n) => ({ i, mult: (sorted[n + 1] ?? end) - i }))
}

/**
 * Classes of the loop at nodes[j] that are uniform for the previous step too: a spatial loop's
 * instances at the previous iteration of the temporal loops above it (R4.1: same instance) can split
 * differently (an imperfect tile there), so its classes are cut where either set's classes change.
 */
const refinedClasses = (model: Model, path: Path, j: number, it: ReadonlyArray<number>): ReadonlyArray<LoopClass> => {
  const classes = model.loopClasses(path, j, it)
  if (path.nodes[j]!.kind !== "spatial") return classes
  const k = path.loopsBefore[j]!
  let carry = -1
  for (let q = k - 1; q >= 0; q--) {
    if (path.nodes[path.loopAt[q]!]!.kind === "temporal" && it[q]! > 0) {
      carry = q
      break
    }
  }
  if (carry < 0) return classes
  const prev = it.slice(0, k)
  prev[carry] = prev[carry]! - 1
  for (let q = carry + 1; q < k; q++) {
    if (path.nodes[path.loopAt[q]!]!.kind === "temporal") prev[q] = Math.max(0, model.tripCount(path, path.loopAt[q]!, prev.slice(0, q)) - 1)
  }
  const end = classes.reduce((e, c) => Math.max(e, c.i + c.mult), 0)
  const cuts = new Set<number>()
  for (const c of [...classes, ...model.loopClasses(path, j, prev)]) {
    cuts.add(c.i)
    cuts.add(c.i + c.mult)
  }
  const sorted = [...cuts].filter((x) => x < end).sort((a, b) => a - b)
  return sorted.map((i, q) => ({ i, mult: (sorted[q + 1] ?? end) - i }))
}

/** The union over every instance of the spatial loops at node indices `loops` of `f(iteration)`. */
export const unionOverInstances = (
  model: Model,
  path: Path,
  loops: ReadonlyArray<number>,
  it: ReadonlyArray<number>,
  f: (it: ReadonlyArray<number>) => TileSet,
  collapsible = false
): TileSet => {
  if (collapsible && loops.length > 0) {
    // The tiles of these loops partition the set, nothing below re-tiles their ranks, and each slice is a
    // product with the rest (so the loops below tile every instance alike): the union over their instances
    // is the set with the loops left out (index -1).
    const all = [...it]
    let ok = true
    for (const j of loops) {
      if (!model.separableAt(path, j, all)) {
        ok = false
        break
      }
      all[path.loopsBefore[j]!] = -1
    }
    if (ok) return f(all)
  }
  const rec = unnamed((q: number, current: ReadonlyArray<number>): TileSet => {
    if (q === loops.length) return f(current)
    const j = loops[q]!
    const k = path.loopsBefore[j]!
    const withValue = (i: number) => {
      const next = [...current]
      next[k] = i
      return rec(q + 1, next)
    }
    let out: TileSet = []
    for (const c of model.loopClasses(path, j, current)) {
      const first = withValue(c.i)
      if (c.mult === 1) {
        out = union(out, first)
        continue
      }
      const delta = shiftBetween(first, withValue(c.i + 1))
      const merged = delta === undefined ? undefined : translateUnion(first, delta, c.mult)
      if (merged !== undefined) {
        out = union(out, merged)
        continue
      }
      if (c.mult > 256) throw unsupported(model.spec, path.nodes[j]!.path, "the data of this loop's instances does not repeat by translation")
      for (let i = c.i; i < c.i + c.mult; i++) out = union(out, withValue(i))
    }
    return out
  })
  return rec(0, it)
}
