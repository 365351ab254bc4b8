/**
 * Tile inference through the LoopTree. For a concrete iteration of the loops
 * above a node, `setsBefore` gives the op set of every Einsum of the group
 * there: loops tile the group's head (last consumer); at a branch each
 * producer keeps the ops whose outputs its consumers need now and that are
 * not resident in the intermediate's storage (held at the previous step of
 * that storage node). Everything is memoized per (node, iteration prefix).
 */
import type { BranchNode, LoopNode, MappingNode, StorageNode } from "../spec/mapping.ts"
import { leafPaths } from "../spec/mapping.ts"
import type { Spec } from "../spec/spec.ts"
import type { Einsum, TensorAccess } from "../spec/workload.ts"
import { findEinsum } from "../spec/workload.ts"
import { fullOps, image, outputPreimage, ProjectionError, rankIndexOf, unsupportedAccess } from "./projection.ts"
import { type Box, bounds, card, equalSets, intersect, separable, shapeKey, subtract, type TileSet, translate, translateUnion, union } from "./tile-set.ts"
import { IterationMemo } from "./iteration-memo.ts"
import { unnamed } from "./unnamed.ts"
import { unsupported } from "./unsupported.ts"

export interface Path {
  readonly einsum: Einsum
  /** Root to compute leaf, inclusive. */
  readonly nodes: ReadonlyArray<MappingNode>
  /** loopsBefore[j]: loops among nodes[0..j-1]. */
  readonly loopsBefore: ReadonlyArray<number>
  /** Node index of each loop, in order. */
  readonly loopAt: ReadonlyArray<number>
  /** Index of the innermost branch node above nodes[j] (-1 if none). */
  readonly branchAbove: ReadonlyArray<number>
  /** Index of the innermost sequential node above nodes[j] (-1 if none): the scope of a storage node (1.5, R4.4). */
  readonly scopeAbove: ReadonlyArray<number>
}

export interface LoopClass {
  readonly i: number
  readonly mult: number
}

/** A class of tiles of a loop over a set: its representative tile and the tile's shape key. */
export interface Child extends LoopClass {
  readonly set: TileSet
  readonly key: string
}

export interface Model {
  readonly spec: Spec
  readonly paths: ReadonlyArray<Path>
  readonly pathOf: (einsum: string) => Path
  readonly exhaustive: boolean
  /** Physical level index of each logical level (0 = outermost, the backing store). */
  readonly levelIndex: ReadonlyMap<string, number>
  /** R5.1: physical index of the target of the spatial loop at nodes[j] (the compute unit counts as the innermost level). */
  targetIndex(path: Path, j: number): number
  setsBefore(path: Path, j: number, it: ReadonlyArray<number>): ReadonlyMap<string, TileSet>
  /** Union over everything below nodes[j] of the ops of `einsum` (on its own path). */
  opsBelow(einsum: string, j: number, it: ReadonlyArray<number>): TileSet
  /** Tensor elements held by a storage node for one Einsum at an iteration of the loops above it. */
  occupancy(path: Path, j: number, tensor: string, it: ReadonlyArray<number>): TileSet
  /** The previous iteration of a storage node's loops (same spatial coordinates), if it keeps data. */
  prevIters(path: Path, j: number, it: ReadonlyArray<number>): number[] | undefined
  /** Iteration classes of the loop at nodes[j] (representative and how many iterations it stands for). */
  loopClasses(path: Path, j: number, it: ReadonlyArray<number>): LoopClass[]
  /** Are the tiles of the spatial loop at nodes[j] products with the rest of its head's set (see `separable`)? */
  separableAt(path: Path, j: number, it: ReadonlyArray<number>): boolean
  /** Iteration classes of a loop over a given op set of its head. */
  classesOf(loop: LoopNode, head: TileSet): LoopClass[]
  /**
   * The classes of the loop at nodes[j] over a set with shape key `key`, with their representative
   * tiles, cached per evaluation by (node, shape): the tiles are those of the first set of that shape
   * seen, so use them only for what does not change under translation.
   */
  children(j: number, loop: LoopNode, set: TileSet, key: string): ReadonlyArray<Child>
  /** Tile i of a loop over a given op set of its head. */
  tileOf(loop: LoopNode, head: TileSet, i: number): TileSet
  tripCount(path: Path, j: number, it: ReadonlyArray<number>): number
  accessOf(einsum: Einsum, tensor: string): TensorAccess | undefined
  image(einsum: Einsum, set: TileSet, access: TensorAccess, at: MappingNode): TileSet
}

const isBranchNode = (node: MappingNode): node is BranchNode => node.kind === "sequential" || node.kind === "pipeline"

export const buildModel = (spec: Spec, exhaustive = false): Model => {
  const ids = new Map<MappingNode, number>()
  const idOf = unnamed((node: MappingNode): number => {
    let id = ids.get(node)
    if (id === undefined) {
      id = ids.size
      ids.set(node, id)
    }
    return id
  })
  const einsum = unnamed((name: string): Einsum => findEinsum(spec.workload, name)!)
  const rankIndex = new Map(spec.workload.einsums.map((e) => [e.name, rankIndexOf(e)]))
  const levelIndex = new Map(spec.levels.map((l) => [l.name, l.physicalIndex]))
  const einsumIndex = new Map(spec.workload.einsums.map((e, i) => [e.name, i]))
  const tensorIndex = new Map(spec.workload.tensors.map((t, i) => [t.name, i]))
  const paths: Path[] = leafPaths(spec.mapping).map((nodes) => {
    const loopsBefore: number[] = []
    const loopAt: number[] = []
    const branchAbove: number[] = []
    const scopeAbove: number[] = []
    let branch = -1
    let scope = -1
    nodes.forEach((node, j) => {
      loopsBefore.push(loopAt.length)
      branchAbove.push(branch)
      scopeAbove.push(scope)
      idOf(node)
      if (node.kind === "temporal" || node.kind === "spatial") loopAt.push(j)
      if (isBranchNode(node)) branch = j
      if (node.kind === "sequential") scope = j
    })
    const leaf = nodes[nodes.length - 1]!
    return { einsum: einsum((leaf as { einsum: string }).einsum), nodes, loopsBefore, loopAt, branchAbove, scopeAbove }
  })
  const byEinsum = new Map(paths.map((p) => [p.einsum.name, p]))
  const pathOf = unnamed((name: string): Path => byEinsum.get(name)!)

  // Checks that make the closed forms exact.
  for (const path of paths) {
    for (const access of [...path.einsum.inputs, path.einsum.output]) {
      const why = unsupportedAccess(path.einsum, access)
      if (why !== undefined) throw unsupported(spec, path.nodes[path.nodes.length - 1]!.path, why)
    }
  }



  const headsOf = unnamed((group: ReadonlyArray<string>): Set<string> => {
    const heads = new Set<string>()
    for (const name of group) {
      const out = einsum(name).output.tensor
      if (!group.some((other) => other !== name && einsum(other).inputs.some((i) => i.tensor === out))) heads.add(name)
    }
    return heads
  })
  const headCache = new Map<MappingNode, Set<string>>()
  const headsAt = unnamed((node: MappingNode): Set<string> => {
    let h = headCache.get(node)
    if (h === undefined) {
      h = headsOf(node.einsums)
      headCache.set(node, h)
    }
    return h
  })

  const accessOf = unnamed((e: Einsum, tensor: string): TensorAccess | undefined =>
    e.output.tensor === tensor ? e.output : e.inputs.find((a) => a.tensor === tensor))

  const imageAt = unnamed((e: Einsum, set: TileSet, access: TensorAccess, at: MappingNode): TileSet => {
    try {
      return image(set, access, rankIndex.get(e.name)!)
    } catch (error) {
      if (error instanceof ProjectionError) throw unsupported(spec, at.path, `${e.name} reads ${access.tensor}: ${error.message}`)
      throw error
    }
  })

  const restrictRank = unnamed((set: TileSet, d: number, lo: number, hi: number): TileSet => {
    const out: Box[] = []
    for (const box of set) {
      const p = box[d]!
      const start = p.count === 1 ? (p.lo >= lo ? p.lo : Infinity) : p.lo + Math.ceil(Math.max(0, lo - p.lo) / p.step) * p.step
      const end = Math.min(hi, p.lo + (p.count - 1) * p.step)
      if (start > end) continue
      // The whole box is inside: keep it as it is.
      if (start === p.lo && end === p.lo + (p.count - 1) * p.step) {
        out.push(box)
        continue
      }
      const count = p.count === 1 ? 1 : Math.floor((end - start) / p.step) + 1
      const copy = box.slice()
      copy[d] = { lo: start, step: count === 1 ? 1 : p.step, count }
      out.push(copy)
    }
    return out
  })

  const sets = new IterationMemo<ReadonlyMap<string, TileSet>>()
  const setsBefore = unnamed((path: Path, j: number, it: ReadonlyArray<number>): ReadonlyMap<string, TileSet> => {
    const heads = [idOf(path.nodes[j]!)]
    const n = path.loopsBefore[j]!
    const known = sets.get(heads, it, n)
    if (known !== undefined) return known
    let result: Map<string, TileSet>
    if (j === 0) {
      result = new Map(path.nodes[0]!.einsums.map((name) => [name, fullOps(einsum(name))]))
    } else {
      const above = path.nodes[j - 1]!
      const base = setsBefore(path, j - 1, it)
      if (above.kind === "storage") result = base as Map<string, TileSet>
      else if (above.kind === "temporal" || above.kind === "spatial") {
        result = new Map(base)
        const loop = above as LoopNode
        const head = base.get(loop.einsum) ?? []
        const d = rankIndex.get(loop.einsum)!.get(loop.rank)!
        const b = bounds(head)
        const i = it[path.loopsBefore[j - 1]!]!
        // i = -1 stands for every tile of a spatial loop at once (their union is the whole set).
        if (i < 0) result.set(loop.einsum, head)
        else if (b === undefined) result.set(loop.einsum, [])
        else {
          const lo = b[d]![0] + i * loop.tileShape
          result.set(loop.einsum, restrictRank(head, d, lo, lo + loop.tileShape - 1))
        }
      } else if (isBranchNode(above)) {
        const inferred = translatedInference(path, j - 1, it) ?? infer(path, j - 1, it, base)
        result = new Map(path.nodes[j]!.einsums.map((name) => [name, inferred.get(name) ?? []]))
      } else throw new Error("a compute node has nothing below it")
    }
    sets.set(heads, it, n, result)
    return result
  })

  /**
   * Inside a class of uniform iterations of a loop above the branch, the inferred sets of iteration
   * c.i + 1 + m are those of c.i + 1 moved m times by the step from c.i to c.i + 1. Without this, the
   * residency chain (each iteration's producer tile depends on the previous one's) would visit every
   * iteration back to the first.
   */
  const translatedInference = unnamed((path: Path, jb: number, it: ReadonlyArray<number>): ReadonlyMap<string, TileSet> | undefined => {
    if (exhaustive) return undefined
    for (let k = path.loopsBefore[jb]! - 1; k >= 0; k--) {
      const at = path.loopAt[k]!
      if (path.nodes[at]!.kind !== "temporal") continue
      const i = it[k]!
      if (i < 2) continue
      const prefix = it.slice(0, k)
      const c = loopClasses(path, at, prefix).find((x) => x.i <= i && i < x.i + x.mult)
      if (c === undefined || i < c.i + 2) continue
      const with_ = unnamed((v: number) => {
        const copy = [...it]
        copy[k] = v
        return setsBefore(path, jb + 1, copy)
      })
      const first = with_(c.i)
      const second = with_(c.i + 1)
      const out = new Map<string, TileSet>()
      for (const [name, set] of second) {
        const from = first.get(name) ?? []
        if (set.length === 0 && from.length === 0) {
          out.set(name, [])
          continue
        }
        const delta = shiftBetween(from, set)
        if (delta === undefined) return undefined
        out.set(name, translate(set, delta.map((x) => x * (i - c.i - 1))))
      }
      return out
    }
    return undefined
  })

  /** R8.1 Needs_T: the union of what the group's consumers of `tensor` read, given their op sets. */
  const consumersNeed = unnamed((group: ReadonlyArray<string>, tensor: string, ops: ReadonlyMap<string, TileSet>, node: Parameters<typeof imageAt>[3]): TileSet => {
    let need: TileSet = []
    for (const name of group) {
      const consumer = einsum(name)
      const access = consumer.inputs.find((a) => a.tensor === tensor)
      if (access === undefined) continue
      need = union(need, imageAt(consumer, ops.get(name) ?? [], access, node))
    }
    return need
  })

  const infer = unnamed((path: Path, jb: number, it: ReadonlyArray<number>, base: ReadonlyMap<string, TileSet>): Map<string, TileSet> => {
    const node = path.nodes[jb]!
    const group = node.einsums
    const heads = headsAt(node)
    const out = new Map(base)
    for (let g = group.length - 1; g >= 0; g--) {
      const producer = einsum(group[g]!)
      if (heads.has(producer.name)) continue
      const tensor = producer.output.tensor
      const need = consumersNeed(group, tensor, out, node)
      // R8.2: what is valued in some holder of the intermediate on the path to the branch when execution enters it.
      let available: TileSet = []
      let siblings: TileSet = []
      for (let k = 0; k < jb; k++) {
        const holder = path.nodes[k]!
        if (holder.kind !== "storage" || !holder.tensors.includes(tensor)) continue
        if (holder.exploitsReuse) {
          // Held over from the holder's previous step (R4.2).
          const prev = prevIters(path, k, it)
          if (prev !== undefined) available = union(available, consumersOccupancy(path, k, tensor, prev, group))
        }
        // Computed earlier within the holder's current step (a line buffer, 8.3); a backing store keeps
        // everything ever computed (R4.9: refetch instead of recompute).
        const backing = levelIndex.get(holder.level) === 0
        for (const at of path.loopAt) {
          if (at >= jb || (!backing && at < k)) continue
          const i = it[path.loopsBefore[at]!]!
          if (i === 0) continue
          // R8.2 per instance: what sibling instances compute in this iteration is in their buffers, not on
          // this path. When the producer writes straight into a holder shared by the siblings (none of its
          // own below the loop), the document does not say: both readings are computed and the model
          // declines when they differ (see `siblings` below).
          const spatial = path.nodes[at]!.kind === "spatial"
          if (spatial && !(at > k && writesAbove(producer.name, tensor, at))) continue
          const prefix = it.slice(0, path.loopsBefore[at]!)
          for (const name of group) {
            const consumer = einsum(name)
            const access = consumer.inputs.find((a) => a.tensor === tensor)
            if (access === undefined) continue
            const earlier = imageAt(consumer, opsBelowLoopRange(name, at, prefix, i, backing), access, holder)
            if (spatial) siblings = union(siblings, earlier)
            else available = union(available, earlier)
          }
        }
      }
      const computed = subtract(need, available)
      if (siblings.length > 0 && intersect(computed, siblings).length > 0) {
        throw unsupported(
          spec,
          node.path,
          `${producer.name} writes ${tensor} straight into a holder shared by the instances of a spatial loop above this node, and their needs overlap: whether an element a sibling computes in the same iteration is available there is not defined (R8.2)`
        )
      }
      out.set(producer.name, outputPreimage(producer, computed, out.get(producer.name) ?? []))
    }
    return out
  })

  /** No storage node holding `tensor` lies below nodes[at] on the path of its producer `name` (it computes into holders above). */
  const writesAbove = unnamed((name: string, tensor: string, at: number): boolean => {
    const nodes = pathOf(name).nodes
    for (let k = at + 1; k < nodes.length; k++) {
      const node = nodes[k]!
      if (node.kind === "storage" && node.tensors.includes(tensor)) return false
    }
    return true
  })

  /** What the in-group consumers of `tensor` read below storage node k (the data it holds for them). */
  const consumersOccupancy = unnamed((path: Path, k: number, tensor: string, it: ReadonlyArray<number>, group: ReadonlyArray<string>): TileSet => {
    let held: TileSet = []
    const holder = path.nodes[k]!
    for (const name of holder.einsums) {
      if (!group.includes(name)) continue
      const consumer = einsum(name)
      const access = consumer.inputs.find((a) => a.tensor === tensor)
      if (access === undefined) continue
      held = union(held, imageAt(consumer, opsBelow(name, k, it), access, holder))
    }
    return held
  })

  /** Does `name` get narrowed by inference at a branch at or below nodes[j] on its path? */
  const inferredBelow = unnamed((path: Path, j: number): boolean => {
    for (let k = j; k < path.nodes.length; k++) {
      const node = path.nodes[k]!
      if (isBranchNode(node) && !headsAt(node).has(path.einsum.name)) return true
    }
    return false
  })

  const below = new IterationMemo<TileSet>()
  const opsBelow = unnamed((name: string, j: number, it: ReadonlyArray<number>): TileSet => {
    const path = pathOf(name)
    const heads = [einsumIndex.get(name)!, idOf(path.nodes[j]!)]
    const n = path.loopsBefore[j]!
    const known = below.get(heads, it, n)
    if (known !== undefined) return known
    let result: TileSet
    if (!inferredBelow(path, j)) result = setsBefore(path, j, it).get(name) ?? []
    else if (n === 0 && !exhaustive) {
      // Nothing is available before the program starts, so over the whole program every needed element is
      // computed at least once and nothing else is (R8.1): the union of the inferred tiles is the inference
      // of the unions, with nothing available.
      result = unionInference(path, j, setsBefore(path, j, it))
    } else {
      const node = path.nodes[j]!
      if (node.kind === "temporal" || node.kind === "spatial") {
        const prefix = it.slice(0, path.loopsBefore[j]!)
        result = unionOverLoop(name, path, j, prefix, Infinity)
      } else result = opsBelow(name, j + 1, it)
    }
    below.set(heads, it, n, result)
    return result
  })

  /** Union of opsBelow(name, j + 1, prefix + [i]) over the iterations i < hi of the loop at nodes[j]. */
  const unionOverLoop = unnamed((name: string, path: Path, j: number, prefix: ReadonlyArray<number>, hi: number): TileSet => {
    const node = path.nodes[j]!
    const at = unnamed((i: number) => opsBelow(name, j + 1, [...prefix, i]))
    let result: TileSet = []
    for (const c of loopClasses(path, j, prefix)) {
      if (c.i >= hi) break
      const mult = Math.min(c.mult, hi - c.i)
      const first = at(c.i)
      if (mult === 1) {
        result = union(result, first)
        continue
      }
      const second = at(c.i + 1)
      const delta = shiftBetween(first, second)
      const merged = delta === undefined ? undefined : translateUnion(first, delta, mult)
      if (merged === undefined) {
        if (mult > 64) throw unsupported(spec, node.path, `the tiles of ${name} under this loop do not repeat by translation`)
        for (let i = c.i; i < c.i + mult; i++) result = union(result, at(i))
      } else result = union(result, merged)
    }
    return result
  })

  /** Ops of `name` under the loop at nodes[j] over its iterations before `hi` (the loop shared by the whole group). */
  const opsBelowLoopRange = unnamed((name: string, j: number, prefix: ReadonlyArray<number>, hi: number, backing: boolean): TileSet => {
    const path = pathOf(name)
    const loop = path.nodes[j] as LoopNode
    // For a backing store every element needed before is valued in it, so the consumers' needs over the range
    // may be taken from the inference of the unions (a superset of the elements they actually read then, all
    // of them computed earlier). A head's tiles need no inference at all.
    if (exhaustive || (!backing && inferredBelow(path, j))) return unionOverLoop(name, path, j, prefix, hi)
    const sets = new Map(setsBefore(path, j, prefix))
    const head = sets.get(loop.einsum) ?? []
    const b = bounds(head)
    if (b === undefined || hi <= 0) return []
    const d = rankIndex.get(loop.einsum)!.get(loop.rank)!
    sets.set(loop.einsum, restrictRank(head, d, b[d]![0], b[d]![0] + hi * loop.tileShape - 1))
    return unionInference(path, j + 1, sets)
  })

  /** Inference of the unions from nodes[j] down to the leaf of `path`, nothing available. */
  const unionInference = unnamed((path: Path, j: number, sets: ReadonlyMap<string, TileSet>): TileSet => {
    let current = sets
    for (let k = j; k < path.nodes.length; k++) {
      const node = path.nodes[k]!
      if (!isBranchNode(node)) continue
      const out = new Map(current)
      const heads = headsAt(node)
      const group = node.einsums
      for (let g = group.length - 1; g >= 0; g--) {
        const producer = einsum(group[g]!)
        if (heads.has(producer.name)) continue
        const tensor = producer.output.tensor
        const need = consumersNeed(group, tensor, out, node)
        out.set(producer.name, outputPreimage(producer, need, out.get(producer.name) ?? []))
      }
      current = out
    }
    return current.get(path.einsum.name) ?? []
  })

  const occupancyCache = new IterationMemo<TileSet>()
  const occupancy = unnamed((path: Path, j: number, tensor: string, it: ReadonlyArray<number>): TileSet => {
    const heads = [einsumIndex.get(path.einsum.name)!, tensorIndex.get(tensor)!, idOf(path.nodes[j]!)]
    const n = path.loopsBefore[j]!
    const known = occupancyCache.get(heads, it, n)
    if (known !== undefined) return known
    const access = accessOf(path.einsum, tensor)!
    const result = imageAt(path.einsum, opsBelow(path.einsum.name, j, it), access, path.nodes[j]!)
    occupancyCache.set(heads, it, n, result)
    return result
  })

  const tripCount = unnamed((path: Path, j: number, it: ReadonlyArray<number>): number => {
    const loop = path.nodes[j] as LoopNode
    const head = setsBefore(path, j, it).get(loop.einsum) ?? []
    const b = bounds(head)
    if (b === undefined) return 0
    const d = rankIndex.get(loop.einsum)!.get(loop.rank)!
    return Math.ceil((b[d]![1] - b[d]![0] + 1) / loop.tileShape)
  })

  // Sum over the Einsums of the widest window of an input index with a coefficient > 1 among several terms
  // (0 when there is none): how many tiles back a strided read can find its elements.
  let stridedReach = 0
  for (const e of spec.workload.einsums) {
    let widest = 0
    let strided = false
    for (const a of e.inputs) {
      for (const x of a.projection) {
        if (x.terms.length < 2) continue
        if (x.terms.some((t) => Math.abs(t.coefficient) > 1)) strided = true
        let span = 0
        for (const t of x.terms) span += Math.abs(t.coefficient) * ((e.ranks.find((r) => r.name === t.rank)?.bound ?? 1) - 1)
        widest = Math.max(widest, span)
      }
    }
    if (strided) stridedReach += widest + 1
  }

  const loopClasses = unnamed((path: Path, j: number, it: ReadonlyArray<number>): LoopClass[] => {
    const loop = path.nodes[j] as LoopNode
    return classesOf(loop, setsBefore(path, j, it).get(loop.einsum) ?? [])
  })

  /** Iteration classes of `loop` over its head's op set `head`. */
  // The sets come from the memos above, so within one evaluation a set's identity stands for its content.
  const classMemo = new WeakMap<TileSet, Map<LoopNode, LoopClass[]>>()
  const classesOf = unnamed((loop: LoopNode, head: TileSet): LoopClass[] => {
    let byLoop = classMemo.get(head)
    if (byLoop === undefined) {
      byLoop = new Map()
      classMemo.set(head, byLoop)
    }
    let known = byLoop.get(loop)
    if (known === undefined) {
      known = classesOfSet(loop, head)
      byLoop.set(loop, known)
    }
    return known
  })
  const classesOfSet = unnamed((loop: LoopNode, head: TileSet): LoopClass[] => {
    const b = bounds(head)
    if (b === undefined) return []
    const d = rankIndex.get(loop.einsum)!.get(loop.rank)!
    const min = b[d]![0]
    const n = Math.ceil((b[d]![1] - min + 1) / loop.tileShape)
    if (exhaustive || n <= 3) return Array.from({ length: n }, (_, i) => ({ i, mult: 1 }))
    const special: number[] = [0, n - 1]
    // A strided or dilated window reads elements with gaps, so what a backing store keeps (R4.9) reaches
    // back past the previous tile: the first tiles within that reach are classes of their own.
    for (let i = 1; i < Math.min(n, stridedReach); i++) special.push(i)
    const s = loop.tileShape
    for (const box of head) {
      const p = box[d]!
      if (p.count > 1 && p.step > 1 && s % p.step !== 0) {
        throw unsupported(spec, loop.path, `tile_shape ${s} does not line up with the stride ${p.step} of ${loop.einsum}'s tile along ${loop.rank}`)
      }
      // Tiles meeting a boundary of a box (a change in what the tile holds) are classes of their own.
      const last = p.lo + (p.count - 1) * p.step
      for (const w of [p.lo - 1, p.lo, last, last + 1]) {
        const i = Math.floor((w - min) / s)
        if (i >= 0 && i < n) special.push(i)
      }
    }
    special.sort((x, y) => x - y)
    const out: LoopClass[] = []
    let previous = -1
    for (const i of special) {
      if (i === previous) continue
      if (previous >= 0 && i > previous + 1) out.push({ i: previous + 1, mult: i - previous - 1 })
      out.push({ i, mult: 1 })
      previous = i
    }
    return out
  })

  /** Tile i of `loop` over its head's op set `head` (R2.2). */
  const tileOf = unnamed((loop: LoopNode, head: TileSet, i: number): TileSet => {
    const b = bounds(head)
    if (b === undefined) return []
    const d = rankIndex.get(loop.einsum)!.get(loop.rank)!
    const lo = b[d]![0] + i * loop.tileShape
    return restrictRank(head, d, lo, lo + loop.tileShape - 1)
  })

  /** Does the iteration run (R2.2: a tile whose op set is empty is skipped, it is not a step)? Every loop's head has ops in its tile. */
  /** Does the iteration run (R2.2: a tile whose op set is empty is skipped, it is not a step)? Every loop's head from loop index `from` on has ops in its tile. */
  const executes = unnamed((path: Path, j: number, it: ReadonlyArray<number>, from: number): boolean => {
    for (let q = from; q < path.loopAt.length; q++) {
      const at = path.loopAt[q]!
      if (at >= j) break
      const loop = path.nodes[at] as LoopNode
      if ((setsBefore(path, at + 1, it).get(loop.einsum) ?? []).length === 0) return false
    }
    return true
  })

  /** R4.1: the step just before `it` (skipped iterations are not steps). */
  const prevMemo = new IterationMemo<number[] | null>()
  const prevIters = unnamed((path: Path, j: number, it: ReadonlyArray<number>): number[] | undefined => {
    const heads = [idOf(path.nodes[j]!)]
    const n = path.loopsBefore[j]!
    const known = prevMemo.get(heads, it, n)
    if (known !== undefined) return known ?? undefined
    const prev = prevStep(path, j, it)
    prevMemo.set(heads, it, n, prev ?? null)
    return prev
  })

  const prevStep = unnamed((path: Path, j: number, it: ReadonlyArray<number>): number[] | undefined => {
    let prev = prevIteration(path, j, it)
    while (prev !== undefined) {
      // The loops before the first index where prev differs are those of `it`, which runs.
      let from = 0
      while (from < prev.length && prev[from] === it[from]) from++
      if (executes(path, j, prev, from)) break
      it = prev
      prev = prevIteration(path, j, prev)
    }
    return prev
  })

  const prevIteration = unnamed((path: Path, j: number, it: ReadonlyArray<number>): number[] | undefined => {
    const node = path.nodes[j]! as StorageNode
    if (node.kind === "storage" && !node.exploitsReuse) return undefined
    // R4.1/R4.4: prev stays within one execution of the innermost sequential branch; pipeline branches keep their content.
    const scopeStart = path.scopeAbove[j]! + 1
    const loops = path.loopAt.filter((at) => at >= scopeStart && at < j)
    const temporal = loops.filter((at) => path.nodes[at]!.kind === "temporal")
    let carry = -1
    for (let k = temporal.length - 1; k >= 0; k--) {
      if (it[path.loopsBefore[temporal[k]!]!]! > 0) {
        carry = temporal[k]!
        break
      }
    }
    if (carry < 0) return undefined
    const out = it.slice(0, path.loopsBefore[j]!)
    out[path.loopsBefore[carry]!] = out[path.loopsBefore[carry]!]! - 1
    for (const at of loops) {
      if (at <= carry || path.nodes[at]!.kind !== "temporal") continue
      out[path.loopsBefore[at]!] = Math.max(0, tripCount(path, at, out) - 1)
    }
    return out
  })

  const computeIndex = spec.architecture.levels.length
  const targetIndex = unnamed((path: Path, j: number): number => {
    let above = -1
    for (let k = 0; k < j; k++) {
      const node = path.nodes[k]!
      if (node.kind === "storage") above = Math.max(above, levelIndex.get(node.level)!)
    }
    for (let k = j + 1; k < path.nodes.length; k++) {
      const node = path.nodes[k]!
      if (node.kind === "storage" && levelIndex.get(node.level)! > above) return levelIndex.get(node.level)!
    }
    return computeIndex
  })

  // R5.4 (peer forwarding over neighbour links) is not modelled: refuse rather than count parent reads instead.
  for (const path of paths) {
    for (const at of path.loopAt) {
      const loop = path.nodes[at]!
      if (loop.kind !== "spatial") continue
      const fanout = spec.architecture.levels[targetIndex(path, at) - 1]?.fanout
      if (fanout?.neighborLinks === true) {
        throw unsupported(spec, loop.path, "this loop maps onto a fanout with neighbor_links: true; peer forwarding (R5.4) is not modelled")
      }
    }
  }

  const childCache = new Map<LoopNode, Map<string, ReadonlyArray<Child>>>()
  const children = unnamed((_j: number, loop: LoopNode, set: TileSet, key: string): ReadonlyArray<Child> => {
    let byShape = childCache.get(loop)
    if (byShape === undefined) {
      byShape = new Map()
      childCache.set(loop, byShape)
    }
    let known = byShape.get(key)
    if (known === undefined) {
      known = classesOf(loop, set).map((c) => {
        const tile = tileOf(loop, set, c.i)
        return { i: c.i, mult: c.mult, set: tile, key: shapeKey(tile) }
      })
      byShape.set(key, known)
    }
    return known
  })

  const separableAt = unnamed((path: Path, j: number, it: ReadonlyArray<number>): boolean => {
    const loop = path.nodes[j] as LoopNode
    return separable(setsBefore(path, j, it).get(loop.einsum) ?? [], rankIndex.get(loop.einsum)!.get(loop.rank)!)
  })

  return {
    spec,
    paths,
    pathOf,
    separableAt,
    children,
    exhaustive,
    levelIndex,
    targetIndex,
    setsBefore,
    opsBelow,
    occupancy,
    prevIters,
    loopClasses,
    classesOf,
    tileOf,
    tripCount,
    accessOf,
    image: imageAt
  }
}

/** The offset that moves `a` onto `b`, if `b` is a translate of `a`. */
export const shiftBetween = (a: TileSet, b: TileSet): number[] | undefined => {
  const ba = bounds(a)
  const bb = bounds(b)
  if (ba === undefined || bb === undefined) return undefined
  const delta = ba.map(([lo], d) => bb[d]![0] - lo)
  if (card(a) !== card(b)) return undefined
  return equalSets(translate(a, delta), b) ? delta : undefined
}

