/**
 * The piscina worker: runs a batch of random cases (by index) and returns
 * their results. Each case is regenerated from the run seed and its index,
 * so results do not depend on which worker ran them.
 */
import { type CaseOptions, type CaseResult, runRandomCase } from "./case.ts"
import { loadEngines } from "./default-engines.ts"

export interface Batch {
  readonly seed: number
  /** [case index, position in the run] pairs. */
  readonly cases: ReadonlyArray<readonly [number, number]>
  readonly options: CaseOptions
}

const engines = loadEngines()

export default async function runBatch(batch: Batch): Promise<CaseResult[]> {
  const loaded = await engines
  const results: CaseResult[] = []
  for (const [index, position] of batch.cases) results.push(await runRandomCase(loaded, batch.seed, index, position, batch.options))
  return results
}
