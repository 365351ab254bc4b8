/**
 * Replays the corpus of past disagreements (validation/corpus/<id>/spec.yaml):
 * every saved case must now pass (a fixed case stays fixed).
 */
import test from "ava"
import path from "node:path"
import { loadSpec } from "../spec/load.ts"
import { isFailure } from "./compare.ts"
import { compareSpec, corpusCases, corpusDirectory, corpusOptions } from "./corpus.ts"
import { defaultEnginesModule, enginesFrom } from "./worker.ts"

const ids = await corpusCases()

test("the corpus directory lists its cases", (t) => {
  // An emptied or unreadable corpus would silently replay nothing.
  t.true(ids.length > 0)
})

for (const id of ids) {
  test(`corpus case ${id} agrees`, async (t) => {
    const engines = await enginesFrom(defaultEnginesModule)
    const spec = await loadSpec([path.join(corpusDirectory, id, "spec.yaml")])
    const comparison = await compareSpec(engines, spec, await corpusOptions(path.join(corpusDirectory, id)))
    t.false(isFailure(comparison), JSON.stringify(comparison.mismatches.slice(0, 5)))
  })
}
