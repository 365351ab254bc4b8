/**
 * Render a mapping as an indented tree, the way LoopTree papers draw it:
 * chains of nodes nest, branch nodes fork.
 */
import type { MappingNode } from "../spec/mapping.ts"

const label = (node: MappingNode): string => {
  switch (node.kind) {
    case "storage":
      return `storage ${node.level} [${node.tensors.join(" ")}]${node.exploitsReuse ? "" : " (no reuse)"}`
    case "temporal":
      return `temporal ${node.rank}/${node.tileShape}  (${node.einsum})`
    case "spatial":
      return `spatial ${node.rank}/${node.tileShape} along ${node.dim}  (${node.einsum})`
    case "sequential":
    case "pipeline":
      return node.kind
    case "compute":
      return `compute ${node.einsum} @ ${node.level}`
  }
}

/** One line per node; each chain indents one step, branches use ├─ / └─. */
export const renderTree = (nodes: ReadonlyArray<MappingNode>, indent = ""): string[] => {
  const lines: string[] = []
  let prefix = indent
  nodes.forEach((node, i) => {
    lines.push(`${prefix}${i === 0 && indent === "" ? "" : "└─ "}${label(node)}`)
    if (i > 0 || indent !== "") prefix += "   "
    if (node.kind === "sequential" || node.kind === "pipeline") {
      node.branches.forEach((branch, b) => {
        const last = b === node.branches.length - 1
        const sub = renderTree(branch, "")
        sub.forEach((line, k) => {
          const lead = k === 0 ? (last ? "└─ " : "├─ ") : last ? "   " : "│  "
          lines.push(`${prefix}${lead}${line}`)
        })
      })
    }
  })
  return lines
}
