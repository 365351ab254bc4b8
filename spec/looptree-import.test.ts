import test from "ava"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { specFromSources, type SourceText } from "./load.ts"
import { importWorkload } from "./looptree-import.ts"
import { parseSource } from "./source.ts"
import { resolveWorkload } from "./workload.ts"

const shared = join(import.meta.dirname, "..", "..", "shared", "fixtures")
const read = (path: string): SourceText => ({ file: path, text: readFileSync(join(shared, path), "utf8") })

const tutorial = { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" }
const testsFused = { 0: "MainMemory", 1: "GlobalBuffer", 2: "GlobalBuffer", 3: "GlobalBuffer", 4: "MACC" }
const testsUnfused = { 0: "MainMemory", 1: "GlobalBuffer", 2: "GlobalBuffer", 3: "MACC" }

const fixtures: ReadonlyArray<{ name: string; files: string[]; bindings: Record<number, string>; levels: string[] }> = [
  { name: "tutorial fused", files: ["looptree-tutorial/architecture.yaml", "looptree-tutorial/two_fc.workload.yaml", "looptree-tutorial/fused.mapping.yaml"], bindings: tutorial, levels: ["MainMemory", "GlobalBuffer"] },
  { name: "tutorial layer-by-layer", files: ["looptree-tutorial/layer-by-layer.mapping.yaml", "looptree-tutorial/two_fc.workload.yaml", "looptree-tutorial/architecture.yaml"], bindings: tutorial, levels: ["MainMemory", "GlobalBuffer"] },
  { name: "pytimeloop fused", files: ["looptree-tests/three_level.arch.yaml", "looptree-tests/cascaded_mm.workload.yaml", "looptree-tests/looptree-test-fused.yaml"], bindings: testsFused, levels: ["MainMemory", "GlobalBuffer", "GlobalBuffer#2", "GlobalBuffer#3"] },
  { name: "pytimeloop unfused", files: ["looptree-tests/looptree-test-unfused.yaml", "looptree-tests/three_level.arch.yaml", "looptree-tests/cascaded_mm.workload.yaml"], bindings: testsUnfused, levels: ["MainMemory", "GlobalBuffer", "GlobalBuffer#2"] }
]

for (const fixture of fixtures) {
  test(`LoopTree fixture loads unchanged: ${fixture.name}`, (t) => {
    const spec = Either.getOrThrow(specFromSources(fixture.files.map(read), { looptree: { bindings: fixture.bindings } }))
    t.deepEqual(spec.levels.map((l) => l.name), fixture.levels)
    t.is(spec.source.format, "looptree")
    const [arch] = [spec.architecture]
    t.is(arch.compute.name, "MACC")
    t.is(arch.compute.energyPerOp, 0.845)
    t.deepEqual(arch.levels.map((l) => [l.name, l.capacity, l.bandwidth, l.readEnergy, l.writeEnergy]), [
      ["MainMemory", null, { kind: "shared", wordsPerCycle: 32 }, 2048, 2048],
      ["GlobalBuffer", 262144, { kind: "shared", wordsPerCycle: 64 }, 121.679, 115.102]
    ])
  })
}

test("the pytimeloop workload derives shapes, volumes and ops", (t) => {
  const spec = Either.getOrThrow(specFromSources(fixtures[2]!.files.map(read), { looptree: { bindings: testsFused } }))
  t.deepEqual(
    spec.workload.tensors.map((x) => [x.name, x.volume, x.role]),
    [["Fmap1", 18, "input"], ["Filter1", 8, "input"], ["Fmap2", 36, "intermediate"], ["Filter2", 32, "input"], ["Fmap3", 72, "output"]]
  )
  t.deepEqual(spec.workload.einsums.map((e) => e.ops), [72, 288])
  t.deepEqual(spec.notes, ["GlobalBuffer: fanout sized from the mapping to 8 MACC instances (the architecture declares none)"])
})

/** Load the fixture with one file's text changed; return the error message. */
const brokenCopy = (fixture: (typeof fixtures)[number], file: string, from: string | RegExp, to: string): string => {
  const sources = fixture.files.map(read).map((s) => {
    if (!s.file.endsWith(file)) return s
    const text = s.text.replace(from, to)
    if (text === s.text) throw new Error(`mutation of ${file} changed nothing`)
    return { ...s, text }
  })
  const result = specFromSources(sources, { looptree: { bindings: fixture.bindings } })
  if (Either.isRight(result)) throw new Error("the broken copy was accepted")
  return result.left.message
}

test("a broken copy of each LoopTree file is rejected with its path", (t) => {
  const fused = fixtures[2]!
  t.regex(brokenCopy(fused, "looptree-test-fused.yaml", "rank: P2", "rank: P9"),
    /looptree-test-fused\.yaml:11:\d+: mapping\.nodes\[2\]\.rank: "P9" is not a rank of Fc2 \(P2, M2, C2\)/)
  t.regex(brokenCopy(fused, "looptree-test-fused.yaml", "rank: C2", "rank: P9"),
    /looptree-test-fused\.yaml:\d+:\d+: mapping\.nodes\[5\]\.branches\[1\]\[0\]\.rank: "P9" is not a rank of Fc2 \(P2, M2, C2\)/)
  t.regex(brokenCopy(fused, "looptree-test-fused.yaml", "target: 2\n    dspace: [Fmap2]", "target: 7\n    dspace: [Fmap2]"),
    /looptree-test-fused\.yaml:\d+:\d+: mapping\.nodes\[4\]\.target: level 7 has no binding/)
  t.regex(brokenCopy(fused, "looptree-test-fused.yaml", "dspace: [Fmap2]\n  - type: sequential", "dspace: [Fmap9]\n  - type: sequential"),
    /mapping\.nodes\[4\]\.dspace\[0\]: "Fmap9" is not a tensor of the workload/)
  t.regex(brokenCopy(fused, "cascaded_mm.workload.yaml", "0 <= P2 < 9 and ", ""),
    /cascaded_mm\.workload\.yaml:\d+:\d+: problem\[1\]\.instance: no bounds for rank P2 of Fc2/)
  t.regex(brokenCopy(fused, "cascaded_mm.workload.yaml", "'[ C2, P2 ]'", "'[ C2 * P2 ]'"),
    /problem\[1\]\.shape\.data_spaces\[0\]\.projection: "C2 \* P2" is not an affine expression/)
  t.regex(brokenCopy(fused, "three_level.arch.yaml", "class: intmac", "class: SRAM"),
    /three_level\.arch\.yaml:\d+:\d+: architecture\.nodes: no compute component/)
  t.regex(brokenCopy(fixtures[0]!, "fused.mapping.yaml", "einsum: Fc2", "einsum: Fc1"),
    /fused\.mapping\.yaml:\d+:\d+: mapping\.nodes\[4\]\.branches\[1\]\[2\]: Einsum Fc1 is computed twice/)
})

test("LoopTree files need --looptree; bindings must name components", (t) => {
  const plain = specFromSources(fixtures[0]!.files.map(read))
  t.regex(Either.flip(plain).pipe(Either.getOrThrow).message, /this is a LoopTree workload; load LoopTree files with --looptree/)
  const wrong = specFromSources(fixtures[0]!.files.map(read), { looptree: { bindings: { 0: "MainMemory", 1: "GlobalBufer", 2: "MACC" } } })
  t.regex(Either.flip(wrong).pipe(Either.getOrThrow).message, /binding 1=GlobalBufer: "GlobalBufer" is not a component of the architecture \(MainMemory, GlobalBuffer, MACC\) \(did you mean "GlobalBuffer"\?\)/)
})

test("a workload template needs its placeholders defined", (t) => {
  const template = read("looptree-tests/cascaded_mha.workload_template.yaml")
  const missing = specFromSources([template, read("looptree-tests/three_level.arch.yaml"), read("looptree-tests/looptree-test-fused.yaml")], { looptree: { bindings: testsFused } })
  t.regex(Either.flip(missing).pipe(Either.getOrThrow).message, /problem\[0\]\.instance: this is a template: give values for \{B\}, \{M\}, \{H\}, \{E\}, \{D\} with --define/)
})

test("the attention workload template resolves once its placeholders are defined", (t) => {
  const source = Either.getOrThrow(parseSource("mha.yaml", read("looptree-tests/cascaded_mha.workload_template.yaml").text))
  const imported = Either.getOrThrow(importWorkload(source, { bindings: {}, variables: { B: 1, M: 16, H: 2, E: 8, D: 32 } }))
  const workload = Either.getOrThrow(resolveWorkload(imported.workload, "mha.yaml"))
  t.deepEqual(workload.einsums.map((e) => [e.name, e.ops]), [["Q", 1 * 16 * 2 * 8 * 32], ["QK", 1 * 2 * 16 * 16 * 8], ["AV", 1 * 2 * 16 * 16 * 8], ["Z", 1 * 16 * 2 * 8 * 32]])
  t.deepEqual(
    workload.tensors.filter((x) => x.role === "input").map((x) => x.name),
    ["I", "WQ", "K", "V", "WZ"]
  )
})
