/**
 * Shrinking a disagreement to a minimal spec. A greedy structural shrinker
 * over the native document: it tries smaller variants (drop a mapping node,
 * a tensor from a storage node, an Einsum at either end of a chain, an
 * on-chip level; turn pipelines sequential, reuse back on; lower rank
 * bounds and strides; strip bandwidths, latencies, energies, fanouts and
 * capacities) and keeps the first one that still passes the spec checks and
 * still fails the same way, until no variant does. Every candidate is a
 * valid spec, so the result is a case a user could load.
 */
import { Either } from "effect"
import type { NativeDocument, NativeEinsum, NativeLevel, NativeNode } from "../spec/native-schema.ts"
import type { Spec } from "../spec/spec.ts"
import { specOfDoc } from "./generators.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type Nodes = ReadonlyArray<NativeNode>

/** Still failing the same way? (Runs both engines.) */
export type StillFails = (spec: Spec) => Promise<boolean>

export interface ShrinkResult {
  readonly doc: NativeDocument
  readonly steps: number
  readonly tries: number
}

const clone = <T>(value: T): T => structuredClone(value)

/** Every node list of a mapping, with a way to replace it. */
const nodeLists = (nodes: Nodes, replace: (next: NativeNode[]) => Nodes): Array<{ list: Nodes; replace: (next: NativeNode[]) => Nodes }> => {
  const out: Array<{ list: Nodes; replace: (next: NativeNode[]) => Nodes }> = [{ list: nodes, replace }]
  nodes.forEach((node, i) => {
    if (node.type !== "sequential" && node.type !== "pipeline") return
    node.branches.forEach((branch, b) => {
      const replaceBranch = (next: NativeNode[]): Nodes => {
        const branches = node.branches.map((x, k) => (k === b ? next : x))
        const copy = [...nodes]
        copy[i] = { ...node, branches }
        return replace(copy)
      }
      out.push(...nodeLists(branch, replaceBranch))
    })
  })
  return out
}

/** A branch node with a single branch is the same as that branch inlined. */
const inlineSingleBranches = (nodes: Nodes): NativeNode[] =>
  nodes.flatMap((node) => {
    if (node.type !== "sequential" && node.type !== "pipeline") return [node]
    const branches = node.branches.map(inlineSingleBranches).filter((b) => b.length > 0)
    if (branches.length === 1) return branches[0]!
    return [{ ...node, branches }]
  })

const withMapping = (doc: NativeDocument, nodes: Nodes): NativeDocument => ({ ...doc, mapping: { nodes: inlineSingleBranches(nodes) } })

const mapNodes = (nodes: Nodes, f: (node: NativeNode) => NativeNode | undefined): NativeNode[] =>
  nodes.flatMap((node) => {
    const next = f(node)
    if (next === undefined) return []
    if (next.type === "sequential" || next.type === "pipeline") return [{ ...next, branches: next.branches.map((b) => mapNodes(b, f)) }]
    return [next]
  })

/** Drop every use of the given tensors from storage nodes (and nodes left empty). */
const dropTensors = (nodes: Nodes, tensors: ReadonlySet<string>): NativeNode[] =>
  mapNodes(nodes, (node) => {
    if (node.type !== "storage") return node
    const kept = node.tensors.filter((t) => !tensors.has(t))
    return kept.length === 0 ? undefined : { ...node, tensors: kept }
  })

/** Remove an Einsum's compute leaf together with the list that leads to it (when that list computes nothing else). */
const dropLeaf = (nodes: Nodes, einsum: string): NativeNode[] => {
  const computes = (list: Nodes): boolean =>
    list.some((n) => (n.type === "compute" ? n.einsum === einsum : n.type === "sequential" || n.type === "pipeline" ? n.branches.some(computes) : false))
  return nodes.flatMap((node) => {
    if (node.type !== "sequential" && node.type !== "pipeline") return [node]
    const branches = node.branches.filter((b) => !(computes(b) && b.every((n) => n.type !== "sequential" && n.type !== "pipeline"))).map((b) => dropLeaf(b, einsum))
    return branches.length === 0 ? [] : [{ ...node, branches }]
  })
}

const tensorsOf = (e: NativeEinsum): string[] => [...Object.keys(e.inputs), ...Object.keys(e.output)]

function* candidates(doc: NativeDocument): Generator<NativeDocument> {
  const nodes = doc.mapping!.nodes
  const einsums = doc.workload!.einsums
  const architecture = doc.architecture!

  // Drop an Einsum at either end: the first (its input becomes a workload input) or a last one.
  if (einsums.length > 1) {
    for (const victim of [einsums[einsums.length - 1]!, einsums[0]!]) {
      const rest = einsums.filter((e) => e !== victim)
      const used = new Set(rest.flatMap(tensorsOf))
      const gone = new Set(tensorsOf(victim).filter((t) => !used.has(t)))
      let mapping = dropTensors(dropLeaf(nodes, victim.name), gone)
      // Tensors that become workload inputs or outputs must live in the root (DRAM).
      const produced = new Set(rest.map((e) => Object.keys(e.output)[0]!))
      const read = new Set(rest.flatMap((e) => Object.keys(e.inputs)))
      const boundary = [...used].filter((t) => !produced.has(t) || !read.has(t))
      const root = mapping[0]
      if (root?.type === "storage") mapping = [{ ...root, tensors: [...new Set([...root.tensors, ...boundary])] }, ...mapping.slice(1)]
      yield { ...withMapping(doc, mapping), workload: { einsums: rest } }
    }
  }

  // Drop a mapping node (never the root), or one tensor of a storage node.
  for (const { list, replace } of nodeLists(nodes, (next) => next)) {
    for (let i = 0; i < list.length; i++) {
      const node = list[i]!
      if (list === nodes && i === 0) continue
      if (node.type === "temporal" || node.type === "spatial" || node.type === "storage") {
        yield withMapping(doc, replace([...list.slice(0, i), ...list.slice(i + 1)]))
      }
      if (node.type === "storage" && node.tensors.length > 1) {
        for (const t of node.tensors) yield withMapping(doc, replace(list.map((n, k) => (k === i ? { ...node, tensors: node.tensors.filter((x) => x !== t) } : n))))
      }
      if (node.type === "storage" && node.exploits_reuse === false) {
        const { exploits_reuse: _r, ...rest } = node
        yield withMapping(doc, replace(list.map((n, k) => (k === i ? rest : n))))
      }
      if (node.type === "pipeline") yield withMapping(doc, replace(list.map((n, k) => (k === i ? { ...node, type: "sequential" } : n))))
      if ((node.type === "temporal" || node.type === "spatial") && node.tile_shape > 1) {
        yield withMapping(doc, replace(list.map((n, k) => (k === i ? { ...node, tile_shape: node.tile_shape - 1 } : n))))
      }
    }
  }

  // Drop an on-chip level with every storage node in it.
  for (const [k, level] of architecture.levels.entries()) {
    if (k === 0) continue
    const mapping = mapNodes(nodes, (n) => (n.type === "storage" && n.level.split("#")[0] === level.name ? undefined : n))
    yield { ...withMapping(doc, mapping), architecture: { ...architecture, levels: architecture.levels.filter((_, j) => j !== k) } }
  }

  // Smaller rank bounds, plain projections.
  for (const [i, einsum] of einsums.entries()) {
    for (const [rank, bound] of Object.entries(einsum.ranks)) {
      for (const smaller of new Set([1, Math.floor(bound / 2), bound - 1])) {
        if (smaller < 1 || smaller >= bound) continue
        const next = clone(einsums) as Mutable<NativeEinsum>[]
        next[i] = { ...einsum, ranks: { ...einsum.ranks, [rank]: smaller } }
        yield { ...doc, workload: { einsums: next } }
      }
    }
  }
  for (const [i, einsum] of einsums.entries()) {
    for (const [tensor, projection] of Object.entries(einsum.inputs)) {
      for (const [d, term] of projection.entries()) {
        const plain = String(term).replace(/\b\d+\*/g, "")
        if (plain === String(term)) continue
        const next = clone(einsums) as Mutable<NativeEinsum>[]
        next[i] = { ...einsum, inputs: { ...einsum.inputs, [tensor]: projection.map((x, j) => (j === d ? plain : x)) } }
        yield { ...doc, workload: { einsums: next } }
      }
    }
  }

  // Simpler architecture parameters.
  const keys = ["fanout", "bandwidth", "latency", "block_size", "read_energy", "write_energy", "capacity"] as const
  for (const [k, level] of architecture.levels.entries()) {
    for (const key of keys) {
      if (level[key] === undefined) continue
      const { [key]: _dropped, ...rest } = level
      const levels = architecture.levels.map((l, j) => (j === k ? (rest as NativeLevel) : l))
      yield { ...doc, architecture: { ...architecture, levels } }
    }
  }
  const compute = architecture.compute
  if (compute.ops_per_cycle !== undefined && compute.ops_per_cycle !== 1) yield { ...doc, architecture: { ...architecture, compute: { ...compute, ops_per_cycle: 1 } } }
  if (compute.energy_per_op !== undefined) {
    const { energy_per_op: _e, ...rest } = compute
    yield { ...doc, architecture: { ...architecture, compute: rest } }
  }
}

/**
 * Shrink `doc` while `stillFails` holds. Stops after `maxTries` engine runs.
 */
export const shrinkCase = async (doc: NativeDocument, stillFails: StillFails, maxTries = 3000): Promise<ShrinkResult> => {
  let current = doc
  let steps = 0
  let tries = 0
  let improved = true
  while (improved && tries < maxTries) {
    improved = false
    for (const candidate of candidates(current)) {
      const spec = specOfDoc(candidate)
      if (Either.isLeft(spec)) continue
      tries++
      if (await stillFails(spec.right)) {
        current = candidate
        steps++
        improved = true
        break
      }
      if (tries >= maxTries) break
    }
  }
  return { doc: current, steps, tries }
}
