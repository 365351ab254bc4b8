/**
 * The real engines. Loaded lazily so that the harness itself (and its
 * tests with stand-in engines) does not pull in either engine.
 */
import type { Engines } from "./engines.ts"

export const loadEngines = async (): Promise<Engines> => {
  const analytical = await import("../analytical/mod.ts")
  // The simulator module is resolved at run time: validation must not be able to
  // reach into it beyond its public entry point.
  const simulatorEntry = "../simulator/mod.ts"
  const simulator = (await import(simulatorEntry)) as Pick<Engines, "simulate">
  return { evaluate: analytical.evaluate, simulate: simulator.simulate }
}
