/**
 * Latency (section 10): compute time by the recursion of 10.1 (a leaf step
 * takes ceil(ops of its tile / ops per cycle); spatial instances run in
 * lock-step; temporal loops and branches add up), a pipeline of n branches
 * overlapping the iterations of its chain (the temporal loops of its node
 * list) by the recurrence of 10.2, against each physical level's transfer time for its
 * busiest instance (10.3). The larger wins.
 */
import type { BranchNode, LoopNode } from "../spec/mapping.ts"
import type { Spec } from "../spec/spec.ts"
import type { AccessStats } from "../spec/stats.ts"
import type { Model, Path } from "./tile-inference.ts"
import { branchEnd, leafTime } from "./leaf-sums.ts"
import { isListStart, pipelineEnding, temporalLoops } from "./pipeline-chain.ts"
import { card, type TileSet } from "./tile-set.ts"
import { unsupported } from "./unsupported.ts"
import { unnamed } from "./unnamed.ts"

export const computeCycles = (model: Model): number => {
  const opsPerCycle = model.spec.architecture.compute.opsPerCycle

  const below = new Map<Path, (set: TileSet) => number>()
  const walk = unnamed((path: Path, j: number, it: ReadonlyArray<number>): number => {
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
    if (isListStart(path, j)) {
      const at = pipelineEnding(path, j)
      if (at >= 0) return pipelined(path, j, at, it.slice(0, path.loopsBefore[j]!))
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
  })

  /**
   * 10.2: the list from nodes[start] down to a pipeline of n branches at nodes[at] runs the joint
   * iterations of its chain (the temporal loops of the list, R9.2) through the recurrence
   * f(t, s) = max(f(t, s-1), f(t-1, s), [s = 0] f(t-n, n-1)) + L(t, s). A run of identical
   * iterations (or of identical blocks of inner iterations) reaches a state that only shifts by a
   * constant per repetition; from there the run is counted in closed form (the recurrence is
   * max-plus linear, so a shifted state stays shifted).
   */
  const pipelined = unnamed((path: Path, start: number, at: number, it: ReadonlyArray<number>): number => {
    const node = path.nodes[at] as BranchNode
    const n = node.branches.length
    const loops = temporalLoops(path, start, at)
    for (let k = start; k < at; k++) {
      const inner = path.nodes[k]!
      if (inner.kind === "spatial") throw unsupported(model.spec, inner.path, "a spatial loop in the node list of a pipeline node (10.2 per instance)")
    }
    const stages = (full: ReadonlyArray<number>) => node.branches.map((branch) => walk(model.pathOf(branch[0]!.einsums[0]!), at + 1, full))
    // rows[k] = f(t - k, .) for the last n + 1 iterations (most recent first).
    let rows: number[][] = []
    let offset = 0
    const step = (L: ReadonlyArray<number>) => {
      const next: number[] = new Array<number>(n).fill(0)
      for (let s = 0; s < n; s++) {
        let begin = s > 0 ? next[s - 1]! : 0
        const up = rows[0]
        if (up !== undefined) begin = Math.max(begin, up[s]!)
        if (s === 0) {
          const back = rows[n - 1]
          if (back !== undefined) begin = Math.max(begin, back[n - 1]!)
        }
        next[s] = begin + L[s]!
      }
      rows = [next, ...rows].slice(0, n + 1)
    }
    /** The constant by which the state moved since `before`, if it moved uniformly (and is complete). */
    const shiftSince = (before: ReadonlyArray<ReadonlyArray<number>>): number | undefined => {
      if (before.length < n || rows.length < n) return undefined
      const delta = rows[0]![0]! - before[0]![0]!
      for (let k = 0; k < n; k++) for (let s = 0; s < n; s++) if (rows[k]![s]! - before[k]![s]! !== delta) return undefined
      return delta
    }
    /** Feed the joint iterations of loops[q..] below the prefix `prefix`. */
    const feed = (q: number, prefix: ReadonlyArray<number>): void => {
      const j = loops[q]!
      const k = path.loopsBefore[j]!
      const base = prefix.slice(0, k)
      for (const c of model.loopClasses(path, j, base)) {
        const full = [...base, c.i]
        const L = q + 1 === loops.length ? stages(full) : undefined
        for (let done = 0; done < c.mult; done++) {
          const before = rows.slice(0, n)
          if (L !== undefined) step(L)
          else feed(q + 1, full)
          const delta = done > 0 ? shiftSince(before) : undefined
          if (delta !== undefined) {
            offset += (c.mult - done - 1) * delta
            break
          }
        }
      }
    }
    if (loops.length === 0) step(stages(it))
    else feed(0, it)
    const last = rows[0]
    return last === undefined ? 0 : last[n - 1]! + offset
  })

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

/**
 * Access latency the overlap of 10.3 hides nothing of: the simulator issues
 * a step's fills only when the step comes (no prefetch), so each fill
 * transfer stalls the step behind it by its source level's latency. A
 * storage node's transfers are counted in closed form from its counts: per
 * (logical level, Einsum), the most refills of any of its tensors,
 * ceil(fills / occupancy) (the fills of one step form one transfer), each
 * costing the latency of the physical level of the parent holder (the
 * nearest logical level above holding the tensor for the Einsum). On top,
 * the first fill waits the latency of every physical level but the innermost
 * and the last drain that of every physical level but the outermost.
 */
export const accessLatencyCycles = (spec: Spec, accesses: ReadonlyArray<AccessStats>): number => {
  const order = new Map(spec.levels.map((level, i) => [level.name, i]))
  const latencyOf = new Map(spec.levels.map((level) => [level.name, spec.architecture.levels.find((l) => l.name === level.physical)?.latency ?? 0]))
  const holders = new Map<string, number[]>()
  for (const a of accesses) {
    const key = `${a.tensor}|${a.einsum}`
    const list = holders.get(key) ?? []
    list.push(order.get(a.level)!)
    holders.set(key, list)
  }
  const stalls = new Map<string, number>()
  for (const a of accesses) {
    if (a.occupancy === 0 || a.fills === 0) continue
    const here = order.get(a.level)!
    let parent = -1
    for (const i of holders.get(`${a.tensor}|${a.einsum}`)!) if (i < here && i > parent) parent = i
    if (parent < 0) continue
    const key = `${a.level}|${a.einsum}`
    const stall = Math.ceil(a.fills / a.occupancy) * latencyOf.get(spec.levels[parent]!.name)!
    stalls.set(key, Math.max(stalls.get(key) ?? 0, stall))
  }
  let total = 0
  for (const stall of stalls.values()) total += stall
  // A transfer ends its source's latency after its port time: the first fill leaves every level but the
  // innermost, the last drain every level but the outermost.
  const levels = spec.architecture.levels
  levels.forEach((level, i) => {
    if (i < levels.length - 1) total += level.latency
    if (i > 0) total += level.latency
  })
  return total
}
