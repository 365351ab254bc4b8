/**
 * `simulate(spec, options)`: run the controller, check the outputs against
 * a direct evaluation of the Einsums, and assemble the `Stats`.
 */
import type { Spec } from "../spec/spec.ts"
import { type AccessStats, type Stats, sortAccesses } from "../spec/stats.ts"
import type { TraceSink } from "../traces/format.ts"
import { Controller, SimulationError } from "./controller.ts"
import { CycleOrderedSink } from "./ordered-sink.ts"
import { compileProgram } from "./program.ts"
import { elementName, evaluateDirectly, makeInputs } from "./reference.ts"

export interface SimulateOptions {
  /** Seed of the random input data (default 1). */
  readonly seed?: number
  /** A file to write the trace to (traces/ format), or a sink that receives the events. */
  readonly trace?: string | TraceSink
  /** Count the first read of every output element (the LoopTree tutorial's convention). Default false. */
  readonly countFirstOutputRead?: boolean
  /** Stop with an error when the simulated time passes this cycle. */
  readonly maxCycles?: number
  /** Called every so often with the MACs simulated so far. */
  readonly onProgress?: (opsDone: number) => void
  /** Record element sets in trace events (default true). */
  readonly traceElements?: boolean
}

/** Activity per component, beyond the Stats: busy cycles, utilization, stall cycles. */
export interface ComponentReport {
  readonly name: string
  readonly busyCycles: number
  readonly utilization: number
  readonly stallCycles: number
  readonly words: number
}

export interface SimulationResult {
  readonly stats: Stats
  readonly components: ReadonlyArray<ComponentReport>
}

/** Run the simulation synchronously with a given event sink. Throws `SimulationError`. */
export const runSimulation = (spec: Spec, options: Omit<SimulateOptions, "trace"> & { readonly sink?: TraceSink }): SimulationResult => {
  const program = compileProgram(spec)
  const seed = options.seed ?? 1
  const inputs = makeInputs(program, seed)
  const ordered = options.sink === undefined ? undefined : new CycleOrderedSink(options.sink)
  const controller = new Controller(program, inputs, {
    trace: ordered,
    countFirstOutputRead: options.countFirstOutputRead ?? false,
    ...(options.traceElements !== undefined ? { traceElements: options.traceElements } : {}),
    ...(options.maxCycles !== undefined ? { maxCycles: options.maxCycles } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {})
  })
  let latency: number
  try {
    latency = controller.run()
  } finally {
    ordered?.drain()
  }

  // Functional check: every output tensor against a direct evaluation.
  const expected = evaluateDirectly(program, inputs)
  for (const tensor of program.tensors) {
    if (tensor.role !== "output") continue
    const holders = program.storages.filter((s) => s.tensors.includes(tensor.id))
    const top = holders.find((s) => !holders.some((h) => h !== s && isAbove(h, s, program)))
    if (top === undefined) continue
    const physical = controller.physicals.get(`${top.id}:${tensor.id}`)!
    const want = expected[tensor.id]!
    for (let x = 0; x < tensor.volume; x++) {
      if (physical.values[x] !== want[x]) {
        throw new SimulationError(
          "functional",
          `functional check failed: ${elementName(tensor.name, tensor.shape, x)} in ${top.level} is ${physical.values[x]}, a direct evaluation gives ${want[x]} (seed ${seed})`
        )
      }
    }
  }

  const countFirst = options.countFirstOutputRead ?? false
  const accessMap = new Map<string, AccessStats>()
  for (const view of controller.views) {
    const reads = view.reads
    const writes = view.writes
    const key = view.key
    const existing = accessMap.get(key)
    if (existing === undefined) {
      accessMap.set(key, { level: view.storage.level, tensor: view.tensor.name, einsum: view.einsum.name, reads, writes, fills: view.fills, occupancy: view.occupancy })
    } else {
      accessMap.set(key, {
        ...existing,
        reads: existing.reads + reads,
        writes: existing.writes + writes,
        fills: existing.fills + view.fills,
        occupancy: Math.max(existing.occupancy, view.occupancy)
      })
    }
  }
  const accesses = sortAccesses([...accessMap.values()], spec.levels.map((l) => l.name))

  const ops: Record<string, number> = {}
  program.einsums.forEach((e, i) => {
    ops[e.name] = controller.ops[i]!
  })
  const capacity: Record<string, number> = {}
  spec.architecture.levels.forEach((level, i) => {
    capacity[level.name] = controller.peakCapacity[i]!
  })
  const byLevel: Record<string, number> = {}
  for (const level of spec.architecture.levels) byLevel[level.name] = 0
  for (const access of accesses) {
    const logical = spec.levels.find((l) => l.name === access.level)!
    const level = spec.architecture.levels[logical.physicalIndex]!
    byLevel[level.name] = byLevel[level.name]! + access.reads * level.readEnergy + access.writes * level.writeEnergy
  }
  const totalOps = Object.values(ops).reduce((a, b) => a + b, 0)
  byLevel[spec.architecture.compute.name] = totalOps * spec.architecture.compute.energyPerOp
  const total = Object.values(byLevel).reduce((a, b) => a + b, 0)

  const stats: Stats = {
    ops,
    accesses,
    capacity,
    latency,
    energy: { total, byLevel },
    meta: { engine: "simulator", spec: spec.hash, options: { countFirstOutputRead: countFirst, seed } }
  }
  const activity = controller.activity()
  const units = computeUnits(spec)
  const components: ComponentReport[] = spec.architecture.levels.map((level) => {
    const a = activity.get(level.name)
    const busy = a?.busyCycles ?? 0
    return { name: level.name, busyCycles: busy, utilization: latency === 0 ? 0 : busy / latency, stallCycles: 0, words: a?.words ?? 0 }
  })
  const computeCycles = Math.ceil(totalOps / spec.architecture.compute.opsPerCycle)
  components.push({
    name: spec.architecture.compute.name,
    busyCycles: computeCycles,
    utilization: latency === 0 ? 0 : computeCycles / (latency * units),
    stallCycles: controller.computeStall,
    words: 0
  })
  return { stats, components }
}

const isAbove = (a: { loopsAbove: ReadonlyArray<unknown>; source: unknown }, b: { source: unknown }, program: ReturnType<typeof compileProgram>): boolean => {
  // a is above b if a lies on the path of some compute leaf that also passes b, before it.
  for (const compute of program.computes) {
    const ia = compute.path.findIndex((n) => n.source === a.source)
    const ib = compute.path.findIndex((n) => n.source === b.source)
    if (ia >= 0 && ib >= 0 && ia < ib) return true
  }
  return false
}

const computeUnits = (spec: Spec): number => {
  let n = 1
  for (const level of spec.architecture.levels) n *= level.fanout.x * level.fanout.y
  return n
}

export { SimulationError }
