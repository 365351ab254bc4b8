import test from "ava"
import { Either } from "effect"
import { evaluate } from "../analytical/mod.ts"
import type { Spec } from "../spec/spec.ts"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"
import { shrinkAndSave } from "./corpus.ts"
import type { Engines } from "./engines.ts"
import { generateCase, specOfDoc } from "./generators.ts"

// A "simulator" that is wrong whenever the workload has more than one Einsum:
// the minimal case must have exactly two Einsums and nothing it can do without.
const wrongOnChains: Engines = {
  evaluate,
  simulate: async (spec: Spec, options) => {
    const stats = evaluate(spec, options)
    if (spec.workload.einsums.length < 2) return stats
    const last = spec.workload.einsums[spec.workload.einsums.length - 1]!.name
    return { ...stats, ops: { ...stats.ops, [last]: stats.ops[last]! + 1 } }
  }
}

const modelEvaluates = (spec: Spec): boolean => {
  try {
    evaluate(spec)
    return true
  } catch {
    return false
  }
}

test("a disagreement shrinks to a minimal valid spec, saved with both engines' stats", async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), "fuselab-corpus-"))
  try {
    let saved = null
    for (let index = 0; saved === null && index < 200; index++) {
      const generated = generateCase(11, index)
      if ((generated.doc.workload?.einsums.length ?? 0) < 3) continue
      const spec = specOfDoc(generated.doc)
      if (Either.isLeft(spec) || !modelEvaluates(spec.right)) continue
      saved = await shrinkAndSave(wrongOnChains, generated.doc, `case-${index}`, directory, { origin: `random:11:${index}` })
    }
    if (saved === null) return t.fail("no failing case found")
    const spec = specOfDoc(saved.doc)
    t.true(Either.isRight(spec))
    t.is(saved.doc.workload!.einsums.length, 2)
    for (const einsum of saved.doc.workload!.einsums) for (const bound of Object.values(einsum.ranks)) t.is(bound, 1)
    t.is(saved.comparison.verdict, "mismatch")
    const yaml = await readFile(path.join(saved.directory, "spec.yaml"), "utf8")
    const last = saved.doc.workload!.einsums[1]!.name
    t.true(yaml.includes(`ops ${last}: model 1, simulator 2`))
    const model = JSON.parse(await readFile(path.join(saved.directory, "model.json"), "utf8"))
    const simulator = JSON.parse(await readFile(path.join(saved.directory, "simulator.json"), "utf8"))
    t.is(simulator.ops[last] - model.ops[last], 1)
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
})
