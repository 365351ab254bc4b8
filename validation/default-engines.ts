/**
 * The real engines, as `Engines`.
 */
import { createRequire } from "node:module"
import { evaluate } from "../analytical/mod.ts"
import type { Engines } from "./engines.ts"

export const loadEngines = async (): Promise<Engines> => {
  // Loaded with require so that worker threads (where tsx hooks only `require`) can load it too.
  const simulator = createRequire(import.meta.url)("../simulator/mod.ts") as Pick<Engines, "simulate">
  return { evaluate, simulate: simulator.simulate }
}
