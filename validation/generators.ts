/**
 * Random validation cases: a workload, an architecture and a mapping that is
 * valid by construction, as one native spec document. `caseArbitrary` is the
 * fast-check arbitrary; `generateCase(seed)` draws the one case of a seed, so
 * a campaign is reproducible case by case whatever the worker count.
 */
import { Either } from "effect"
import fc from "fast-check"
import YAML from "yaml"
import { specFromSources } from "../spec/load.ts"
import type { NativeArchitecture, NativeDocument, NativeMapping } from "../spec/native-schema.ts"
import type { Spec } from "../spec/spec.ts"
import type { SpecError } from "../spec/errors.ts"
import { generateArchitecture } from "./architecture-generator.ts"
import { choicesFromGen } from "./choices.ts"
import { generateMapping } from "./mapping-generator.ts"
import { generateWorkload, type WorkloadPlan } from "./workload-generator.ts"

export interface GeneratedCase {
  readonly doc: NativeDocument
  /** Cases of one group share workload and architecture and differ in the mapping (Kendall tau is per group). */
  readonly group: number
  /** Engine option drawn per case, so both output-read conventions get validated. */
  readonly countFirstOutputRead: boolean
}

/** A workload and an architecture: what a user holds fixed while choosing among mappings. */
export interface Problem {
  readonly workload: WorkloadPlan
  readonly architecture: NativeArchitecture
}

export const problemArbitrary: fc.Arbitrary<Problem> = fc.gen().map((g) => {
  const c = choicesFromGen(g)
  return { workload: generateWorkload(c), architecture: generateArchitecture(c) }
})

export const mappingArbitrary = (problem: Problem): fc.Arbitrary<NativeMapping> =>
  fc.gen().map((g) => generateMapping(choicesFromGen(g), problem.workload, problem.architecture))

export const documentOf = (problem: Problem, mapping: NativeMapping): NativeDocument => ({
  description: `random ${problem.workload.shape} of ${problem.workload.kinds.join(", ")}`,
  workload: { einsums: problem.workload.einsums },
  architecture: problem.architecture,
  mapping
})

/** Workload, architecture and mapping together (for properties over whole cases). */
export const caseArbitrary: fc.Arbitrary<NativeDocument> = problemArbitrary.chain((problem) =>
  mappingArbitrary(problem).map((mapping) => documentOf(problem, mapping))
)

/** Mappings drawn per workload and architecture in a campaign. */
export const mappingsPerProblem = 8

/** A seed from a run seed and an index only: splitmix32-style mixing, so neighbouring indices get unrelated streams. */
export const caseSeed = (runSeed: number, index: number): number => {
  let h = (Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b)
  h ^= h >>> 16
  return h | 0
}

/**
 * Case `index` of the run `runSeed`: its problem comes from the seed of its
 * group (`index / mappingsPerProblem`), its mapping from its own seed, so a
 * case depends on the run seed and its index only.
 */
export const generateCase = (runSeed: number, index: number): GeneratedCase => {
  const group = Math.floor(index / mappingsPerProblem)
  const problem = fc.sample(problemArbitrary, { seed: caseSeed(runSeed ^ 0x51ed27, group), numRuns: 1 })[0]!
  const mapping = fc.sample(mappingArbitrary(problem), { seed: caseSeed(runSeed, index), numRuns: 1 })[0]!
  const countFirstOutputRead = fc.sample(fc.noBias(fc.integer({ min: 0, max: 99 })), { seed: caseSeed(runSeed ^ 0x2c1b3c6d, index), numRuns: 1 })[0]! < 20
  return { doc: documentOf(problem, mapping), group, countFirstOutputRead }
}

export const caseYaml = (doc: NativeDocument): string => YAML.stringify(doc, { aliasDuplicateObjects: false })

/**
 * Load a generated document through the spec checks, as a user's file would
 * be. The text is JSON (which is YAML): the loader parses it twice as fast as
 * block YAML, and loading is the largest cost of a case after the engines.
 */
export const specOfDoc = (doc: NativeDocument, file = "case.json"): Either.Either<Spec, SpecError> =>
  specFromSources([{ file, text: JSON.stringify(doc) }])
