/**
 * Running both engines on one spec and classifying what each produced.
 * The engines are passed in (`Engines`), so the harness can be tested with
 * stand-ins and so nothing here knows how either engine works.
 */
import type { Spec } from "../spec/spec.ts"
import type { EngineOptions, Stats } from "../spec/stats.ts"
import { type EngineOutcome, modelOutcome } from "./compare.ts"

export interface SimulateOptions extends EngineOptions {
  readonly seed?: number
  /** Write the trace to this file. */
  readonly trace?: string
}

export interface Engines {
  readonly evaluate: (spec: Spec, options?: EngineOptions) => Stats
  readonly simulate: (spec: Spec, options?: SimulateOptions) => Promise<Stats>
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error ? String((error as { _tag: unknown })._tag) : undefined

/** The model declines what it cannot evaluate exactly with a `SpecError`; anything else thrown is a crash. */
export const runModel = (engines: Engines, spec: Spec, options: EngineOptions): EngineOutcome => {
  try {
    return modelOutcome(engines.evaluate(spec, options))
  } catch (error) {
    if (tagOf(error) === "SpecError") return { kind: "unsupported", message: messageOf(error) }
    return { kind: "error", message: messageOf(error) }
  }
}

/**
 * The simulator signals a mapping that does not fit with an overflow error
 * (it enforces capacity and stops); it may also return stats with a warning.
 */
export const runSimulator = async (engines: Engines, spec: Spec, options: SimulateOptions): Promise<EngineOutcome> => {
  try {
    const stats = await engines.simulate(spec, options)
    const overflow = (stats.warnings ?? []).filter((w) => /overflow|does not fit/i.test(w))
    return overflow.length > 0 ? { kind: "overflow", message: overflow.join("; "), stats } : { kind: "stats", stats }
  } catch (error) {
    // The simulator's SimulationError carries a `kind`; "overflow" is its capacity verdict.
    const kind = typeof error === "object" && error !== null && "kind" in error ? String((error as { kind: unknown }).kind) : ""
    if (kind === "overflow") return { kind: "overflow", message: messageOf(error) }
    return { kind: "error", message: messageOf(error) }
  }
}
