/**
 * Random LoopTree mappings that are valid by construction for a generated
 * workload and architecture. The tree is built top-down:
 *
 * - the root holds every workload input and output in DRAM (and some
 *   intermediates: refetch instead of recompute or retain on chip);
 * - a group of Einsums is either one Einsum's loop nest ending in its compute
 *   leaf, or a *segment* (loops tiling the group's head, storage nodes)
 *   followed by a sequential or pipeline branch over a partition of the group
 *   into subgroups, each built the same way (fusion groups nest);
 * - a segment walks the logical levels inward (`GlobalBuffer`,
 *   `GlobalBuffer#2`, ...), placing temporal loops (tile shapes that divide
 *   or do not), storage nodes for a random subset of the tensors not yet held
 *   at that depth (sometimes with `exploits_reuse: false`), and spatial loops
 *   where the architecture has fanout (reads multicast, partial sums reduced).
 *
 * The rules that keep it valid: storage nodes on a path go inward (never to
 * an outer logical level), so each tensor's holders go inward; an
 * intermediate crossing subgroups is held above their branch; spatial loops
 * never use more instances than the fanout above their target provides, and
 * below a spatial loop storage continues only at deeper physical levels (so
 * the loop's target is the same under every reading of the rules).
 */
import type { NativeArchitecture, NativeMapping, NativeNode } from "../spec/native-schema.ts"
import type { Choices } from "./choices.ts"
import { computeName } from "./architecture-generator.ts"
import { outputOf, tensorsOf, type WorkloadPlan } from "./workload-generator.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

interface Position {
  readonly physical: number
  readonly copy: number
}

interface PathState {
  /** Tensor -> index of the innermost position holding it on this path. */
  readonly held: Map<string, number>
  /** Position of the innermost storage node on this path. */
  pos: number
  /** After a spatial loop, storage continues only at physical levels >= this. */
  minPhysical: number
  /** Cumulative spatial instances on this path. */
  instances: { x: number; y: number }
  /** Upper bounds of every Einsum's remaining rank extents on this path. */
  readonly extents: Map<string, Map<string, number>>
}

const cloneState = (s: PathState): PathState => ({
  held: new Map(s.held),
  pos: s.pos,
  minPhysical: s.minPhysical,
  instances: { ...s.instances },
  extents: new Map([...s.extents].map(([e, m]) => [e, new Map(m)]))
})

export interface MappingOptions {
  /** Percent chance of loops at each opportunity in a fused segment. */
  readonly loopChance?: number
}

export const generateMapping = (c: Choices, workload: WorkloadPlan, architecture: NativeArchitecture): NativeMapping => {
  const einsums = workload.einsums
  const byName = new Map(einsums.map((e) => [e.name, e]))
  const producerOf = new Map(einsums.map((e) => [outputOf(e), e.name]))
  const consumersOf = (tensor: string) => einsums.filter((e) => e.inputs[tensor] !== undefined).map((e) => e.name)
  const levels = architecture.levels
  const last = levels.length - 1

  // Logical positions: DRAM (the root), then each on-chip level with 1 or 2 logical copies.
  const positions: Position[] = [{ physical: 0, copy: 1 }]
  for (let k = 1; k <= last; k++) {
    const copies = c.chance(30) ? 2 : 1
    for (let copy = 1; copy <= copies; copy++) positions.push({ physical: k, copy })
  }
  const fanout = (k: number) => {
    const f = levels[k]!.fanout
    if (f === undefined) return { x: 1, y: 1 }
    return typeof f === "number" ? { x: f, y: 1 } : { x: f.x, y: f.y ?? 1 }
  }
  /** Instances of physical level k in the machine (k = levels.length: the compute unit). */
  const instancesOf = (k: number) => {
    let x = 1
    let y = 1
    for (let j = 0; j < k; j++) {
      x *= fanout(j).x
      y *= fanout(j).y
    }
    return { x, y }
  }
  const tensorKind = (tensor: string): "input" | "output" | "intermediate" => {
    const producer = producerOf.get(tensor)
    if (producer === undefined) return "input"
    return consumersOf(tensor).length === 0 ? "output" : "intermediate"
  }

  const temporal = (state: PathState, head: string): NativeNode | undefined => {
    const extents = state.extents.get(head)!
    const open = [...extents].filter(([, e]) => e >= 2)
    const [rank, extent] = open.length > 0 && c.chance(90) ? c.pick(open) : c.pick([...extents])
    const tile = extent <= 1 ? 1 : c.chance(85) ? c.int(1, extent - 1) : extent
    extents.set(rank, Math.min(extent, tile))
    return { type: "temporal", rank, tile_shape: tile }
  }

  const spatial = (state: PathState, head: string): NativeNode | undefined => {
    const u = positions[state.pos]!.physical
    const available = instancesOf(u + 1)
    const room = { x: Math.floor(available.x / state.instances.x), y: Math.floor(available.y / state.instances.y) }
    const dims = (["x", "y"] as const).filter((d) => room[d] >= 2)
    if (dims.length === 0) return undefined
    const extents = state.extents.get(head)!
    const open = [...extents].filter(([, e]) => e >= 2)
    if (open.length === 0) return undefined
    const dim = c.pick(dims)
    const [rank, extent] = c.pick(open)
    const count = c.int(2, Math.min(room[dim], extent))
    const tile = Math.ceil(extent / count)
    const used = Math.ceil(extent / tile)
    extents.set(rank, tile)
    state.instances = { ...state.instances, [dim]: state.instances[dim] * used }
    state.minPhysical = Math.max(state.minPhysical, u + 1)
    return dim === "x" && c.chance(50) ? { type: "spatial", rank, tile_shape: tile } : { type: "spatial", rank, tile_shape: tile, dim }
  }

  /**
   * Loops, storage nodes and spatial loops from the current depth inward.
   * `leaf`: the segment ends in a compute leaf (spatial loops may then sit
   * below the innermost level, targeting the compute units).
   */
  const segment = (state: PathState, head: string, candidates: ReadonlyArray<string>, leaf: boolean, loopChance: number): NativeNode[] => {
    const nodes: NativeNode[] = []
    const loops = (percent: number) => {
      if (!c.chance(percent)) return
      const n = c.int(1, 2)
      for (let i = 0; i < n; i++) {
        const node = temporal(state, head)
        if (node !== undefined) nodes.push(node)
      }
    }
    const trySpatial = () => {
      const u = positions[state.pos]!.physical
      if (!leaf && u + 1 > last) return
      // Spatial loops above a branch (fused groups spread over instances) are rarer in practice.
      if (!c.chance(leaf ? 45 : 15)) return
      const n = c.int(1, 2)
      for (let i = 0; i < n; i++) {
        const node = spatial(state, head)
        if (node !== undefined) nodes.push(node)
      }
    }
    for (let p = state.pos; p < positions.length; p++) {
      const position = positions[p]!
      if (position.physical < state.minPhysical) continue
      loops(loopChance)
      const free = candidates.filter((t) => (state.held.get(t) ?? -1) < p)
      if (free.length > 0 && c.chance(p === state.pos ? 25 : 55)) {
        const tensors = c.subset(free, 1)
        const node: Mutable<Extract<NativeNode, { type: "storage" }>> = { type: "storage", level: `${position.physical}#${position.copy}`, tensors }
        if (c.chance(12)) node.exploits_reuse = false
        nodes.push(node)
        for (const t of tensors) state.held.set(t, p)
        state.pos = p
      }
      // Spatial loops sit at the boundary to the next physical level.
      const next = positions[p + 1]
      if (next === undefined || next.physical !== position.physical) trySpatial()
    }
    loops(leaf ? 60 : loopChance)
    return nodes
  }

  const leafNest = (state: PathState, name: string): NativeNode[] => {
    const nodes = segment(state, name, tensorsOf(byName.get(name)!), true, 40)
    // Most real nests tile down to single ops at the leaf; some keep a multi-op leaf tile.
    if (c.chance(50)) {
      for (const [rank, extent] of state.extents.get(name)!) {
        if (extent > 1 && c.chance(70)) {
          nodes.push({ type: "temporal", rank, tile_shape: 1 })
          state.extents.get(name)!.set(rank, 1)
        }
      }
    }
    nodes.push({ type: "compute", einsum: name, level: computeName })
    return nodes
  }

  /** Subgroups must each have one head, and a non-head member's consumers must all be inside its subgroup. */
  const validSubgroup = (sub: ReadonlyArray<string>): boolean =>
    sub.every((name, i) => i === sub.length - 1 || consumersOf(outputOf(byName.get(name)!)).every((consumer) => sub.includes(consumer)))

  const partition = (group: ReadonlyArray<string>): string[][] => {
    const parts: string[][] = [[group[0]!]]
    let cuts = 0
    for (let i = 1; i < group.length; i++) {
      if (c.chance(55)) {
        parts.push([group[i]!])
        cuts++
      } else parts[parts.length - 1]!.push(group[i]!)
    }
    if (cuts === 0 || !parts.every(validSubgroup)) return group.map((name) => [name])
    return parts
  }

  const buildGroup = (state: PathState, group: ReadonlyArray<string>, top: boolean): NativeNode[] => {
    if (group.length === 1) return leafNest(state, group[0]!)
    const head = group[group.length - 1]!
    const candidates = [...new Set(group.flatMap((name) => tensorsOf(byName.get(name)!)))]
    const fused = !top || c.chance(70)
    const nodes = segment(state, head, candidates, false, fused ? 45 : 0)
    const parts = partition(group)
    const crossing = candidates.filter((t) => {
      const producer = producerOf.get(t)
      if (producer === undefined) return false
      const from = parts.findIndex((part) => part.includes(producer))
      return from >= 0 && consumersOf(t).some((consumer) => { const to = parts.findIndex((part) => part.includes(consumer)); return to >= 0 && to !== from })
    })
    const unheld = crossing.filter((t) => !state.held.has(t))
    if (unheld.length > 0) {
      let p = state.pos
      while (positions[p]!.physical < state.minPhysical) p++
      nodes.push({ type: "storage", level: `${positions[p]!.physical}#${positions[p]!.copy}`, tensors: unheld })
      for (const t of unheld) state.held.set(t, p)
      state.pos = p
    }
    nodes.push({
      type: c.chance(30) ? "pipeline" : "sequential",
      branches: parts.map((part) => buildGroup(cloneState(state), part, false))
    })
    return nodes
  }

  // The root: workload inputs and outputs live in DRAM; some intermediates too.
  const tensors = [...new Set(einsums.flatMap(tensorsOf))]
  const rootTensors = tensors.filter((t) => tensorKind(t) !== "intermediate" || c.chance(35))
  const state: PathState = {
    held: new Map(rootTensors.map((t) => [t, 0])),
    pos: 0,
    minPhysical: 0,
    instances: { x: 1, y: 1 },
    extents: new Map(einsums.map((e) => [e.name, new Map(Object.entries(e.ranks))]))
  }
  const root: NativeNode = { type: "storage", level: "0#1", tensors: rootTensors }
  const nodes = [root, ...buildGroup(state, einsums.map((e) => e.name), true)]
  return { nodes: nameLevels(nodes, architecture) }
}

/** Turn `physical#copy` placeholders into level names, numbering the copies each buffer actually uses 1, 2, ... */
const nameLevels = (nodes: ReadonlyArray<NativeNode>, architecture: NativeArchitecture): NativeNode[] => {
  const used = new Map<number, Set<number>>()
  const visit = (list: ReadonlyArray<NativeNode>) => {
    for (const node of list) {
      if (node.type === "storage") {
        const [physical, copy] = node.level.split("#").map(Number) as [number, number]
        used.set(physical, (used.get(physical) ?? new Set()).add(copy))
      } else if (node.type === "sequential" || node.type === "pipeline") node.branches.forEach(visit)
    }
  }
  visit(nodes)
  const rename = (list: ReadonlyArray<NativeNode>): NativeNode[] =>
    list.map((node) => {
      if (node.type === "storage") {
        const [physical, copy] = node.level.split("#").map(Number) as [number, number]
        const rank = [...used.get(physical)!].sort((a, b) => a - b).indexOf(copy) + 1
        const name = architecture.levels[physical]!.name
        return { ...node, level: rank === 1 ? name : `${name}#${rank}` }
      }
      if (node.type === "sequential" || node.type === "pipeline") return { ...node, branches: node.branches.map(rename) }
      return node
    })
  return rename(nodes)
}

