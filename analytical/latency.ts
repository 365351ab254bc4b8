/**
 * Latency: compute cycles (each leaf step takes ceil(ops of its busiest
 * instance / ops per cycle); spatial instances run in parallel; sequential
 * branches add up; pipelined branches overlap across the steps of the loops
 * above them: sum of all stage latencies minus, for every step but the last,
 * the smallest window of the following n - 1 stage latencies, which is
 * (T + n - 1)·L for balanced stages) against each level's transfer time at
 * its bandwidth (words per instance / words per cycle). The larger wins.
 */
import { instancesOf } from "../spec/architecture.ts"
import type { BranchNode, LoopNode } from "../spec/mapping.ts"
import type { AccessStats } from "../spec/stats.ts"
import type { Model, Path } from "./tile-inference.ts"
import { card } from "./tile-set.ts"

export const computeCycles = (model: Model): number => {
  const opsPerCycle = model.spec.architecture.compute.opsPerCycle

  const walk = (path: Path, j: number, it: ReadonlyArray<number>): number => {
    const node = path.nodes[j]!
    switch (node.kind) {
      case "storage":
        return walk(path, j + 1, it)
      case "compute": {
        const ops = card(model.setsBefore(path, j, it).get(path.einsum.name) ?? [])
        return ops === 0 ? 0 : Math.ceil(ops / opsPerCycle)
      }
      case "sequential":
      case "pipeline": {
        let total = 0
        for (const branch of (node as BranchNode).branches) total += walk(model.pathOf(branch[0]!.einsums[0]!), j + 1, it)
        return total
      }
      default: {
        const pipelineAt = pipelineBelow(path, j)
        if (pipelineAt >= 0) return pipelined(path, j, pipelineAt, it)
        const k = path.loopsBefore[j]!
        let total = 0
        for (const c of model.loopClasses(path, j, it)) {
          const next = [...it.slice(0, k), c.i]
          const cycles = walk(path, j + 1, next)
          total = (node as LoopNode).kind === "spatial" ? Math.max(total, cycles) : total + c.mult * cycles
        }
        return total
      }
    }
  }

  /** Index of the pipeline node that ends this chain of temporal loops and storage nodes, or -1. */
  const pipelineBelow = (path: Path, j: number): number => {
    for (let k = j; k < path.nodes.length; k++) {
      const node = path.nodes[k]!
      if (node.kind === "spatial" || node.kind === "compute" || node.kind === "sequential") return -1
      if (node.kind === "pipeline") return k
    }
    return -1
  }

  const pipelined = (path: Path, j: number, at: number, it: ReadonlyArray<number>): number => {
    const node = path.nodes[at] as BranchNode
    const loops = path.loopAt.filter((x) => x >= j && x < at)
    const stages = (current: ReadonlyArray<number>) =>
      node.branches.map((branch) => walk(model.pathOf(branch[0]!.einsums[0]!), at + 1, current))
    const successor = (current: ReadonlyArray<number>): number[] | undefined => {
      const out = [...current]
      for (let q = loops.length - 1; q >= 0; q--) {
        const k = path.loopsBefore[loops[q]!]!
        if (out[k]! + 1 < model.tripCount(path, loops[q]!, out)) {
          out[k] = out[k]! + 1
          for (let r = q + 1; r < loops.length; r++) out[path.loopsBefore[loops[r]!]!] = 0
          return out
        }
      }
      return undefined
    }
    let total = 0
    const rec = (q: number, current: number[], mult: number) => {
      if (q === loops.length) {
        const now = stages(current)
        total += mult * now.reduce((a, b) => a + b, 0)
        const next = successor(current)
        if (next === undefined) return
        const later = stages(next)
        let hidden = Infinity
        for (let s = 0; s < now.length; s++) {
          let window = 0
          for (let t = s + 1; t < now.length; t++) window += now[t]!
          for (let t = 0; t < s; t++) window += later[t]!
          hidden = Math.min(hidden, window)
        }
        total -= mult * hidden
        return
      }
      const k = path.loopsBefore[loops[q]!]!
      for (const c of model.loopClasses(path, loops[q]!, current)) {
        const next = [...current.slice(0, k), c.i]
        rec(q + 1, next, mult * c.mult)
      }
    }
    rec(0, it.slice(0, path.loopsBefore[j]!), 1)
    return total
  }

  const root = model.paths[0]!
  return walk(root, 0, [])
}

/** Cycles each physical level needs to move its words at its bandwidth (per instance). */
export const memoryCycles = (model: Model, accesses: ReadonlyArray<AccessStats>): Record<string, number> => {
  const spec = model.spec
  const physicalOf = new Map(spec.levels.map((l) => [l.name, l.physical]))
  const out: Record<string, number> = {}
  for (const level of spec.architecture.levels) {
    let reads = 0
    let writes = 0
    for (const a of accesses) {
      if (physicalOf.get(a.level) !== level.name) continue
      reads += a.reads
      writes += a.writes
    }
    const { x, y } = instancesOf(spec.architecture, level.index)
    reads /= x * y
    writes /= x * y
    const bw = level.bandwidth
    out[level.name] = bw.kind === "unlimited" ? 0 : bw.kind === "shared" ? (reads + writes) / bw.wordsPerCycle : Math.max(reads / bw.read, writes / bw.write)
  }
  return out
}
