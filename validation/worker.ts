/**
 * The piscina worker: runs a batch of random cases (by index) and returns
 * their results. Each case is regenerated from the run seed and its index,
 * so results do not depend on which worker ran them.
 */
import { type CaseOptions, type CaseResult, runRandomCase } from "./case.ts"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import type { Engines } from "./engines.ts"

export const defaultEnginesModule = fileURLToPath(new URL("./default-engines.ts", import.meta.url))

export interface Batch {
  readonly seed: number
  /** [case index, position in the run] pairs. */
  readonly cases: ReadonlyArray<readonly [number, number]>
  readonly options: CaseOptions
  /** Path of a module exporting `loadEngines(): Promise<Engines>` (default: the real engines). */
  readonly enginesModule?: string
}

const loaded = new Map<string, Promise<Engines>>()
/**
 * Load an engines module with `require`: under tsx, worker threads get the
 * CommonJS hook only, so a dynamic `import()` of a .ts file fails there.
 */
export const enginesFrom = (file: string): Promise<Engines> => {
  let engines = loaded.get(file)
  if (engines === undefined) {
    engines = (createRequire(import.meta.url)(file) as { loadEngines: () => Promise<Engines> }).loadEngines()
    loaded.set(file, engines)
  }
  return engines
}

export default async function runBatch(batch: Batch): Promise<CaseResult[]> {
  const loaded = await enginesFrom(batch.enginesModule ?? defaultEnginesModule)
  const results: CaseResult[] = []
  for (const [index, position] of batch.cases) results.push(await runRandomCase(loaded, batch.seed, index, position, batch.options))
  return results
}
