/**
 * Latency (section 10): compute time by the recursion of 10.1 (a leaf step
 * takes ceil(ops of its tile / ops per cycle); spatial instances run in
 * lock-step; temporal loops and branches add up), a pipeline of n branches
 * directly under a temporal loop overlapping its iterations by the
 * recurrence of 10.2, against each physical level's transfer time for its
 * busiest instance (10.3). The larger wins.
 */
import type { BranchNode, LoopNode } from "../spec/mapping.ts"
import type { Model, Path } from "./tile-inference.ts"
import { branchEnd, leafTime } from "./leaf-sums.ts"
import { card, type TileSet } from "./tile-set.ts"

export const computeCycles = (model: Model): number => {
  const opsPerCycle = model.spec.architecture.compute.opsPerCycle

  const below = new Map<Path, (set: TileSet) => number>()
  const walk = (path: Path, j: number, it: ReadonlyArray<number>): number => {
    const node = path.nodes[j]!
    if (j === branchEnd(path)) {
      // Below the last branch: memoized by tile shape.
      let time = below.get(path)
      if (time === undefined) {
        time = leafTime(model, path)
        below.set(path, time)
      }
      return time(model.setsBefore(path, j, it).get(path.einsum.name) ?? [])
    }
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

  /** Index of the pipeline node right below the temporal loop at nodes[j] (only storage nodes between), or -1. */
  const pipelineBelow = (path: Path, j: number): number => {
    if (path.nodes[j]!.kind !== "temporal") return -1
    for (let k = j + 1; k < path.nodes.length; k++) {
      const node = path.nodes[k]!
      if (node.kind === "pipeline") return k
      if (node.kind !== "storage") return -1
    }
    return -1
  }

  /**
   * R10.2: f(t, s) = max(f(t, s-1), f(t-1, s), [s = 0] f(t-n, n-1)) + L(t, s). A run of identical
   * iterations reaches a state that only shifts by a constant per iteration; from there the run is
   * counted in closed form (the recurrence is max-plus linear, so a shifted state stays shifted).
   */
  const pipelined = (path: Path, j: number, at: number, it: ReadonlyArray<number>): number => {
    const node = path.nodes[at] as BranchNode
    const n = node.branches.length
    const prefix = it.slice(0, path.loopsBefore[j]!)
    const stages = (t: number) => node.branches.map((branch) => walk(model.pathOf(branch[0]!.einsums[0]!), at + 1, [...prefix, t]))
    // rows[k] = f(t - k, .) for the last n iterations (most recent first).
    let rows: number[][] = []
    const row = (k: number): number[] | undefined => rows[k]
    const step = (L: number[]) => {
      const next: number[] = new Array<number>(n).fill(0)
      for (let s = 0; s < n; s++) {
        let start = s > 0 ? next[s - 1]! : 0
        const up = row(0)
        if (up !== undefined) start = Math.max(start, up[s]!)
        if (s === 0) {
          const back = row(n - 1)
          if (back !== undefined) start = Math.max(start, back[n - 1]!)
        }
        next[s] = start + L[s]!
      }
      rows = [next, ...rows].slice(0, n + 1)
    }
    const shifted = (): number | undefined => {
      if (rows.length < n + 1) return undefined
      const delta = rows[0]![0]! - rows[1]![0]!
      for (let k = 0; k + 1 < rows.length; k++) for (let s = 0; s < n; s++) if (rows[k]![s]! - rows[k + 1]![s]! !== delta) return undefined
      return delta
    }
    let offset = 0
    for (const c of model.loopClasses(path, j, prefix)) {
      const L = stages(c.i)
      let done = 0
      while (done < c.mult) {
        const delta = done > n ? shifted() : undefined
        if (delta !== undefined) {
          offset += (c.mult - done) * delta
          break
        }
        step(L)
        done++
      }
    }
    const last = rows[0]
    return last === undefined ? 0 : last[n - 1]! + offset
  }

  const root = model.paths[0]!
  return walk(root, 0, [])
}

/** 10.3: cycles each physical level needs for the counted reads and writes of its busiest instance. */
export const memoryCycles = (model: Model, busiest: Readonly<Record<string, { reads: number; writes: number }>>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const level of model.spec.architecture.levels) {
    const { reads, writes } = busiest[level.name] ?? { reads: 0, writes: 0 }
    const bw = level.bandwidth
    out[level.name] =
      bw.kind === "unlimited" ? 0 : bw.kind === "shared" ? Math.ceil((reads + writes) / bw.wordsPerCycle) : Math.max(Math.ceil(reads / bw.read), Math.ceil(writes / bw.write))
  }
  return out
}
