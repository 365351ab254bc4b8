/**
 * The worked examples and reference numbers of docs/semantics.md (sections
 * 4, 7, 8, 9, 10 and 13), each test citing its rule or table.
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import test from "ava"
import { Either } from "effect"
import { loadSpec, specFromSources } from "../spec/load.ts"
import type { Spec } from "../spec/spec.ts"
import type { Stats } from "../spec/stats.ts"
import { evaluate } from "./mod.ts"

const shared = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared")
const tests = join(shared, "fixtures", "looptree-tests")
const tutorial = join(shared, "fixtures", "looptree-tutorial")

const load = (text: string): Spec => {
  const spec = specFromSources([{ file: "x.yaml", text }])
  if (Either.isLeft(spec)) throw new Error(spec.left.message)
  return spec.right
}

type Row = [occupancy: number, fills: number, reads: number, writes: number]
const rows = (stats: Stats): Record<string, Row> =>
  Object.fromEntries(stats.accesses.map((a) => [`${a.level} ${a.tensor} ${a.einsum}`, [a.occupancy, a.fills, a.reads, a.writes] as Row]))
const key = (stats: Stats, k: string) => stats.accesses.find((a) => `${a.level} ${a.tensor} ${a.einsum}` === k)!
const total = (stats: Stats, physical: string, field: "reads" | "writes") =>
  stats.accesses.filter((a) => a.level === physical || a.level.startsWith(`${physical}#`)).reduce((n, a) => n + a[field], 0)

const cascaded = (mapping: string, bindings: Record<number, string>) =>
  loadSpec([join(tests, "cascaded_mm.workload.yaml"), join(tests, "three_level.arch.yaml"), join(tests, mapping)], { looptree: { bindings } })
const fusedBindings = { 0: "MainMemory", 1: "GlobalBuffer", 2: "GlobalBuffer", 3: "GlobalBuffer", 4: "MACC" }

test("7.2 cascaded_mm fused: every key's occupancy, fills, reads and writes", async (t) => {
  const stats = evaluate(await cascaded("looptree-test-fused.yaml", fusedBindings))
  t.deepEqual(rows(stats), {
    "MainMemory Filter1 Fc1": [8, 8, 8, 0],
    "MainMemory Filter2 Fc2": [32, 32, 32, 0],
    "MainMemory Fmap1 Fc1": [18, 18, 18, 0],
    "MainMemory Fmap3 Fc2": [72, 72, 0, 72],
    "GlobalBuffer Filter1 Fc1": [8, 8, 72, 8],
    "GlobalBuffer Filter2 Fc2": [32, 32, 288, 32],
    "GlobalBuffer Fmap1 Fc1": [2, 18, 18, 18],
    "GlobalBuffer Fmap3 Fc2": [8, 72, 216, 288],
    // 7.1: the physical entry of Fmap2[:, p2] is counted once, under Fc1 (the original: 36 for Fc2 too).
    "GlobalBuffer#2 Fmap2 Fc1": [4, 36, 36, 72],
    "GlobalBuffer#2 Fmap2 Fc2": [4, 0, 36, 0],
    "GlobalBuffer#3 Fmap1 Fc1": [1, 72, 72, 72],
    "GlobalBuffer#3 Fmap2 Fc2": [1, 288, 288, 288]
  })
  t.deepEqual(stats.ops, { Fc1: 72, Fc2: 288 })
  t.is(total(stats, "MainMemory", "reads"), 58)
  t.is(total(stats, "MainMemory", "writes"), 72)
  t.is(total(stats, "GlobalBuffer", "reads"), 1026)
  t.is(total(stats, "GlobalBuffer", "writes"), 778)
  // 10.3: compute 9 x (2 + 4) = 54; MainMemory ceil(130/32) = 5, GlobalBuffer ceil(1804/64) = 29.
  t.is(stats.latency, 54)
  // R9.1 worked: 50 + 4 + 8 partitions of GlobalBuffer#3.
  t.deepEqual(stats.capacity, { MainMemory: 130, GlobalBuffer: 62 })
})

test("7.2 cascaded_mm fused with countFirstOutputRead: 130 / 1134 / 850", async (t) => {
  const stats = evaluate(await cascaded("looptree-test-fused.yaml", fusedBindings), { countFirstOutputRead: true })
  t.is(total(stats, "MainMemory", "reads"), 130)
  t.is(total(stats, "MainMemory", "writes"), 72)
  t.is(total(stats, "GlobalBuffer", "reads"), 1134)
  t.is(total(stats, "GlobalBuffer", "writes"), 850)
})

test("7.3 cascaded_mm unfused: multicast of Fmap1 and reduction of Fmap3 (702 / 490 against LoopTree's 972 / 706)", async (t) => {
  const stats = evaluate(await cascaded("looptree-test-unfused.yaml", { 0: "MainMemory", 1: "GlobalBuffer", 2: "GlobalBuffer", 3: "MACC" }))
  const rw = Object.fromEntries(stats.accesses.map((a) => [`${a.level} ${a.tensor} ${a.einsum}`, [a.reads, a.writes]]))
  t.deepEqual(rw, {
    "MainMemory Filter1 Fc1": [8, 0],
    "MainMemory Fmap1 Fc1": [18, 0],
    "MainMemory Fmap2 Fc1": [0, 36],
    "MainMemory Filter2 Fc2": [32, 0],
    "MainMemory Fmap2 Fc2": [36, 0],
    "MainMemory Fmap3 Fc2": [0, 72],
    "GlobalBuffer Filter1 Fc1": [72, 8],
    "GlobalBuffer Fmap1 Fc1": [18, 18],
    "GlobalBuffer#2 Fmap2 Fc1": [36, 72],
    "GlobalBuffer Filter2 Fc2": [288, 32],
    "GlobalBuffer Fmap3 Fc2": [0, 72],
    "GlobalBuffer#2 Fmap2 Fc2": [288, 288]
  })
  t.is(total(stats, "MainMemory", "reads"), 94)
  t.is(total(stats, "MainMemory", "writes"), 108)
  t.is(total(stats, "GlobalBuffer", "reads"), 702)
  t.is(total(stats, "GlobalBuffer", "writes"), 490)
  t.deepEqual(stats.capacity, { MainMemory: 166, GlobalBuffer: 72 })
  t.is(stats.latency, 27)
})

const tutorialSpec = (mapping: string) =>
  loadSpec([join(tutorial, "two_fc.workload.yaml"), join(tutorial, "architecture.yaml"), join(tutorial, mapping)], {
    looptree: { bindings: { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" } }
  })

test("13 two-FC tutorial: GlobalBuffer reads and writes with and without countFirstOutputRead, capacities", async (t) => {
  const lbl = await tutorialSpec("layer-by-layer.mapping.yaml")
  const fused = await tutorialSpec("fused.mapping.yaml")
  for (const [spec, writesCounted, writesElided, capacity] of [
    [lbl, 1089536, 1073152, { MainMemory: 32768, GlobalBuffer: 4224 }],
    [fused, 1073152, 1064960, { MainMemory: 24576, GlobalBuffer: 8384 }]
  ] as const) {
    const counted = evaluate(spec, { countFirstOutputRead: true })
    const elided = evaluate(spec)
    t.is(total(counted, "GlobalBuffer", "reads"), 3145728)
    t.is(total(counted, "GlobalBuffer", "writes"), writesCounted)
    t.is(total(elided, "GlobalBuffer", "reads"), 3129344)
    t.is(total(elided, "GlobalBuffer", "writes"), writesElided)
    t.deepEqual(elided.capacity, capacity)
    t.is(elided.latency, 1048576)
  }
})

// ------------------------------------------------------------------ conv1d -> conv1d (7.4, 8.2)

const conv1d = (loops: string, aNode: string) => `
workload:
  einsums:
    - {name: convA, ranks: {pa: 18, ra: 3}, inputs: {I: ["pa + ra"], WA: [ra]}, output: {A: [pa]}}
    - {name: convB, ranks: {pb: 16, rb: 3}, inputs: {A: ["pb + rb"], WB: [rb]}, output: {B: [pb]}}
architecture:
  levels: [{name: DRAM}, {name: GB}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
${loops}
    - {type: storage, level: GB, tensors: [I, WA, WB, B]}
    - ${aNode}
    - type: sequential
      branches:
        - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: ra, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
        - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: rb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`
const tile4 = "    - {type: temporal, rank: pb, tile_shape: 4}"
const aReuse = "{type: storage, level: GB, tensors: [A]}"

test("8.2 conv1d variants: retain_tile4, outer8_inner4 (54, LoopTree 60) and no_reuse_tile4 (72; GB A convA reads 48, LoopTree 54)", (t) => {
  const variants = [
    ["retain_tile4", conv1d(tile4, aReuse), 54, 36],
    ["outer8_inner4", conv1d(`    - {type: temporal, rank: pb, tile_shape: 8}\n${tile4}`, aReuse), 54, 36],
    ["no_reuse_tile4", conv1d(tile4, "{type: storage, level: GB, tensors: [A], exploits_reuse: false}"), 72, 48]
  ] as const
  for (const [name, text, opsA, aReads] of variants) {
    const stats = evaluate(load(text))
    t.is(stats.ops.convA, opsA, name)
    t.is(key(stats, "GB I convA").reads, opsA, name)
    t.is(key(stats, "GB WA convA").reads, opsA, name)
    t.is(key(stats, "GB A convA").writes, opsA, name)
    t.is(key(stats, "GB A convA").reads, aReads, name)
    t.is(key(stats, "DRAM I convA").reads, 20, name)
    // The I tiles are I[0..7] [4..11] [8..15] [12..19] (or [6..11] ... after retention): 8 + 4 + 4 + 4.
    t.is(key(stats, "GB I convA").fills, 20, name)
  }
})

// ------------------------------------------------------------------ 2-D (8.3)

const conv2d = (top: string, lineBuffer: boolean, inner: string) => `
workload:
  einsums:
    - {name: convA, ranks: {pa: 8, qa: 8, ra: 3, sa: 3}, inputs: {I: ["pa + ra", "qa + sa"], WA: [ra, sa]}, output: {A: [pa, qa]}}
    - {name: convB, ranks: {pb: 6, qb: 6, rb: 3, sb: 3}, inputs: {A: ["pb + rb", "qb + sb"], WB: [rb, sb]}, output: {B: [pb, qb]}}
architecture:
  levels: [{name: DRAM}, {name: GB}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [${top}]}
    - {type: temporal, rank: pb, tile_shape: 2}
${lineBuffer ? "    - {type: storage, level: GB, tensors: [A]}\n" : ""}    - {type: temporal, rank: qb, tile_shape: 2}
    - {type: storage, level: ${lineBuffer ? "GB#2" : "GB"}, tensors: [${inner}]}
    - type: sequential
      branches:
        - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: qa, tile_shape: 1}, {type: temporal, rank: ra, tile_shape: 1}, {type: temporal, rank: sa, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
        - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: qb, tile_shape: 1}, {type: temporal, rank: rb, tile_shape: 1}, {type: temporal, rank: sb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`

test("8.3 mapping 1 (recompute): the vertical halo is computed twice, 96 elements, 864 MACs", (t) => {
  const stats = evaluate(load(conv2d("I, WA, WB, B", false, "I, WA, WB, B, A")))
  t.deepEqual(stats.ops, { convA: 864, convB: 324 })
  t.is(key(stats, "GB A convA").writes, 864)
  t.is(key(stats, "GB A convA").reads, 864 - 96)
  t.is(key(stats, "GB A convA").occupancy, 16)
})

test("8.3 mapping 2 (line buffer): elements computed earlier in the row step are available, 576 MACs", (t) => {
  const stats = evaluate(load(conv2d("I, WA, WB, B", true, "I, WA, WB, B")))
  t.deepEqual(stats.ops, { convA: 576, convB: 324 })
  t.is(key(stats, "GB A convA").writes, 576)
  t.is(key(stats, "GB A convA").reads, 576 - 64)
  t.is(key(stats, "GB A convA").occupancy, 32)
})

test("8.3 mapping 3 (refetch): A in DRAM, drained once and fetched back for the halo rows", (t) => {
  const stats = evaluate(load(conv2d("I, WA, WB, B, A", false, "I, WA, WB, B, A")))
  t.deepEqual(stats.ops, { convA: 576, convB: 324 })
  t.is(key(stats, "DRAM A convA").writes, 64)
  t.is(key(stats, "DRAM A convA").reads, 0)
  t.is(key(stats, "DRAM A convB").reads, 32)
  t.is(key(stats, "DRAM A convB").writes, 0)
  t.is(key(stats, "GB A convA").reads, 576 - 64)
  t.is(key(stats, "GB A convB").writes, 32)
})

// ------------------------------------------------------------------ residency (R4.3, R4.4)

const irrelevant = (outer: string, inner: string) => `
workload:
  einsums:
    - {name: E, ranks: {m: 4, p: 3}, inputs: {W: [m], I: [p]}, output: {O: [m, p]}}
architecture:
  levels: [{name: DRAM}, {name: GB}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [W, I, O]}
    - {type: temporal, rank: ${outer}, tile_shape: 1}
    - {type: temporal, rank: ${inner}, tile_shape: 1}
    - {type: storage, level: GB, tensors: [W]}
    - {type: compute, einsum: E, level: MAC}
`

test("R4.3: an irrelevant loop directly above a storage node costs nothing (4 fills); above a relevant one it re-fills (12)", (t) => {
  t.is(key(evaluate(load(irrelevant("m", "p"))), "GB W E").fills, 4)
  t.is(key(evaluate(load(irrelevant("p", "m"))), "GB W E").fills, 12)
})

const cascadedNative = (filter1Inside: boolean, branch: "sequential" | "pipeline" = "sequential", p2Tile = 1, opsPerCycle = 1) => `
workload:
  einsums:
    - {name: Fc1, ranks: {P1: 9, M1: 4, C1: 2}, inputs: {Fmap1: [C1, P1], Filter1: [C1, M1]}, output: {Fmap2: [M1, P1]}}
    - {name: Fc2, ranks: {P2: 9, M2: 8, C2: 4}, inputs: {Fmap2: [C2, P2], Filter2: [C2, M2]}, output: {Fmap3: [M2, P2]}}
architecture:
  levels: [{name: MainMemory}, {name: GlobalBuffer, fanout: 8}]
  compute: {name: MACC, ops_per_cycle: ${opsPerCycle}}
mapping:
  nodes:
    - {type: storage, level: MainMemory, tensors: [Filter1, Filter2, Fmap1, Fmap3]}
    - {type: storage, level: GlobalBuffer, tensors: [${filter1Inside ? "" : "Filter1, "}Filter2]}
    - {type: temporal, rank: P2, tile_shape: ${p2Tile}}
    - {type: storage, level: GlobalBuffer, tensors: [Fmap1, Fmap3]}
    - {type: storage, level: GlobalBuffer#2, tensors: [Fmap2]}
    - type: ${branch}
      branches:
        - [${filter1Inside ? "{type: storage, level: GlobalBuffer, tensors: [Filter1]}, " : ""}{type: temporal, rank: C1, tile_shape: 1}, {type: spatial, rank: M1, tile_shape: 1}, {type: storage, level: GlobalBuffer#3, tensors: [Fmap1]}, {type: compute, einsum: Fc1, level: MACC}]
        - [{type: temporal, rank: C2, tile_shape: 1}, {type: spatial, rank: M2, tile_shape: 1}, {type: storage, level: GlobalBuffer#3, tensors: [Fmap2]}, {type: compute, einsum: Fc2, level: MACC}]
`

test("R4.4: storage inside a sequential branch is freed when the branch ends (Filter1 refilled per P2 step: 72 DRAM reads)", (t) => {
  t.is(key(evaluate(load(cascadedNative(false))), "MainMemory Filter1 Fc1").reads, 8)
  t.is(key(evaluate(load(cascadedNative(true))), "MainMemory Filter1 Fc1").reads, 72)
  // In a pipeline branch the node keeps its content across iterations (R4.4).
  t.is(key(evaluate(load(cascadedNative(true, "pipeline"))), "MainMemory Filter1 Fc1").reads, 8)
})

// ------------------------------------------------------------------ pipelines (10.2, R9.2)

const historical = (branch: "sequential" | "pipeline", opsPerCycle: number) => `
workload:
  einsums:
    - {name: Fc1, ranks: {P1: 9, M1: 4, C1: 2}, inputs: {Fmap1: [C1, P1], Filter1: [C1, M1]}, output: {Fmap2: [M1, P1]}}
    - {name: Fc2, ranks: {P2: 9, M2: 8, C2: 4}, inputs: {Fmap2: [C2, P2], Filter2: [C2, M2]}, output: {Fmap3: [M2, P2]}}
architecture:
  levels: [{name: MainMemory}, {name: GlobalBuffer, fanout: 8}]
  compute: {name: MACC, ops_per_cycle: ${opsPerCycle}}
mapping:
  nodes:
    - {type: storage, level: MainMemory, tensors: [Filter1, Filter2, Fmap1, Fmap3]}
    - {type: storage, level: GlobalBuffer, tensors: [Filter1, Filter2]}
    - {type: temporal, rank: P2, tile_shape: 3}
    - {type: storage, level: GlobalBuffer, tensors: [Fmap1, Fmap3]}
    - {type: storage, level: GlobalBuffer#2, tensors: [Fmap2]}
    - type: ${branch}
      branches:
        - [{type: temporal, rank: M1, tile_shape: 1}, {type: spatial, rank: C1, tile_shape: 1}, {type: compute, einsum: Fc1, level: MACC}]
        - [{type: temporal, rank: C2, tile_shape: 1}, {type: spatial, rank: M2, tile_shape: 1}, {type: compute, einsum: Fc2, level: MACC}]
`

test("10.3 historical P2-tile-3 mappings: 72 / 48 cycles at 1 op per cycle, 24 / 16 at 3 (Q17)", (t) => {
  t.is(evaluate(load(historical("sequential", 1))).latency, 72)
  t.is(evaluate(load(historical("pipeline", 1))).latency, 48)
  t.is(evaluate(load(historical("sequential", 3))).latency, 24)
  t.is(evaluate(load(historical("pipeline", 3))).latency, 16)
})

test("R9.2: a pipeline of two over T = 3 holds two iterations of the nodes above it (Fmap2: 24 words, not 12)", (t) => {
  const sequential = evaluate(load(historical("sequential", 1)))
  const pipeline = evaluate(load(historical("pipeline", 1)))
  // Sequential: Filter1 8 + Filter2 32 + Fmap1 2x3 + Fmap3 8x3 + Fmap2 4x3 = 82.
  t.is(sequential.capacity.GlobalBuffer, 82)
  // Pipeline: the window doubles the three tiles: 8 + 32 + 12 + 48 + 24 = 124.
  t.is(pipeline.capacity.GlobalBuffer, 124)
})

test("R6.1, R6.2: an imperfect spatial tile with a temporal loop on the same rank below it leaves the last instance idle", (t) => {
  // M1 = 3 over 2 instances of tile 2: instance 0 runs m = 0, 1 and instance 1 runs m = 2 then nothing.
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E1, ranks: {M1: 3, C1: 3, P1: 4, R1: 3}, inputs: {I: [C1, "2*P1 + 2*R1"], W1: [M1, C1, R1]}, output: {F1: [M1, P1]}}
architecture:
  levels: [{name: DRAM, fanout: 2}, {name: RegFile}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, W1, F1]}
    - {type: temporal, rank: C1, tile_shape: 1}
    - {type: temporal, rank: P1, tile_shape: 1}
    - {type: storage, level: RegFile, tensors: [I, F1]}
    - {type: spatial, rank: M1, tile_shape: 2}
    - {type: temporal, rank: M1, tile_shape: 1}
    - {type: temporal, rank: R1, tile_shape: 1}
    - {type: compute, einsum: E1, level: MAC}
`)
  )
  t.is(stats.ops.E1, 108)
  // Per (c, p, r): W1 elements 2 at the first inner m step and 1 at the second.
  t.is(key(stats, "DRAM W1 E1").reads, 108)
  // F1: 108 updates; 24 valued entries (c > 0) filled from DRAM; reads 108 - 12 first updates.
  t.deepEqual(rows(stats)["RegFile F1 E1"], [3, 36, 96, 132])
  // I does not depend on M1: both instances read the same element at the first inner m step (multicast, R6.1).
  t.is(key(stats, "RegFile I E1").reads, 72)
})

test("R8.1, R6.2: an intermediate in the backing store is computed only where its consumers read it; each computed element's first update is elided", (t) => {
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E1, ranks: {p: 6, r: 2}, inputs: {I: ["p + r"], W: [r]}, output: {F: [p]}}
    - {name: E2, ranks: {q: 2}, inputs: {F: ["2*q"]}, output: {O: [q]}}
architecture:
  levels: [{name: DRAM}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, W, F, O]}
    - type: sequential
      branches:
        - [{type: temporal, rank: p, tile_shape: 1}, {type: temporal, rank: r, tile_shape: 1}, {type: compute, einsum: E1, level: MAC}]
        - [{type: temporal, rank: q, tile_shape: 1}, {type: compute, einsum: E2, level: MAC}]
`)
  )
  // F[0] and F[2] only: 2 elements x 2 taps.
  t.deepEqual(stats.ops, { E1: 4, E2: 2 })
  t.deepEqual(rows(stats)["DRAM F E1"], [2, 2, 2, 4])
  t.deepEqual(rows(stats)["DRAM F E2"], [2, 0, 2, 0])
})

test("R5.4: a spatial loop over a fanout with neighbour links is refused (peer forwarding is not modelled), naming the loop", (t) => {
  const spec = load(`
workload:
  einsums:
    - {name: E, ranks: {p: 8, r: 3}, inputs: {I: ["p + r"]}, output: {O: [p]}}
architecture:
  levels: [{name: DRAM, fanout: {x: 4, neighbor_links: true}}, {name: Buffer}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, O]}
    - {type: spatial, rank: p, tile_shape: 2}
    - {type: storage, level: Buffer, tensors: [I]}
    - {type: compute, einsum: E, level: MAC}
`)
  const error = t.throws(() => evaluate(spec))
  t.regex(error!.message, /mapping\.nodes\[1\].*neighbor_links/)
})

const chain = (branch: "sequential" | "pipeline", c3Tile: number) => `
workload:
  einsums:
    - {name: E1, ranks: {q1: 6}, inputs: {I: [q1]}, output: {A: [q1]}}
    - {name: E2, ranks: {q2: 6}, inputs: {A: [q2]}, output: {B: [q2]}}
    - {name: E3, ranks: {q3: 6, c3: 2}, inputs: {B: [q3], W: [c3]}, output: {O: [c3, q3]}}
architecture:
  levels: [{name: DRAM}, {name: LB}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, W, O, A, B]}
    - {type: temporal, rank: q3, tile_shape: 2}
    - {type: storage, level: LB, tensors: [I]}
    - {type: temporal, rank: c3, tile_shape: ${c3Tile}}
    - type: ${branch}
      branches:
        - [{type: compute, einsum: E1, level: MAC}]
        - [{type: compute, einsum: E2, level: MAC}]
        - [{type: compute, einsum: E3, level: MAC}]
`

test("R9.2 chain: the window runs over the joint iterations of every temporal loop of the pipeline's node list", (t) => {
  // LB's tile at q3 step q is I[2q, 2q + 1] (E1 computes A for c3's first tile; A and B stay valued in DRAM, R4.9).
  t.is(evaluate(load(chain("sequential", 1))).capacity.LB, 2)
  // c3 has one tile: T = 3 iterations, W = min(3, 3) = 3, the window holds the three q tiles: 6 words
  // (the one-tile c3 loop adds nothing; before the amendment the window ran over c3 only: 2).
  t.is(evaluate(load(chain("pipeline", 2))).capacity.LB, 6)
  // c3 has two tiles: T = 6, W = 3; the widest window, (q, 1) (q + 1, 0) (q + 1, 1), spans two q tiles: 4 words.
  t.is(evaluate(load(chain("pipeline", 1))).capacity.LB, 4)
})

test("10.3 access latency: each fill transfer that cannot overlap waits its parent's latency, plus the first fill's and the last drain's way through the levels", (t) => {
  // Compute 4 (4 steps of 1 op), bandwidth unlimited. GB's I and O each take 4 fills of a 1-word tile:
  // per (GB, E) the most refills of a tensor, ceil(4 / 1) = 4 transfers from DRAM at 10 cycles = 40.
  // The first fill leaves DRAM (10), the last drain leaves GB (2). Total 4 + 40 + 12 = 56 (simulator: 52).
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E, ranks: {P: 4}, inputs: {I: [P]}, output: {O: [P]}}
architecture:
  levels: [{name: DRAM, latency: 10}, {name: GB, latency: 2}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, O]}
    - {type: temporal, rank: P, tile_shape: 1}
    - {type: storage, level: GB, tensors: [I, O]}
    - {type: compute, einsum: E, level: MAC}
`)
  )
  t.is(stats.latency, 56)
})

test("R9.2 (amended): the chain's storage nodes count the peak of the sum of their windows, not the sum of their peaks", (t) => {
  // Iterations (p, s) = (0,0) (0,1) (1,0) (1,1), W = min(2, 4) = 2. RegFile holds F3[p]: windows of 1, 2, 1
  // words (peak 2). RegFile#2 holds the F1 that E2 reads for the F2 E3 needs and DRAM does not hold yet:
  // F1[{0,1}, s] at (0, s), then only F1[2, s] (F2[1, s] is valued): tiles 2 2 1 1, windows 4 3 2 (peak 4).
  // The sums per window start are 1 + 4, 2 + 3, 1 + 2: 5, not 2 + 4 = 6.
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E2, ranks: {C2: 1, P2: 3, R2: 1, Q2: 2, S2: 1}, inputs: {F1: [C2, P2 + R2, Q2 + S2], W2: [C2, R2, S2]}, output: {F2: [C2, P2, Q2]}}
    - {name: E3, ranks: {C3: 1, P3: 2, R3: 2, Q3: 1, S3: 2}, inputs: {F2: [C3, P3 + R3, Q3 + S3], W3: [C3, R3, S3]}, output: {F3: [C3, P3, Q3]}}
architecture:
  levels: [{name: DRAM}, {name: RegFile}]
  compute: {name: MAC, ops_per_cycle: 1}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [W2, F2, W3, F3, F1]}
    - {type: temporal, rank: P3, tile_shape: 1}
    - {type: temporal, rank: S3, tile_shape: 1}
    - {type: storage, level: RegFile, tensors: [F3]}
    - {type: storage, level: RegFile#2, tensors: [F1]}
    - type: pipeline
      branches:
        - [{type: compute, einsum: E2, level: MAC}]
        - [{type: compute, einsum: E3, level: MAC}]
`)
  )
  t.is(stats.capacity.RegFile, 5)
})

test("10.2 chain: the recurrence runs over the joint iterations of the chain", (t) => {
  // c3 one tile: L(t) = [2, 2, 4] for t = 0, 1, 2 (E3: 2 q x 2 c). f(0) = 2 4 8, f(1) = 4 6 12, f(2) = 6 8 16.
  t.is(evaluate(load(chain("pipeline", 2))).latency, 16)
  t.is(evaluate(load(chain("sequential", 2))).latency, 3 * 8)
  // c3 two tiles: L alternates [2, 2, 2] (c = 0) and [0, 0, 2] (c = 1: A and B are valued in DRAM, nothing
  // to compute). f = 2 4 6 | 2 4 8 | 4 6 10 | 6 6 12 | 10 12 14 | 10 12 16.
  t.is(evaluate(load(chain("pipeline", 1))).latency, 16)
  t.deepEqual(evaluate(load(chain("pipeline", 1))).ops, { E1: 6, E2: 6, E3: 12 })
})

test("R2.2, R4.1: a tile with no ops is not a step, so prev skips it (W1 stays across the idle P1 tile)", (t) => {
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E1, ranks: {P1: 3}, inputs: {I: [P1], W1: []}, output: {F1: [P1]}}
    - {name: E2, ranks: {P2: 2}, inputs: {F1: ["2*P2"]}, output: {F2: [P2]}}
architecture:
  levels: [{name: DRAM}, {name: GB}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, W1, F1, F2]}
    - type: sequential
      branches:
        - [{type: temporal, rank: P1, tile_shape: 1}, {type: storage, level: GB, tensors: [W1]}, {type: compute, einsum: E1, level: MAC}]
        - [{type: compute, einsum: E2, level: MAC}]
`)
  )
  // E1 computes F1[0] and F1[2] only (R8.1); its P1 tile 1 is empty, so the step after P1 = 0 is P1 = 2.
  t.deepEqual(stats.ops, { E1: 2, E2: 2 })
  t.deepEqual(rows(stats)["GB W1 E1"], [1, 1, 2, 1])
})

const spatialConv = `
workload:
  einsums:
    - {name: convA, ranks: {pa: 18, ra: 3}, inputs: {I: ["pa + ra"], WA: [ra]}, output: {A: [pa]}}
    - {name: convB, ranks: {pb: 16, rb: 3}, inputs: {A: ["pb + rb"], WB: [rb]}, output: {B: [pb]}}
architecture:
  levels: [{name: DRAM, fanout: 4}, {name: GB}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
    - {type: spatial, rank: pb, tile_shape: 4}
    - {type: storage, level: GB, tensors: [I, WA, WB, B, A]}
    - type: sequential
      branches:
        - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: ra, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
        - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: rb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`

test("R8.2 per instance: a spatial loop above the branch; each instance computes the halo it needs", (t) => {
  const stats = evaluate(load(spatialConv))
  // Instance s runs pb in [4s, 4s + 3] and needs A[4s .. 4s + 5] in its own GB: 6 rows each, 24 rows, 72 MACs
  // (54 without the spatial loop); rows 4-5, 8-9 and 12-13 are computed twice, once by each neighbour.
  t.deepEqual(stats.ops, { convA: 72, convB: 48 })
  // Each computation starts from zero in its instance's GB: 72 updates, 24 first updates elided (R6.2).
  t.deepEqual(rows(stats)["GB A convA"], [6, 24, 48, 72])
  t.deepEqual(rows(stats)["GB A convB"], [6, 0, 48, 0])
  // I: instance s holds I[4s .. 4s + 7], 8 words, 32 fills; DRAM serves the union once (multicast, R5.2): 20.
  t.deepEqual(rows(stats)["GB I convA"], [8, 32, 72, 32])
  t.is(key(stats, "DRAM I convA").reads, 20)
  // Per instance GB holds I 8 + WA 3 + WB 3 + B 4 + A 6 = 24 words.
  t.is(stats.capacity.GB, 24)
})

test("R8.2 per instance: a producer writing straight into a holder shared by overlapping instances is declined (undefined by the document)", (t) => {
  const shared = spatialConv
    .replace("levels: [{name: DRAM, fanout: 4}, {name: GB}]", "levels: [{name: DRAM}, {name: GB, fanout: 4}]")
    .replace("    - {type: spatial, rank: pb, tile_shape: 4}\n", "    - {type: storage, level: GB, tensors: [A]}\n    - {type: spatial, rank: pb, tile_shape: 4}\n")
    .replace("level: GB, tensors: [I, WA, WB, B, A]", "level: GB#2, tensors: [I, WA, WB, B]")
  const error = t.throws(() => evaluate(load(shared)))
  t.regex(error!.message, /mapping\.nodes\[4\].*convA writes A straight into a holder shared/)
})

test("R6.2: spatial instances that split an inferred set unevenly (one has more inner iterations) reduce per leaf step", (t) => {
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E1, ranks: {M1: 2, P1: 3}, inputs: {I: [P1], W1: [M1]}, output: {F1: [M1, P1]}}
    - {name: E2, ranks: {C2: 2, P2: 2}, inputs: {F1: [C2, "2*P2"]}, output: {F2: [P2]}}
    - {name: E3, ranks: {P3: 2}, inputs: {F2: [P3], F1: [0, P3]}, output: {F3: [P3]}}
architecture:
  levels: [{name: DRAM, fanout: 3}, {name: LocalBuffer}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, W1, F1, F3]}
    - {type: temporal, rank: P3, tile_shape: 1}
    - {type: storage, level: LocalBuffer, tensors: [F2]}
    - type: sequential
      branches:
        - [{type: spatial, rank: P1, tile_shape: 1}, {type: temporal, rank: M1, tile_shape: 1}, {type: compute, einsum: E1, level: MAC}]
        - [{type: compute, einsum: E2, level: MAC}]
        - [{type: compute, einsum: E3, level: MAC}]
`)
  )
  // p3 = 0: E3 needs F1[0, 0] and E2 F1[0..1, 0]; p3 = 1: F1[0, 1] and F1[0..1, 2] (F1[., 0] is in DRAM, R4.9).
  // At p3 = 1 instance P1 = 1 has one M1 tile and P1 = 2 two: leaf steps m = 0 update F1[0, 1], F1[0, 2]
  // and m = 1 F1[1, 2]. Writes 1 + 1 + 2 + 1 = 5, each element's only update (no read).
  t.is(stats.ops.E1, 5)
  t.deepEqual(rows(stats)["DRAM F1 E1"], [5, 5, 0, 5])
  // I[p] is read once per leaf step per distinct element: 1 + 1 + 2 + 1.
  t.is(key(stats, "DRAM I E1").reads, 5)
})
