/**
 * simulator/: the literal, functional, cycle-level reference simulator.
 * `simulate(spec, options)` runs a spec and resolves to its `Stats`.
 */
import type { Spec } from "../spec/spec.ts"
import type { Stats } from "../spec/stats.ts"
import { openTraceWriter } from "../traces/writer.ts"
import { SimulationError } from "./controller.ts"
import { runSimulation, type SimulateOptions, type SimulationResult } from "./simulate.ts"

export { SimulationError }
export { runSimulation, type ComponentReport, type SimulateOptions, type SimulationResult } from "./simulate.ts"

/**
 * Simulate a spec and return the full result (Stats plus per-component activity); writes the
 * trace if asked. When the run fails with a `SimulationError`, the trace is still written, its
 * footer carrying the error instead of Stats.
 */
export const simulateDetailed = async (spec: Spec, options: SimulateOptions = {}): Promise<SimulationResult> => {
  const { trace, ...rest } = options
  if (trace === undefined) return runSimulation(spec, rest)
  if (typeof trace !== "string") return runSimulation(spec, { ...rest, sink: trace })
  const writer = await openTraceWriter(trace, spec, { seed: options.seed ?? 1, countFirstOutputRead: options.countFirstOutputRead ?? false })
  try {
    const result = runSimulation(spec, { ...rest, sink: writer })
    await writer.close(result.stats)
    return result
  } catch (error) {
    // A failed run (overflow, functional mismatch, ...) still leaves its trace, ending in the error, for debugging.
    if (error instanceof SimulationError) await writer.close(null, error.message)
    else await writer.abort()
    throw error
  }
}

/**
 * Simulate a spec: run it as a program on seeded random data, check the
 * outputs against a direct evaluation, and resolve to its `Stats`. Rejects
 * with a `SimulationError` (overflow, functional mismatch, ...).
 */
export const simulate = async (spec: Spec, options: SimulateOptions = {}): Promise<Stats> => (await simulateDetailed(spec, options)).stats
