/**
 * Capacity needed per physical level: each storage node's peak over time of
 * the words it holds per instance (for each tensor, the union of what every
 * Einsum below it touches), added over the nodes of a chain and over the
 * logical levels of one buffer; sequential branches free their storage when
 * they end (max over branches), pipeline branches coexist (sum).
 */
import type { MappingNode } from "../spec/mapping.ts"
import type { Spec } from "../spec/spec.ts"
import { findEinsum } from "../spec/workload.ts"
import { forEachStep } from "./steps.ts"
import type { Model } from "./tile-inference.ts"
import { card, type TileSet, union } from "./tile-set.ts"

type Words = Map<string, number>

const add = (into: Words, from: Words) => {
  for (const [level, words] of from) into.set(level, (into.get(level) ?? 0) + words)
}

export const capacityNeeded = (model: Model): Record<string, number> => {
  const spec: Spec = model.spec
  const physicalOf = new Map(spec.levels.map((l) => [l.name, l.physical]))

  const nodePeak = (node: MappingNode & { kind: "storage" }): number => {
    const path = model.pathOf(node.einsums[0]!)
    const j = path.nodes.indexOf(node)
    let peak = 0
    forEachStep(model, path, j, (it) => {
      let words = 0
      for (const tensor of node.tensors) {
        let held: TileSet = []
        for (const name of node.einsums) {
          const einsum = findEinsum(spec.workload, name)!
          const access = model.accessOf(einsum, tensor)
          if (access === undefined) continue
          held = union(held, model.image(einsum, model.opsBelow(name, j, it), access, node))
        }
        words += card(held)
      }
      if (words > peak) peak = words
    })
    return peak
  }

  const ofList = (list: ReadonlyArray<MappingNode>): Words => {
    const words: Words = new Map()
    for (const node of list) {
      if (node.kind === "storage") add(words, new Map([[physicalOf.get(node.level)!, nodePeak(node)]]))
      if (node.kind === "sequential" || node.kind === "pipeline") {
        const parts = node.branches.map(ofList)
        const combined: Words = new Map()
        for (const part of parts) {
          for (const [level, w] of part) combined.set(level, node.kind === "sequential" ? Math.max(combined.get(level) ?? 0, w) : (combined.get(level) ?? 0) + w)
        }
        add(words, combined)
      }
    }
    return words
  }

  const total = ofList(spec.mapping.nodes)
  const out: Record<string, number> = {}
  for (const level of spec.architecture.levels) out[level.name] = total.get(level.name) ?? 0
  return out
}
