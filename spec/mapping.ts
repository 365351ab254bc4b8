/**
 * The LoopTree mapping, resolved: every node knows its path in the source
 * file, the Einsums whose compute leaves lie below it, and (for loops) the
 * Einsum whose rank it tiles. Storage nodes name logical levels: `Buf` or
 * `Buf#k`, the k-th logical level of the physical buffer `Buf`.
 */
import type { DocPath } from "./errors.ts"

export interface LogicalLevel {
  /** `GlobalBuffer`, `GlobalBuffer#2`, ... */
  readonly name: string
  /** The physical memory level it lives in. */
  readonly physical: string
  readonly physicalIndex: number
  /** 1 for `Buf`, k for `Buf#k`. */
  readonly copy: number
}

interface NodeCommon {
  /** Where the node is written, e.g. `["mapping", "nodes", 3, "branches", 1, 0]`. */
  readonly path: DocPath
  /** Einsums whose compute leaves are at or below this node, in topological order. */
  readonly einsums: ReadonlyArray<string>
}

export interface StorageNode extends NodeCommon {
  readonly kind: "storage"
  /** Logical level name. */
  readonly level: string
  readonly tensors: ReadonlyArray<string>
  readonly exploitsReuse: boolean
}

export interface LoopNode extends NodeCommon {
  readonly kind: "temporal" | "spatial"
  /** The Einsum this loop tiles: the last consumer (head) of the Einsums below it. */
  readonly einsum: string
  readonly rank: string
  readonly tileShape: number
  /** Mesh dimension of a spatial loop ("x" for temporal loops, unused). */
  readonly dim: "x" | "y"
}

export interface BranchNode extends NodeCommon {
  readonly kind: "sequential" | "pipeline"
  readonly branches: ReadonlyArray<ReadonlyArray<MappingNode>>
}

export interface ComputeNode extends NodeCommon {
  readonly kind: "compute"
  readonly einsum: string
  /** The compute unit's name. */
  readonly level: string
}

export type MappingNode = StorageNode | LoopNode | BranchNode | ComputeNode

export interface Mapping {
  /** Outermost first; every list ends with a branch or a compute leaf. */
  readonly nodes: ReadonlyArray<MappingNode>
}

/** Parse `Buf` / `Buf#3` into physical name and copy number. */
export const parseLogicalLevel = (name: string): { physical: string; copy: number } | undefined => {
  const match = /^([^#]+)(?:#(\d+))?$/.exec(name)
  if (match === null) return undefined
  const copy = match[2] === undefined ? 1 : Number(match[2])
  if (match[2] !== undefined && (copy < 2 || String(copy) !== match[2])) return undefined
  return { physical: match[1]!, copy }
}

export const logicalName = (physical: string, copy: number): string => (copy === 1 ? physical : `${physical}#${copy}`)

/** Visit every node, outermost first, with the chain of its ancestors. */
export const walkMapping = (
  nodes: ReadonlyArray<MappingNode>,
  visit: (node: MappingNode, ancestors: ReadonlyArray<MappingNode>) => void,
  ancestors: ReadonlyArray<MappingNode> = []
): void => {
  const chain = [...ancestors]
  for (const node of nodes) {
    visit(node, chain)
    if (node.kind === "sequential" || node.kind === "pipeline") {
      for (const branch of node.branches) walkMapping(branch, visit, [...chain, node])
    }
    chain.push(node)
  }
}

/** Root-to-leaf paths: for each compute leaf, the nodes above it and the leaf itself. */
export const leafPaths = (mapping: Mapping): ReadonlyArray<ReadonlyArray<MappingNode>> => {
  const paths: MappingNode[][] = []
  walkMapping(mapping.nodes, (node, ancestors) => {
    if (node.kind === "compute") paths.push([...ancestors, node])
  })
  return paths
}

export const isBranch = (node: MappingNode): node is BranchNode => node.kind === "sequential" || node.kind === "pipeline"
export const isLoop = (node: MappingNode): node is LoopNode => node.kind === "temporal" || node.kind === "spatial"
