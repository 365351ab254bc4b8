/**
 * The spec compiled into the indexed form the controller runs: tensors with
 * row-major strides, Einsums whose accesses are linear in the rank values
 * (flat index = constant + sum of coefficient x rank), and the LoopTree as a
 * tree of numbered nodes. Nothing here decides what moves; that is the
 * controller's job at run time, from buffer contents.
 */
import type { Spec } from "../spec/spec.ts"
import type { MappingNode } from "../spec/mapping.ts"

export interface TensorInfo {
  readonly id: number
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly strides: ReadonlyArray<number>
  readonly volume: number
  /** Einsum id that writes it, or -1 for a workload input. */
  readonly producer: number
  readonly role: "input" | "intermediate" | "output"
}

export interface AccessInfo {
  readonly tensor: number
  /** Per tensor dimension: terms over the Einsum's rank indices. */
  readonly dims: ReadonlyArray<{ readonly terms: ReadonlyArray<{ readonly rank: number; readonly coefficient: number }>; readonly constant: number }>
  /** Flat index = base + sum(linear[r] * value of rank r). */
  readonly linear: Int32Array
  readonly base: number
  /** Every rank appears in at most one dimension, so the footprint of a box is a product of per-dimension sets. */
  readonly separable: boolean
}

export interface EinsumInfo {
  readonly id: number
  readonly name: string
  readonly rankNames: ReadonlyArray<string>
  readonly bounds: Int32Array
  readonly inputs: ReadonlyArray<AccessInfo>
  readonly output: AccessInfo
  /** For each rank, the output dimension it indexes, or -1 for a reduction rank. */
  readonly outputDimOfRank: Int32Array
  readonly ops: number
}

export interface LoopSim {
  readonly kind: "loop"
  readonly id: number
  readonly spatial: boolean
  readonly einsum: number
  readonly rank: number
  readonly tile: number
  /** Largest number of iterations (mixed-radix base for instance and window numbers). */
  readonly radix: number
  readonly source: MappingNode
}

export interface StorageSim {
  readonly kind: "storage"
  readonly id: number
  readonly level: string
  readonly physical: number
  readonly tensors: ReadonlyArray<number>
  readonly exploitsReuse: boolean
  readonly einsums: ReadonlyArray<number>
  /** Loops above this node (outermost first). */
  readonly loopsAbove: ReadonlyArray<LoopSim>
  /**
   * Spatial loops above this node that put its tiles in different physical
   * instances (docs/semantics.md R5.1); the others partition one physical
   * instance of a buffer above the fanout.
   */
  readonly physicalLoops: ReadonlyArray<LoopSim>
  /** All spatial loops above (its logical instances). */
  readonly spatialLoops: ReadonlyArray<LoopSim>
  readonly source: MappingNode
}

export interface BranchSim {
  readonly kind: "sequential" | "pipeline"
  readonly id: number
  readonly branches: ReadonlyArray<ReadonlyArray<SimNode>>
  readonly einsums: ReadonlyArray<number>
  /** Storage nodes above this branch (on its path), for the residency test of intermediates. */
  readonly storageAbove: ReadonlyArray<StorageSim>
  readonly source: MappingNode
}

export interface ComputeSim {
  readonly kind: "compute"
  readonly einsum: number
  /** Nodes from the root down to this leaf (excluding it). */
  readonly path: ReadonlyArray<SimNode>
  readonly source: MappingNode
}

export type SimNode = LoopSim | StorageSim | BranchSim | ComputeSim

export interface Program {
  readonly spec: Spec
  readonly tensors: ReadonlyArray<TensorInfo>
  readonly einsums: ReadonlyArray<EinsumInfo>
  readonly root: ReadonlyArray<SimNode>
  readonly loops: ReadonlyArray<LoopSim>
  readonly storages: ReadonlyArray<StorageSim>
  readonly computes: ReadonlyArray<ComputeSim>
  readonly branches: ReadonlyArray<BranchSim>
}

export const compileProgram = (spec: Spec): Program => {
  const tensorIndex = new Map(spec.workload.tensors.map((t, i) => [t.name, i]))
  const einsumIndex = new Map(spec.workload.einsums.map((e, i) => [e.name, i]))
  const tensors: TensorInfo[] = spec.workload.tensors.map((t, id) => {
    const strides: number[] = new Array<number>(t.shape.length).fill(1)
    for (let d = t.shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * t.shape[d + 1]!
    return {
      id,
      name: t.name,
      shape: t.shape,
      strides,
      volume: t.volume,
      producer: t.producer === null ? -1 : einsumIndex.get(t.producer)!,
      role: t.role
    }
  })
  const einsums: EinsumInfo[] = spec.workload.einsums.map((e, id) => {
    const rankNames = e.ranks.map((r) => r.name)
    const rankOf = new Map(rankNames.map((r, i) => [r, i]))
    const access = (a: { tensor: string; projection: ReadonlyArray<{ terms: ReadonlyArray<{ rank: string; coefficient: number }>; constant: number }> }): AccessInfo => {
      const tensor = tensors[tensorIndex.get(a.tensor)!]!
      const linear = new Int32Array(rankNames.length)
      let base = 0
      const seen = new Set<number>()
      let separable = true
      const dims = a.projection.map((expression, d) => {
        base += expression.constant * tensor.strides[d]!
        const terms = expression.terms.map((term) => {
          const rank = rankOf.get(term.rank)!
          linear[rank]! += term.coefficient * tensor.strides[d]!
          if (seen.has(rank)) separable = false
          seen.add(rank)
          return { rank, coefficient: term.coefficient }
        })
        return { terms, constant: expression.constant }
      })
      return { tensor: tensor.id, dims, linear, base, separable }
    }
    const output = access(e.output)
    const outputDimOfRank = new Int32Array(rankNames.length).fill(-1)
    output.dims.forEach((dim, d) => {
      outputDimOfRank[dim.terms[0]!.rank] = d
    })
    return {
      id,
      name: e.name,
      rankNames,
      bounds: Int32Array.from(e.ranks.map((r) => r.bound)),
      inputs: e.inputs.map(access),
      output,
      outputDimOfRank,
      ops: e.ops
    }
  })
  const physicalOf = new Map(spec.levels.map((l) => [l.name, l.physicalIndex]))
  const loops: LoopSim[] = []
  const storages: StorageSim[] = []
  const computes: ComputeSim[] = []
  const branches: BranchSim[] = []
  const build = (list: ReadonlyArray<MappingNode>, above: SimNode[]): SimNode[] => {
    const out: SimNode[] = []
    const path = [...above]
    for (const node of list) {
      let sim: SimNode
      switch (node.kind) {
        case "temporal":
        case "spatial": {
          const einsum = einsumIndex.get(node.einsum)!
          const rank = einsums[einsum]!.rankNames.indexOf(node.rank)
          sim = {
            kind: "loop",
            id: loops.length,
            spatial: node.kind === "spatial",
            einsum,
            rank,
            tile: node.tileShape,
            radix: Math.max(1, Math.ceil(einsums[einsum]!.bounds[rank]! / node.tileShape)),
            source: node
          }
          loops.push(sim)
          break
        }
        case "storage": {
          const physical = physicalOf.get(node.level)!
          const physicalLoops: LoopSim[] = []
          path.forEach((n, i) => {
            if (n.kind !== "loop" || !n.spatial) return
            let above = -1
            for (const m of path.slice(0, i)) if (m.kind === "storage") above = Math.max(above, m.physical)
            if (physical > above) physicalLoops.push(n)
          })
          sim = {
            kind: "storage",
            id: storages.length,
            level: node.level,
            physical: physicalOf.get(node.level)!,
            tensors: node.tensors.map((t) => tensorIndex.get(t)!),
            exploitsReuse: node.exploitsReuse,
            einsums: node.einsums.map((e) => einsumIndex.get(e)!),
            loopsAbove: path.filter((n): n is LoopSim => n.kind === "loop"),
            physicalLoops,
            spatialLoops: path.filter((n): n is LoopSim => n.kind === "loop" && n.spatial),
            source: node
          }
          storages.push(sim)
          break
        }
        case "sequential":
        case "pipeline": {
          const id = branches.length
          const placeholder = { kind: node.kind, id, branches: [] as SimNode[][], einsums: node.einsums.map((e) => einsumIndex.get(e)!), storageAbove: path.filter((n): n is StorageSim => n.kind === "storage"), source: node }
          branches.push(placeholder)
          placeholder.branches = node.branches.map((b) => build(b, [...path, placeholder]))
          sim = placeholder
          break
        }
        case "compute":
          sim = { kind: "compute", einsum: einsumIndex.get(node.einsum)!, path: [...path], source: node }
          computes.push(sim)
          break
      }
      out.push(sim)
      path.push(sim)
    }
    return out
  }
  const root = build(spec.mapping.nodes, [])
  return { spec, tensors, einsums, root, loops, storages, computes, branches }
}

/** Storage nodes on a compute leaf's path holding a tensor, outermost first. */
export const holdersOnPath = (compute: ComputeSim, tensor: number): StorageSim[] =>
  compute.path.filter((n): n is StorageSim => n.kind === "storage" && n.tensors.includes(tensor))
