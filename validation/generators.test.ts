import test from "ava"
import { Either } from "effect"
import fc from "fast-check"
import { specFromSources } from "../spec/load.ts"
import { walkMapping } from "../spec/mapping.ts"
import { caseArbitrary, caseSeed, caseYaml, generateCase, specOfDoc } from "./generators.ts"

test("every generated case passes the spec checks", (t) => {
  fc.assert(
    fc.property(caseArbitrary, (doc) => {
      // As a user's YAML file (the harness itself loads the same document as JSON).
      const spec = specFromSources([{ file: "case.yaml", text: caseYaml(doc) }])
      if (Either.isLeft(spec)) throw new Error(`${spec.left.message}\n${caseYaml(doc)}`)
    }),
    { numRuns: 400, seed: 42 }
  )
  t.pass()
})

test("a seed draws the same case every time", (t) => {
  for (const seed of [0, 1, -7, 123456789]) t.deepEqual(generateCase(seed, 3), generateCase(seed, 3))
  // Cases of one group share the workload and the architecture.
  const a = generateCase(5, 8)
  const b = generateCase(5, 9)
  t.is(a.group, b.group)
  t.deepEqual(a.doc.workload, b.doc.workload)
  t.deepEqual(a.doc.architecture, b.doc.architecture)
})

test("case seeds depend on the run seed and the index", (t) => {
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => caseSeed(1, i)))
  t.is(seeds.size, 1000)
  t.not(caseSeed(1, 5), caseSeed(2, 5))
  t.is(caseSeed(3, 9), caseSeed(3, 9))
})

test("the generators cover every node kind and choice", (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 400; i++) {
    const spec = specOfDoc(generateCase(7, i).doc)
    if (Either.isLeft(spec)) continue
    const s = spec.right
    seen.add(`einsums-${s.workload.einsums.length}`)
    if (s.workload.tensors.some((x) => x.consumers.length > 1)) seen.add("residual")
    if (s.workload.einsums.some((e) => e.inputs.some((a) => a.projection.some((p) => p.terms.some((term) => term.coefficient > 1))))) seen.add("stride-or-dilation")
    if (s.workload.einsums.some((e) => e.inputs.some((a) => a.projection.length === 3 && a.projection[1]!.terms.length > 1))) seen.add("conv2d")
    if (s.architecture.levels.some((l) => l.capacity !== null && l.capacity < 100)) seen.add("tight-capacity")
    seen.add(`levels-${s.architecture.levels.length}`)
    walkMapping(s.mapping.nodes, (node, ancestors) => {
      seen.add(node.kind)
      if (node.kind === "storage" && !node.exploitsReuse) seen.add("no-reuse")
      if (node.kind === "storage" && node.level.includes("#")) seen.add("logical-copy")
      if (node.kind === "spatial") seen.add(`spatial-${node.dim}`)
      if ((node.kind === "sequential" || node.kind === "pipeline") && ancestors.some((a) => a.kind === "temporal")) seen.add("fused")
      if (node.kind === "temporal") {
        const bound = s.workload.einsums.find((e) => e.name === node.einsum)!.ranks.find((r) => r.name === node.rank)!.bound
        if (bound % node.tileShape !== 0) seen.add("non-divisor-tile")
      }
    })
  }
  for (const wanted of [
    "einsums-1", "einsums-2", "einsums-3", "einsums-4", "residual", "stride-or-dilation", "conv2d", "tight-capacity",
    "levels-2", "levels-3", "levels-4", "storage", "temporal", "spatial", "sequential", "pipeline", "compute",
    "no-reuse", "logical-copy", "spatial-x", "spatial-y", "fused", "non-divisor-tile"
  ]) t.true(seen.has(wanted), wanted)
})
