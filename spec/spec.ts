/**
 * A loaded, checked spec: what both engines take as input.
 */
import { createHash } from "node:crypto"
import type { Architecture } from "./architecture.ts"
import type { LogicalLevel, Mapping, MappingNode } from "./mapping.ts"
import type { Workload } from "./workload.ts"

export interface Spec {
  readonly workload: Workload
  readonly architecture: Architecture
  readonly mapping: Mapping
  /** Logical memory levels, outermost first (`Buf`, then `Buf#2`, ... of each physical level). */
  readonly levels: ReadonlyArray<LogicalLevel>
  /** The files it came from, and in which format. */
  readonly source: { readonly files: ReadonlyArray<string>; readonly format: "native" | "looptree" }
  readonly description?: string
  /** Things the loader decided on the user's behalf (e.g. fanout sized from the mapping). */
  readonly notes: ReadonlyArray<string>
  /** sha256 of the workload, architecture and mapping (not of paths or file names). */
  readonly hash: string
}

/** The mapping without source paths, for hashing and for writing a spec back out. */
export const mappingContent = (nodes: ReadonlyArray<MappingNode>): unknown[] =>
  nodes.map((node) => {
    const { path: _path, einsums: _einsums, ...rest } = node
    if (node.kind === "sequential" || node.kind === "pipeline") return { ...rest, branches: node.branches.map(mappingContent) }
    return rest
  })

export const hashSpec = (spec: Pick<Spec, "workload" | "architecture" | "mapping">): string =>
  createHash("sha256")
    .update(JSON.stringify({ workload: spec.workload, architecture: spec.architecture, mapping: mappingContent(spec.mapping.nodes) }))
    .digest("hex")
