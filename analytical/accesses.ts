/**
 * Per (level, tensor, einsum): occupancy (peak per instance), fills (summed
 * over instances) and the reads and writes each event charges, by the rules
 * of docs/semantics.md section 7 (R7.1):
 *
 * - a fill is one physical event, attributed to the first Einsum in leaf
 *   order that touches the element below the node during the step (7.1);
 * - a fill with value reads the parent once per element per step however
 *   many instances below it receive it (multicast, R5.2) and writes every
 *   receiving instance (inputs) or the one designated instance (outputs,
 *   4.3 case 3); zero-pending entries cost nothing (4.3 case 4);
 * - dirty output elements drain to the parent when they leave, partial sums
 *   of several instances reduced into one write (R4.7, R5.3);
 * - the compute leaf reads each operand of each leaf step from the lowest
 *   holder (R6.1) and updates each distinct output element there, reading it
 *   only when it is valued (R6.2: the first update after a zero-pending
 *   entry is elided, per element per buffer instance, per (re)computation).
 *
 * Zero-pending entries are counted without following elements one by one:
 * along the holders of an output, a residency of an element in a holder is
 * zero-pending at its start exactly when it is the first group of child
 * residencies in a zero-pending parent residency, or it is not the
 * designated receiver of its group. So Z(child) = (fills − groups) + Z(parent),
 * and the parent serves groups − Z(parent) fills with value.
 */
import type { AccessStats } from "../spec/stats.ts"
import type { LoopNode, StorageNode } from "../spec/mapping.ts"
import { type FillSums, fillSums, fillSumsApply } from "./fill-sums.ts"
import { branchEnd, leafSums, NotSeparable, type Pair } from "./leaf-sums.ts"
import { forEachStep, unionOverInstances } from "./steps.ts"
import type { Spec } from "../spec/spec.ts"
import type { Model, Path } from "./tile-inference.ts"
import { card, intersect, subtract, type TileSet, union } from "./tile-set.ts"

export interface AccessTotals {
  readonly accesses: AccessStats[]
  /** Every MAC executed per Einsum. */
  readonly ops: Record<string, number>
  /** Reads and writes of the busiest physical instance of each physical level (section 10.3). */
  readonly busiest: Record<string, { reads: number; writes: number }>
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

/**
 * Spatial loops above nodes[j] whose tiles are separate physical instances of
 * that node's physical level (R5.1: the node is at or below the loop's target).
 * Holding them at tile 0 gives the traffic of one physical instance.
 */
export const separateInstanceLoops = (model: Model, path: Path, j: number): Set<number> => {
  const levelIndex = model.levelIndex
  const node = path.nodes[j]!
  const index = node.kind === "storage" ? levelIndex.get(node.level)! : Infinity
  const out = new Set<number>()
  for (const at of path.loopAt) {
    if (at >= j) break
    if (path.nodes[at]!.kind !== "spatial") continue
    if (index >= model.targetIndex(path, at)) out.add(at)
  }
  return out
}

const sameSet = (a: ReadonlySet<number>, b: ReadonlySet<number>): boolean => a.size === b.size && [...a].every((x) => b.has(x))

// Helpers at module level rather than closures inside the counting loops: one evaluation creates no
// functions per holder or per step.

function holdersOf(path: Path, tensor: string): number[] {
  const out: number[] = []
  path.nodes.forEach((node, j) => {
    if (node.kind === "storage" && node.tensors.includes(tensor)) out.push(j)
  })
  return out
}

function spatialBetween(path: Path, from: number, to: number): number[] {
  return path.loopAt.filter((j) => j > from && j < to && path.nodes[j]!.kind === "spatial")
}

/**
 * The loop at `at` lies below every branch node of the path. Above a branch, each instance infers its
 * own producer tiles (R8.2 per instance: halos recomputed), so their union is not the inference of
 * the union and the instances cannot be taken together.
 */
function belowBranches(path: Path, at: number): boolean {
  return at >= branchEnd(path)
}

/** No loop between nodes[at] and nodes[end] tiles the rank of the spatial loop at `at` again. */
function notRetiled(path: Path, at: number, end: number): boolean {
  const loop = path.nodes[at] as LoopNode
  for (let k = at + 1; k < end; k++) {
    const node = path.nodes[k]!
    if ((node.kind === "temporal" || node.kind === "spatial") && node.einsum === loop.einsum && node.rank === loop.rank) return false
  }
  return true
}

/** Distinct values of the loop's rank give distinct elements of the tensor, or the same elements (rank unused). */
function separates(model: Model, path: Path, at: number, tensor: string): boolean {
  const rank = (path.nodes[at] as LoopNode).rank
  const access = model.accessOf(path.einsum, tensor)!
  return access.projection.every((x) => !x.terms.some((term) => term.rank === rank) || x.terms.length === 1)
}

function atTileZero(path: Path, it: ReadonlyArray<number>, loops: ReadonlySet<number>): boolean {
  for (const at of loops) if (it[path.loopsBefore[at]!] !== 0) return false
  return true
}

/** One storage node holding one tensor, seen from one Einsum's path. */
interface Holder {
  readonly model: Model
  readonly path: Path
  readonly j: number
  readonly tensor: string
  /** Einsums touching the tensor below the node, in leaf order (7.1). */
  readonly touchers: ReadonlyArray<string>
  readonly shared: boolean
  /** Touchers before this path's Einsum: they get the fills of what they touch. */
  readonly before: ReadonlyArray<string>
}

function occupancyOf(h: Holder, name: string, it: ReadonlyArray<number>): TileSet {
  return h.model.occupancy(h.model.pathOf(name), h.j, h.tensor, it)
}

/**
 * What an Einsum takes into a shared holder at a step: the image of its tile as inferred at the first
 * branch below the holder (R8.2: only what is valued in holders above that branch is available there).
 * An element it then finds in a holder inside the branch (a backing store, R4.9) is not recomputed, but
 * it still enters this holder (R4.3). With loops between the holder and the branch: its occupancy.
 */
function takenBy(h: Holder, name: string, it: ReadonlyArray<number>): TileSet {
  const path = h.model.pathOf(name)
  let branch = -1
  for (let k = h.j + 1; k < path.nodes.length; k++) {
    const kind = path.nodes[k]!.kind
    if (kind === "sequential" || kind === "pipeline") {
      branch = k
      break
    }
  }
  if (branch < 0 || path.loopsBefore[branch] !== path.loopsBefore[h.j]) return occupancyOf(h, name, it)
  const access = h.model.accessOf(path.einsum, h.tensor)!
  const set = h.model.setsBefore(path, branch + 1, it).get(name) ?? []
  return union(occupancyOf(h, name, it), h.model.image(path.einsum, set, access, path.nodes[h.j]!))
}

/** The node's content at a step: the union over the Einsums touching the tensor below it (R3.2). */
function held(h: Holder, it: ReadonlyArray<number>): TileSet {
  if (!h.shared) return occupancyOf(h, h.path.einsum.name, it)
  let all: TileSet = []
  for (const name of h.touchers) all = union(all, takenBy(h, name, it))
  return all
}

/** The elements entering at this step (R4.3) and attributed to this path's Einsum (7.1). */
function fillSet(h: Holder, it: ReadonlyArray<number>): TileSet {
  const prev = h.model.prevIters(h.path, h.j, it)
  let fill = prev === undefined ? held(h, it) : subtract(held(h, it), held(h, prev))
  if (!h.shared) return fill
  fill = intersect(fill, takenBy(h, h.path.einsum.name, it))
  for (const name of h.before) fill = subtract(fill, takenBy(h, name, it))
  return fill
}

/**
 * Pipeline hand-off (R4.7): at the end of each iteration of the stage holding nodes[j], its dirty
 * intermediate elements are written back to the parent and stay, clean. A residency that spans a
 * stage boundary is then drained once per stage iteration it is updated in, not once: the extra
 * writes are the elements held on both sides of each boundary (taken together over the spatial
 * instances between the parent and the node, reduced into one write, R5.3).
 */
function handOffWrites(h: Holder, between: ReadonlyArray<number>, parentOwn: ReadonlySet<number>): Pair {
  const { model, path, j, tensor } = h
  let pipeline = -1
  for (let k = j - 1; k >= 0; k--) {
    if (path.nodes[k]!.kind === "pipeline") {
      pipeline = k
      break
    }
  }
  if (pipeline < 0) return { total: 0, one: 0 }
  if (!model.spec.workload.einsums.some((x) => x.inputs.some((a) => a.tensor === tensor))) return { total: 0, one: 0 }
  const outer = path.loopsBefore[pipeline]!
  let total = 0
  let one = 0
  forEachStep(
    model,
    path,
    j,
    (it, mult) => {
      const n = card(
        unionOverInstances(model, path, between, it, (at) => {
          const prev = model.prevIters(path, j, at)
          if (prev === undefined) return []
          let crosses = false
          for (let k = 0; k < outer; k++) if (prev[k] !== at[k]) crosses = true
          return crosses ? intersect(occupancyOf(h, path.einsum.name, at), occupancyOf(h, path.einsum.name, prev)) : []
        })
      )
      total += mult * n
      if (atTileZero(path, it, parentOwn)) one += mult * n
    },
    new Set(between),
    true
  )
  return { total, one }
}

function tryFillSums(model: Model, path: Path, j: number, tensor: string, union: ReadonlySet<number>, own: ReadonlySet<number>): FillSums | undefined {
  try {
    return fillSums(model, path, j, tensor, union, own)
  } catch (error) {
    if (error instanceof NotSeparable) return undefined
    throw error
  }
}

/** Operand traffic of every tensor and the ops, in one pass over the leaf steps per way of combining instances. */
class LeafPasses {
  private readonly passes = new Map<string, Pair[] | null>()
  private readonly model: Model
  private readonly path: Path
  private readonly counters: ReadonlyArray<(set: TileSet) => number>
  constructor(model: Model, path: Path, counters: ReadonlyArray<(set: TileSet) => number>) {
    this.model = model
    this.path = path
    this.counters = counters
  }

  get(union: ReadonlyArray<number>, own: ReadonlySet<number>): Pair[] | undefined {
    const key = `${union.join(",")}|${[...own].join(",")}`
    let sums = this.passes.get(key)
    if (sums === undefined) {
      try {
        sums = leafSums(this.model, this.path, this.counters, new Set(union), own)
      } catch (error) {
        if (!(error instanceof NotSeparable)) throw error
        sums = null
      }
      this.passes.set(key, sums)
    }
    return sums ?? undefined
  }
}

class Table {
  readonly entries: Mutable[] = []
  readonly busiest: Record<string, { reads: number; writes: number }> = {}
  private readonly physicalOf: Map<string, string>
  constructor(spec: Spec) {
    this.physicalOf = new Map(spec.levels.map((l) => [l.name, l.physical]))
    for (const level of spec.architecture.levels) this.busiest[level.name] = { reads: 0, writes: 0 }
  }

  /** Entries by level, then tensor and Einsum: no key strings built per lookup. */
  private readonly byLevel = new Map<string, Map<string, Mutable>>()

  entry(level: string, tensor: string, einsum: string): Mutable {
    let inLevel = this.byLevel.get(level)
    if (inLevel === undefined) {
      inLevel = new Map()
      this.byLevel.set(level, inLevel)
    }
    // A tensor and an Einsum name never contain a newline.
    const key = tensor + "\n" + einsum
    let e = inLevel.get(key)
    if (e === undefined) {
      e = { level, tensor, einsum, reads: 0, writes: 0, fills: 0, occupancy: 0 }
      inLevel.set(key, e)
      this.entries.push(e)
    }
    return e
  }

  /** Traffic of the busiest physical instance (10.3). */
  charge(level: string, reads: number, writes: number): void {
    const b = this.busiest[this.physicalOf.get(level)!]!
    b.reads += reads
    b.writes += writes
  }
}

export const countAccesses = (model: Model, countFirstOutputRead: boolean): AccessTotals => {
  const table = new Table(model.spec)
  const leafOrder = model.paths.map((p) => p.einsum.name)
  const ops: Record<string, number> = {}

  for (const path of model.paths) {
    const e = path.einsum
    const leafIndex = path.nodes.length - 1
    const tensors = [...e.inputs, e.output].map((a) => a.tensor)
    const leaf = path.nodes[leafIndex]!
    const counters: Array<(set: TileSet) => number> = tensors.map((tensor) => {
      const access = model.accessOf(e, tensor)!
      return (set: TileSet) => card(model.image(e, set, access, leaf))
    })
    counters.push(card)
    const leafPasses = new LeafPasses(model, path, counters)

    for (const tensor of tensors) {
      const isOutput = tensor === e.output.tensor
      const holders = holdersOf(path, tensor)
      /** Zero-pending residency starts of the previous holder (outputs only). */
      let zParent = 0
      for (let h = 0; h < holders.length; h++) {
        const j = holders[h]!
        const node = path.nodes[j] as StorageNode
        const stats = table.entry(node.level, tensor, e.name)
        const touchers = leafOrder.filter((name) => node.einsums.includes(name) && model.accessOf(model.pathOf(name).einsum, tensor) !== undefined)
        const shared = touchers.length > 1
        const holder: Holder = { model, path, j, tensor, touchers, shared, before: touchers.slice(0, touchers.indexOf(e.name)) }
        const own = separateInstanceLoops(model, path, j)
        const parentIndex = h === 0 ? -1 : holders[h - 1]!
        const between = h === 0 ? [] : spatialBetween(path, parentIndex, j)
        const parentOwn = h === 0 ? new Set<number>() : separateInstanceLoops(model, path, parentIndex)
        let fills = 0
        let fillsOne = 0
        // With no spatial loop between the parent and this node, a group is one instance's fill: one pass counts both.
        let groups = 0
        let groupsOne = 0
        const bySums = !shared && !model.exhaustive && fillSumsApply(path, j)
        if (bySums) {
          // Below the last branch: by tile shape (fill-sums.ts).
          const sums = fillSums(model, path, j, tensor, new Set(), own)
          if (sums.peak > stats.occupancy) stats.occupancy = sums.peak
          fills = sums.fills.total
          fillsOne = sums.fills.one
          groupsOne = sameSet(own, parentOwn) ? fillsOne : fillSums(model, path, j, tensor, new Set(), parentOwn).fills.one
        } else {
          forEachStep(model, path, j, (it, mult) => {
            const occ = card(occupancyOf(holder, e.name, it))
            if (occ > stats.occupancy) stats.occupancy = occ
            const n = card(fillSet(holder, it))
            fills += mult * n
            if (atTileZero(path, it, own)) fillsOne += mult * n
            if (atTileZero(path, it, parentOwn)) groupsOne += mult * n
          }, new Set(), true)
        }
        groups = fills
        stats.fills += fills
        if (h === 0) {
          // The topmost holder: its entries are free (4.3 case 1). A backing store keeps every value, so an
          // output element is zero-pending only at its first entry (R4.9); elsewhere every entry is a (re)computation.
          // (The elements ever computed: all of a final output; of an intermediate, what its consumers read, R8.1.)
          zParent = countFirstOutputRead ? 0 : model.levelIndex.get(node.level) === 0 ? card(model.occupancy(path, 0, tensor, [])) : fills
          continue
        }
        const parentNode = path.nodes[parentIndex] as StorageNode
        const parent = table.entry(parentNode.level, tensor, e.name)
        if (between.length > 0) {
          const collapseFills = !shared && between.every((at) => belowBranches(path, at) && notRetiled(path, at, j) && separates(model, path, at, tensor))
          groups = 0
          groupsOne = 0
          const sums = bySums && collapseFills ? tryFillSums(model, path, j, tensor, new Set(between), parentOwn) : undefined
          if (sums !== undefined) {
            groups = sums.fills.total
            groupsOne = sums.fills.one
          } else {
            forEachStep(
              model,
              path,
              j,
              (it, mult) => {
                const n = card(unionOverInstances(model, path, between, it, (at) => fillSet(holder, at), collapseFills))
                groups += mult * n
                if (atTileZero(path, it, parentOwn)) groupsOne += mult * n
              },
              new Set(between),
              true
            )
          }
        }
        const share = groups === 0 ? 0 : groupsOne / groups
        if (isOutput) {
          // Fills with value go to one instance per group (4.3 case 3); every group drains once (R4.7, R5.3).
          const valued = countFirstOutputRead ? groups : groups - zParent
          parent.reads += valued
          stats.writes += valued
          const handOff = handOffWrites(holder, between, parentOwn)
          parent.writes += groups + handOff.total
          table.charge(parentNode.level, Math.round(valued * share), groupsOne + handOff.one)
          table.charge(node.level, 0, Math.round(valued * (fills === 0 ? 0 : fillsOne / fills)))
          zParent = countFirstOutputRead ? 0 : shared ? fills : fills - groups + zParent
        } else {
          // Inputs arrive with value at every receiving instance (4.3 case 2), multicast from the parent (R5.2).
          parent.reads += groups
          stats.writes += fills
          table.charge(parentNode.level, groupsOne, 0)
          table.charge(node.level, 0, fillsOne)
        }
      }

      // The compute leaf's operand reads and updates at the lowest holder (R6.1, R6.2).
      const lowest = holders[holders.length - 1]!
      const lowestNode = path.nodes[lowest] as StorageNode
      const stats = table.entry(lowestNode.level, tensor, e.name)
      const between = spatialBetween(path, lowest, leafIndex)
      const lowestOwn = separateInstanceLoops(model, path, lowest)
      const access = model.accessOf(e, tensor)!
      const collapseLeaf = !model.exhaustive && between.every((at) => belowBranches(path, at) && notRetiled(path, at, leafIndex))
      let moved = 0
      let movedOne = 0
      const sums = collapseLeaf ? leafPasses.get(between, lowestOwn) : undefined
      if (sums !== undefined) {
        moved = sums[tensors.indexOf(tensor)]!.total
        movedOne = sums[tensors.indexOf(tensor)]!.one
      } else {
        forEachStep(
          model,
          path,
          leafIndex,
          (it, mult) => {
            const n = card(unionOverInstances(model, path, between, it, (at) => model.image(e, model.setsBefore(path, leafIndex, at).get(e.name) ?? [], access, leaf)))
            moved += mult * n
            if (atTileZero(path, it, lowestOwn)) movedOne += mult * n
          },
          new Set(between),
          true
        )
      }
      if (isOutput) {
        const valued = moved - zParent
        stats.writes += moved
        stats.reads += valued
        table.charge(lowestNode.level, Math.round(valued * (moved === 0 ? 0 : movedOne / moved)), movedOne)
      } else {
        stats.reads += moved
        table.charge(lowestNode.level, movedOne, 0)
      }
    }

    if (model.exhaustive) {
      // The brute-force reference: every leaf step, no memo by tile shape.
      let executed = 0
      forEachStep(model, path, leafIndex, (it, mult) => {
        executed += mult * card(model.setsBefore(path, leafIndex, it).get(e.name) ?? [])
      })
      ops[e.name] = executed
    } else ops[e.name] = leafPasses.get([], new Set())![tensors.length]!.total
  }
  return { accesses: table.entries.map((x) => ({ ...x })), ops, busiest: table.busiest }
}
