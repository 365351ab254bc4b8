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
import type { NativeDocument } from "../spec/native-schema.ts"
import type { Spec } from "../spec/spec.ts"
import type { SpecError } from "../spec/errors.ts"
import { generateArchitecture } from "./architecture-generator.ts"
import { choicesFromGen } from "./choices.ts"
import { generateMapping } from "./mapping-generator.ts"
import { generateWorkload } from "./workload-generator.ts"

export interface GeneratedCase {
  readonly doc: NativeDocument
  /** What kind of workload it is, for grouping results (Kendall tau is per workload). */
  readonly workloadKey: string
}

export const caseArbitrary: fc.Arbitrary<GeneratedCase> = fc.gen().map((g) => {
  const c = choicesFromGen(g)
  const workload = generateWorkload(c)
  const architecture = generateArchitecture(c)
  const mapping = generateMapping(c, workload, architecture)
  const doc: NativeDocument = {
    description: `random ${workload.shape} of ${workload.kinds.join(", ")}`,
    workload: { einsums: workload.einsums },
    architecture,
    mapping
  }
  return { doc, workloadKey: JSON.stringify(workload.einsums) }
})

/** The seed of case `index` of a run: depends on the run seed and the index only. */
export const caseSeed = (runSeed: number, index: number): number => {
  // splitmix32-style mixing, so neighbouring indices get unrelated streams.
  let h = (Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  h = Math.imul(h, 0x846ca68b)
  h ^= h >>> 16
  return h | 0
}

/** The one case a seed draws. */
export const generateCase = (seed: number): GeneratedCase => fc.sample(caseArbitrary, { seed, numRuns: 1 })[0]!

export const caseYaml = (doc: NativeDocument): string => YAML.stringify(doc, { aliasDuplicateObjects: false })

/** Load a generated document through the spec checks, as a user's file would be. */
export const specOfDoc = (doc: NativeDocument, file = "case.yaml"): Either.Either<Spec, SpecError> =>
  specFromSources([{ file, text: caseYaml(doc) }])
