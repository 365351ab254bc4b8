/**
 * Stand-in engines for testing the harness without the simulator: the model
 * plays both parts, the "simulator" with a slightly different latency.
 */
import { evaluate } from "../../analytical/mod.ts"
import type { Engines } from "../engines.ts"

export const loadEngines = async (): Promise<Engines> => ({
  evaluate,
  simulate: async (spec, options) => {
    const stats = evaluate(spec, options)
    return { ...stats, latency: stats.latency + (spec.workload.einsums.length % 3), meta: { ...stats.meta, engine: "simulator" } }
  }
})
