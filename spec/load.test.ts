import test from "ava"
import { Either } from "effect"
import { specFromSources } from "./load.ts"
import type { Spec } from "./spec.ts"

/** A small valid native spec: conv1d -> conv1d fused under one loop. */
const valid = `
workload:
  einsums:
  - name: convA
    ranks: {pa: 18, ra: 3}
    inputs: {I: [pa + ra], WA: [ra]}
    output: {A: [pa]}
  - name: convB
    ranks: {pb: 16, rb: 3}
    inputs: {A: [pb + rb], WB: [rb]}
    output: {B: [pb]}
architecture:
  levels:
  - {name: DRAM, bandwidth: 8, read_energy: 100, write_energy: 100}
  - {name: Buffer, capacity: 64, bandwidth: 16, read_energy: 1, write_energy: 1, fanout: 3}
  compute: {name: MAC, energy_per_op: 0.5}
mapping:
  nodes:
  - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
  - {type: temporal, rank: pb, tile_shape: 4}
  - {type: storage, level: Buffer, tensors: [I, WA, WB, B, A]}
  - type: sequential
    branches:
    - - {type: temporal, rank: pa, tile_shape: 1}
      - {type: spatial, rank: ra, tile_shape: 1}
      - {type: compute, einsum: convA, level: MAC}
    - - {type: temporal, rank: pb, tile_shape: 1}
      - {type: spatial, rank: rb, tile_shape: 1}
      - {type: compute, einsum: convB, level: MAC}
`

const load = (text: string, file = "spec.yaml") => specFromSources([{ file, text }])

const loadOk = (text: string): Spec => {
  const result = load(text)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

/** The error message for a text that must fail. */
const errorOf = (text: string): string => {
  const result = load(text)
  if (Either.isRight(result)) throw new Error("expected the spec to be rejected")
  return result.left.message
}

test("a valid native spec resolves with derived shapes, roles, heads and levels", (t) => {
  const spec = loadOk(valid)
  t.deepEqual(spec.workload.einsums.map((e) => [e.name, e.ops]), [["convA", 54], ["convB", 48]])
  const tensors = Object.fromEntries(spec.workload.tensors.map((x) => [x.name, [x.role, x.shape, x.producer, x.consumers]]))
  t.deepEqual(tensors, {
    I: ["input", [20], null, ["convA"]],
    WA: ["input", [3], null, ["convA"]],
    A: ["intermediate", [18], "convA", ["convB"]],
    WB: ["input", [3], null, ["convB"]],
    B: ["output", [16], "convB", []]
  })
  t.deepEqual(spec.levels.map((l) => l.name), ["DRAM", "Buffer"])
  const loop = spec.mapping.nodes[1]!
  t.is(loop.kind, "temporal")
  if (loop.kind === "temporal") t.is(loop.einsum, "convB")
  t.deepEqual(loop.einsums, ["convA", "convB"])
  t.regex(spec.hash, /^[0-9a-f]{64}$/)
})

test("the spec hash ignores file names and formatting but not content", (t) => {
  const a = loadOk(valid)
  const b = specFromSources([{ file: "other.yaml", text: valid.replace(/\n\n/g, "\n") }])
  t.is(Either.getOrThrow(b).hash, a.hash)
  t.not(loadOk(valid.replace("tile_shape: 4", "tile_shape: 8")).hash, a.hash)
})

test("several files are merged by section; a section given twice is an error", (t) => {
  const [workload, rest] = valid.split("architecture:")
  const merged = specFromSources([
    { file: "w.yaml", text: workload! },
    { file: "am.yaml", text: `architecture:${rest!}` }
  ])
  t.true(Either.isRight(merged))
  const twice = specFromSources([
    { file: "a.yaml", text: valid },
    { file: "w.yaml", text: workload! }
  ])
  t.regex(Either.flip(twice).pipe(Either.getOrThrow).message, /w\.yaml:\d+:\d+: a second workload \(the first is in a\.yaml\)/)
})

// Each class of bad input: one clear message naming the file, the line and the path.
const badCases: ReadonlyArray<[string, (text: string) => string, RegExp]> = [
  ["malformed YAML", (s) => s.replace("ranks: {pa: 18, ra: 3}", "ranks: {pa: 18, ra: 3"), /^spec\.yaml:\d+:\d+: Cannot parse YAML/],
  ["unknown key, with suggestion", (s) => s.replace("{type: temporal, rank: pb, tile_shape: 4}", "{type: temporal, rank: pb, tile_shap: 4}"),
    /spec\.yaml:20:\d+: mapping\.nodes\[1\]\.tile_shap: unknown key "tile_shap" \(did you mean "tile_shape"\?\)/],
  ["unknown section", (s) => s.replace("mapping:\n", "maping:\n"), /unknown section "maping" \(did you mean "mapping"\?\)/],
  ["unknown node type", (s) => s.replace("type: sequential", "type: sequental"), /mapping\.nodes\[3\]\.type: unknown node type "sequental" \(did you mean "sequential"\?\)/],
  ["unknown rank in a loop", (s) => s.replace("rank: pb, tile_shape: 4", "rank: P9, tile_shape: 4"),
    /spec\.yaml:20:\d+: mapping\.nodes\[1\]\.rank: "P9" is not a rank of convB \(pb, rb\)/],
  ["a loop naming a producer's rank above the branch", (s) => s.replace("rank: pb, tile_shape: 4", "rank: pa, tile_shape: 4"),
    /mapping\.nodes\[1\]\.rank: "pa" is not a rank of convB \(pb, rb\)/],
  ["unknown rank in a projection", (s) => s.replace("inputs: {I: [pa + ra]", "inputs: {I: [pa + rx]"),
    /workload\.einsums\[0\]\.inputs\.I\[0\]: "rx" is not a rank of convA \(pa, ra\) \(did you mean "ra"\?\)/],
  ["unknown level", (s) => s.replace("level: Buffer, tensors", "level: Bufer, tensors"), /mapping\.nodes\[2\]\.level: "Bufer" is not a memory level \(DRAM, Buffer\) \(did you mean "Buffer"\?\)/],
  ["unknown tensor", (s) => s.replace("tensors: [I, WA, WB, B, A]", "tensors: [I, WA, WB, B, AA]"), /mapping\.nodes\[2\]\.tensors\[4\]: "AA" is not a tensor of the workload \(did you mean "W?A"\?\)/],
  ["non-affine projection", (s) => s.replace("[pa + ra]", "[pa * ra]"), /workload\.einsums\[0\]\.inputs\.I\[0\]: "pa \* ra" is not an affine expression: product of ranks/],
  ["zero bound", (s) => s.replace("pa: 18", "pa: 0"), /workload\.einsums\[0\]\.ranks\.pa: expected a positive integer, actual 0/],
  ["negative tile", (s) => s.replace("tile_shape: 4", "tile_shape: -4"), /mapping\.nodes\[1\]\.tile_shape: expected a positive integer, actual -4/],
  ["cycle in the Einsum graph", (s) => s.replace("inputs: {I: [pa + ra], WA: [ra]}", "inputs: {I: [pa + ra], WA: [ra], B: [pa]}"),
    /the Einsum graph has a cycle: (convA -> convB -> convA|convB -> convA -> convB)/],
  ["unmapped Einsum", (s) => s.replace(/    - - \{type: temporal, rank: pb, tile_shape: 1\}\n.*\n.*convB.*\n/, ""), /Einsum convB has no compute leaf|no Einsum below/],
  ["Einsum mapped twice", (s) => s.replace("einsum: convB, level: MAC}", "einsum: convA, level: MAC}"), /mapping\.nodes\[3\]\.branches\[1\]\[2\]: Einsum convA is computed twice/],
  ["tensor without storage", (s) => s.replace("tensors: [I, WA, WB, B]}", "tensors: [I, WA, B]}").replace("tensors: [I, WA, WB, B, A]", "tensors: [I, WA, B, A]"),
    /mapping\.nodes\[3\]\.branches\[1\]\[2\]: convB uses WB but no storage node above this compute leaf holds it/],
  ["input not in the outermost level", (s) => s.replace("tensors: [I, WA, WB, B]}", "tensors: [WA, WB, B]}"),
    /mapping\.nodes\[2\]\.level: I is a workload input, so its outermost storage must be DRAM, not Buffer/],
  ["spatial fanout too large", (s) => s.replace("fanout: 3", "fanout: 2"), /mapping\.nodes\[3\]\.branches\[0\]\[1\]: spatial fanout does not fit: 3 instances of MAC needed along x/],
  ["consumer reads past what the producer writes", (s) => s.replace("pa: 18", "pa: 16"), /convB reads A up to index 17 in dimension 0 \("pb \+ rb"\), but convA only writes \[0, 16\)/],
  ["a node after a compute leaf", (s) => s.replace("      - {type: compute, einsum: convA, level: MAC}\n", "      - {type: compute, einsum: convA, level: MAC}\n      - {type: temporal, rank: pa, tile_shape: 1}\n"),
    /mapping\.nodes\[3\]\.branches\[0\]\[3\]: nothing may follow a compute node/],
  ["intermediate not held above the split", (s) => s.replace("tensors: [I, WA, WB, B, A]}", "tensors: [I, WA, WB, B]}"),
    /convA uses A but no storage node above this compute leaf holds it/],
  ["intermediate held only inside the branches",
    (s) => s.replace("tensors: [I, WA, WB, B, A]}", "tensors: [I, WA, WB, B]}").replace("      - {type: compute, einsum: convA, level: MAC}\n", "      - {type: storage, level: Buffer, tensors: [A]}\n      - {type: compute, einsum: convA, level: MAC}\n").replace("      - {type: compute, einsum: convB, level: MAC}\n", "      - {type: storage, level: Buffer, tensors: [A]}\n      - {type: compute, einsum: convB, level: MAC}\n"),
    /^spec\.yaml:\d+:\d+: mapping\.nodes\[3\]: intermediate A passes from convA to convB, but no storage node above both holds it; add A to a storage node above this sequential$/],
  ["logical levels out of order", (s) => s.replace("level: Buffer, tensors: [I, WA, WB, B, A]", "level: Buffer#3, tensors: [I, WA, WB, B, A]"),
    /mapping\.nodes\[2\]\.level: Buffer#3 skips Buffer, Buffer#2; number the logical levels of Buffer in order/],
  ["a consumer's branch before its producer's", (s) => s.replace(
    "    - - {type: temporal, rank: pa, tile_shape: 1}\n      - {type: spatial, rank: ra, tile_shape: 1}\n      - {type: compute, einsum: convA, level: MAC}\n    - - {type: temporal, rank: pb, tile_shape: 1}\n      - {type: spatial, rank: rb, tile_shape: 1}\n      - {type: compute, einsum: convB, level: MAC}\n",
    "    - - {type: temporal, rank: pb, tile_shape: 1}\n      - {type: spatial, rank: rb, tile_shape: 1}\n      - {type: compute, einsum: convB, level: MAC}\n    - - {type: temporal, rank: pa, tile_shape: 1}\n      - {type: spatial, rank: ra, tile_shape: 1}\n      - {type: compute, einsum: convA, level: MAC}\n"),
    /mapping\.nodes\[3\]\.branches\[0\]: convB \(branch 0\) reads A, which convA produces in a later branch \(1\); put the producer's branch first/],
  ["wrong compute unit", (s) => s.replace("einsum: convA, level: MAC", "einsum: convA, level: PE"), /"PE" is not the compute unit; the architecture's compute unit is "MAC"/]
]

for (const [name, mutate, expected] of badCases) {
  test(`bad input: ${name}`, (t) => {
    const text = mutate(valid)
    t.not(text, valid, "the mutation must change the spec")
    t.regex(errorOf(text), expected)
  })
}

test("every error line names the file and a line number", (t) => {
  for (const [, mutate] of badCases) {
    for (const line of errorOf(mutate(valid)).split("\n")) t.regex(line, /^spec\.yaml:\d+:\d+: /)
  }
})

test("a second logical level of one buffer is written Buf#2 and must go inward", (t) => {
  const lineBuffer = valid.replace(
    "  - {type: temporal, rank: pb, tile_shape: 4}\n",
    "  - {type: storage, level: Buffer, tensors: [A]}\n  - {type: temporal, rank: pb, tile_shape: 4}\n"
  )
  t.regex(errorOf(lineBuffer), /mapping\.nodes\[3\]\.level: A is already stored in Buffer above \(mapping\.nodes\[1\]\); use Buffer#2/)
  const fixed = lineBuffer.replace("tensors: [I, WA, WB, B, A]", "tensors: [I, WA, WB, B]}\n  - {type: storage, level: Buffer#2, tensors: [A]").replace("B]}}", "B]}")
  const spec = loadOk(fixed)
  t.deepEqual(spec.levels.map((l) => [l.name, l.physical]), [["DRAM", "DRAM"], ["Buffer", "Buffer"], ["Buffer#2", "Buffer"]])
})

test("a consumer outside a fused group may only read what the group computes", (t) => {
  // convB reads only even rows of A; convC, outside the group, reads every row.
  const strided = valid
    .replace("inputs: {A: [pb + rb], WB: [rb]}", "inputs: {A: [2*pb + rb], WB: [rb]}")
    .replace("ranks: {pb: 16, rb: 3}", "ranks: {pb: 8, rb: 1}")
    .replace("  - name: convB", "  - name: convC\n    ranks: {pc: 18}\n    inputs: {A: [pc]}\n    output: {C: [pc]}\n  - name: convB")
    .replace("tensors: [I, WA, WB, B]}", "tensors: [I, WA, WB, B, A, C]}")
    .replace("  - {type: temporal, rank: pb, tile_shape: 4}\n", "  - type: sequential\n    branches:\n    - - {type: temporal, rank: pb, tile_shape: 4}\n")
  const indented = strided.replace(/(  - \{type: storage, level: Buffer.*\n)([\s\S]*)$/, (_, first: string, rest: string) =>
    `      ${first.trimStart().replace(/^/, "")}` + rest.replace(/^/gm, "    ").trimEnd() + "\n    - - {type: compute, einsum: convC, level: MAC}\n")
  t.regex(errorOf(indented), /convC reads A at index 1 of dimension 0, which convA never computes here \(it only computes what convB need\)/)
})
