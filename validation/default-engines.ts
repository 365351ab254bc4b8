/**
 * The real engines, as `Engines`: each through its public entry point only.
 */
import { evaluate } from "../analytical/mod.ts"
import { simulate } from "../simulator/mod.ts"
import type { Engines } from "./engines.ts"

export const loadEngines = async (): Promise<Engines> => ({ evaluate, simulate })
