/**
 * `fuselab check SPEC...`: load and check a spec, print a summary.
 */
import type { Spec } from "../spec/spec.ts"
import { formatAffine } from "../spec/affine.ts"
import { renderTree } from "./tree.ts"

export interface CheckSummary {
  readonly ok: true
  readonly files: ReadonlyArray<string>
  readonly format: "native" | "looptree"
  readonly hash: string
  readonly einsums: ReadonlyArray<{ name: string; ranks: Record<string, number>; ops: number }>
  readonly tensors: ReadonlyArray<{ name: string; role: string; shape: ReadonlyArray<number>; volume: number }>
  readonly levels: ReadonlyArray<string>
  readonly compute: string
  readonly notes: ReadonlyArray<string>
}

export const summarize = (spec: Spec): CheckSummary => ({
  ok: true,
  files: spec.source.files,
  format: spec.source.format,
  hash: spec.hash,
  einsums: spec.workload.einsums.map((e) => ({ name: e.name, ranks: Object.fromEntries(e.ranks.map((r) => [r.name, r.bound])), ops: e.ops })),
  tensors: spec.workload.tensors.map((t) => ({ name: t.name, role: t.role, shape: t.shape, volume: t.volume })),
  levels: spec.levels.map((l) => l.name),
  compute: spec.architecture.compute.name,
  notes: spec.notes
})

export const renderCheck = (spec: Spec): string => {
  const lines: string[] = []
  lines.push(`ok ${spec.source.files.join(" ")}${spec.source.format === "looptree" ? " (LoopTree)" : ""}`)
  for (const e of spec.workload.einsums) {
    const access = (a: { tensor: string; projection: ReadonlyArray<Parameters<typeof formatAffine>[0]> }) =>
      `${a.tensor}[${a.projection.map(formatAffine).join(", ")}]`
    lines.push(
      `  ${e.name}: ${access(e.output)} += ${e.inputs.map(access).join(" * ")}  over ${e.ranks.map((r) => `${r.name}<${r.bound}`).join(" ")}  (${e.ops} MACs)`
    )
  }
  lines.push(`  levels: ${spec.levels.map((l) => l.name).join(" > ")} > ${spec.architecture.compute.name}`)
  lines.push("  mapping:")
  for (const line of renderTree(spec.mapping.nodes)) lines.push(`    ${line}`)
  for (const note of spec.notes) lines.push(`  note: ${note}`)
  return lines.join("\n")
}
