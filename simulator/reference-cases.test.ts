/**
 * The simulator's counts for the pytimeloop fused/unfused cases, the
 * tutorial two-FC and the conv1d retention/recompute cases, derived from
 * its own execution. Where fuselab's positions (docs/semantics.md, design
 * brief) differ from the original LoopTree, the test says so and checks
 * fuselab's number.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import test from "ava"
import { loadSpec } from "../spec/load.ts"
import type { Stats } from "../spec/stats.ts"
import { runSimulation } from "./simulate.ts"

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
const shared = join(repoRoot, "..", "shared")
const fixtures = join(shared, "fixtures")
const refcase = (name: string): any => JSON.parse(readFileSync(join(shared, "reference", "refcases", `${name}.json`), "utf8"))

const testsBindings = { 0: "MainMemory", 1: "GlobalBuffer", 2: "GlobalBuffer", 3: "GlobalBuffer", 4: "MACC" }
const unfusedBindings = { 0: "MainMemory", 1: "GlobalBuffer", 2: "GlobalBuffer", 3: "MACC" }
const tutorialBindings = { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" }

/** LoopTree level ids -> our logical level names for the pytimeloop tests. */
const levelName = (id: string, bindings: Record<number, string>): string => {
  const component = bindings[Number(id)]!
  const copy = Object.keys(bindings).filter((k) => Number(k) <= Number(id) && bindings[Number(k)] === component).length
  return copy === 1 ? component : `${component}#${copy}`
}

const byKey = (stats: Stats, field: "reads" | "writes"): Record<string, number> =>
  Object.fromEntries(stats.accesses.map((a) => [`${a.level}|${a.tensor}|${a.einsum}`, a[field]]))

const expected = (values: Record<string, number>, bindings: Record<number, string>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(values).map(([key, n]) => {
      const [id, tensor, einsum] = key.split("|")
      return [`${levelName(id!, bindings)}|${tensor}|${einsum}`, n]
    })
  )

const cascaded = (mapping: string, bindings: Record<number, string>) =>
  loadSpec(
    [join(fixtures, "looptree-tests", "three_level.arch.yaml"), join(fixtures, "looptree-tests", "cascaded_mm.workload.yaml"), join(fixtures, "looptree-tests", mapping)],
    { looptree: { bindings } }
  )

test("pytimeloop fused cascaded_mm: every per-key read and write, ops and DRAM capacity equal the reference", async (t) => {
  const spec = await cascaded("looptree-test-fused.yaml", testsBindings)
  const { stats } = runSimulation(spec, {})
  const ref = refcase("looptree-timeloop_python-test-cascaded_mm-fused").expected_from_source
  const reads = byKey(stats, "reads")
  const writes = byKey(stats, "writes")
  const wantReads = expected(ref.reads_per_level_tensor_einsum.values, testsBindings)
  const wantWrites = expected(ref.writes_per_level_tensor_einsum.values, testsBindings)
  t.deepEqual(reads, wantReads)
  // The reference dict lists only non-zero writes.
  t.deepEqual(Object.fromEntries(Object.entries(writes).filter(([, n]) => n !== 0)), wantWrites)
  t.deepEqual(stats.ops, { Fc1: 72, Fc2: 288 })
  t.is(stats.capacity.MainMemory, 130)
  // Per physical instance (R9.1): 50 + 4 + 8 partitions of #3 under M2 (the original: {1: 50, 2: 4, 3: 1} per level id, Q2).
  t.is(stats.capacity.GlobalBuffer, 62)
  // One physical entry of Fmap2[:, p2], counted under Fc1 which touches it first (7.1); the original counts 36 for Fc2 too.
  t.is(stats.accesses.find((a) => a.level === "GlobalBuffer#2" && a.tensor === "Fmap2" && a.einsum === "Fc2")!.fills, 0)
  t.is(stats.accesses.find((a) => a.level === "GlobalBuffer#2" && a.tensor === "Fmap2" && a.einsum === "Fc1")!.fills, 36)
  const total = (level: string, field: "reads" | "writes") => stats.accesses.filter((a) => a.level.split("#")[0] === level).reduce((n, a) => n + a[field], 0)
  t.is(total("MainMemory", "reads"), 58)
  t.is(total("MainMemory", "writes"), 72)
  t.is(total("GlobalBuffer", "reads"), 1026)
  t.is(total("GlobalBuffer", "writes"), 778)
  // Energies: the test's 118784 + 147456 (MainMemory), 124842.654 + 89549.356 (GlobalBuffer), 304.2 (MACC).
  t.is(stats.energy.byLevel.MainMemory, 266240)
  t.true(Math.abs(stats.energy.byLevel.GlobalBuffer! - 214392.01) < 0.05)
  t.true(Math.abs(stats.energy.byLevel.MACC! - 304.2) < 0.05)
  // Latency is what the simulated machine does, so at least the 54 compute steps.
  t.true(stats.latency >= 54)
  // With countFirstOutputRead the first updates of Fmap3 and Fmap2 read too (docs/semantics.md 7.2).
  const first = runSimulation(spec, { countFirstOutputRead: true }).stats
  const firstTotal = (level: string, field: "reads" | "writes") => first.accesses.filter((a) => a.level.split("#")[0] === level).reduce((n, a) => n + a[field], 0)
  t.deepEqual([firstTotal("MainMemory", "reads"), firstTotal("MainMemory", "writes"), firstTotal("GlobalBuffer", "reads"), firstTotal("GlobalBuffer", "writes")], [130, 72, 1134, 850])
})

test("pytimeloop unfused cascaded_mm: reference numbers, except where fuselab's multicast and reduction positions differ", async (t) => {
  const spec = await cascaded("looptree-test-unfused.yaml", unfusedBindings)
  const { stats } = runSimulation(spec, {})
  const ref = refcase("looptree-timeloop_python-test-cascaded_mm-unfused").expected_from_source
  const wantReads = expected(ref.reads_per_level_tensor_einsum.values, unfusedBindings)
  const wantWrites = expected(ref.writes_per_level_tensor_einsum.values, unfusedBindings)
  // Differences by position (design brief, "Multicast / reduction" and "Outputs"):
  // - Fmap1 at GlobalBuffer is read once per (p1, c1) and multicast over the spatial M1 loop to the
  //   compute units: 18 reads, not the original's 72 (its spatial-target rule only multicasts over
  //   loops with no storage below them).
  wantReads["GlobalBuffer|Fmap1|Fc1"] = 18
  // - Fmap3's partial sums from the 4 C2 units reduce into one update per (m2, p2) (72 writes, not
  //   288), and each unit's first update of an element starts at zero (0 reads, not 288 - 72).
  wantReads["GlobalBuffer|Fmap3|Fc2"] = 0
  wantWrites["GlobalBuffer|Fmap3|Fc2"] = 72
  t.deepEqual(byKey(stats, "reads"), wantReads)
  t.deepEqual(Object.fromEntries(Object.entries(byKey(stats, "writes")).filter(([, n]) => n !== 0)), wantWrites)
  t.deepEqual(stats.ops, { Fc1: 72, Fc2: 288 })
  t.is(stats.capacity.MainMemory, 166)
  t.is(stats.capacity.GlobalBuffer, 72)
})

const tutorial = (mapping: string) =>
  loadSpec(
    [join(fixtures, "looptree-tutorial", "architecture.yaml"), join(fixtures, "looptree-tutorial", "two_fc.workload.yaml"), join(fixtures, "looptree-tutorial", mapping)],
    { looptree: { bindings: tutorialBindings } }
  )

const dram = (stats: Stats) => {
  const at = stats.accesses.filter((a) => a.level === "MainMemory")
  return { reads: at.reduce((n, a) => n + a.reads, 0), writes: at.reduce((n, a) => n + a.writes, 0) }
}

test("tutorial two-FC: DRAM words with and without the first output read, MACs, latency bound", async (t) => {
  const fused = await tutorial("fused.mapping.yaml")
  const layered = await tutorial("layer-by-layer.mapping.yaml")
  const fusedStats = runSimulation(fused, {}).stats
  t.deepEqual(dram(fusedStats), { reads: 16384, writes: 8192 })
  t.deepEqual(fusedStats.ops, { Fc1: 524288, Fc2: 524288 })
  t.true(fusedStats.latency >= 1048576)
  t.deepEqual(dram(runSimulation(fused, { countFirstOutputRead: true }).stats), { reads: 24576, writes: 8192 })
  const layeredStats = runSimulation(layered, {}).stats
  t.deepEqual(dram(layeredStats), { reads: 24576, writes: 16384 })
  t.deepEqual(dram(runSimulation(layered, { countFirstOutputRead: true }).stats), { reads: 40960, writes: 16384 })
  const gb = (stats: Stats) => {
    const at = stats.accesses.filter((a) => a.level === "GlobalBuffer")
    return { reads: at.reduce((n, a) => n + a.reads, 0), writes: at.reduce((n, a) => n + a.writes, 0) }
  }
  t.deepEqual(gb(layeredStats), { reads: 3129344, writes: 1073152 })
  t.deepEqual(gb(fusedStats), { reads: 3129344, writes: 1064960 })
  t.deepEqual(layeredStats.capacity, { MainMemory: 32768, GlobalBuffer: 4224 })
  t.deepEqual(fusedStats.capacity, { MainMemory: 24576, GlobalBuffer: 8384 })
})

const conv1d = (extra: string, loops: string) => `
workload:
  einsums:
  - {name: convA, ranks: {pa: 18, ra: 3}, inputs: {I: [pa + ra], WA: [ra]}, output: {A: [pa]}}
  - {name: convB, ranks: {pb: 16, rb: 3}, inputs: {A: [pb + rb], WB: [rb]}, output: {B: [pb]}}
architecture:
  levels:
  - {name: DRAM, bandwidth: 4, latency: 10, read_energy: 64, write_energy: 64}
  - {name: Buffer, capacity: 64, bandwidth: 2, read_energy: 1, write_energy: 1}
  compute: {name: MAC, ops_per_cycle: 1, energy_per_op: 0.2}
mapping:
  nodes:
  - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
${loops}
  - {type: storage, level: Buffer, tensors: [I, WA, WB, B]}
  - {type: storage, level: Buffer#2, tensors: [A]${extra}}
  - type: sequential
    branches:
    - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: ra, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
    - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: rb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`

export const conv1dSpec = async (extra: string, loops: string) => {
  const { specFromSources } = await import("../spec/load.ts")
  const { Either } = await import("effect")
  const loaded = specFromSources([{ file: "conv1d.yaml", text: conv1d(extra, loops) }])
  if (Either.isLeft(loaded)) throw loaded.left
  return loaded.right
}

test("conv1d -> conv1d: the halo below one pb loop is retained (convA 54 ops, A filled 18 times)", async (t) => {
  const { stats } = runSimulation(await conv1dSpec("", "  - {type: temporal, rank: pb, tile_shape: 4}"), {})
  t.deepEqual(stats.ops, { convA: 54, convB: 48 })
  // docs/semantics.md 7.4 (equal to the derived refcase).
  const want: Record<string, [number, number]> = {
    "DRAM|I|convA": [20, 0],
    "DRAM|WA|convA": [3, 0],
    "DRAM|WB|convB": [3, 0],
    "DRAM|B|convB": [0, 16],
    "Buffer|I|convA": [54, 20],
    "Buffer|WA|convA": [54, 3],
    "Buffer#2|A|convA": [36, 54],
    "Buffer#2|A|convB": [48, 0],
    "Buffer|WB|convB": [48, 3],
    "Buffer|B|convB": [32, 48]
  }
  t.deepEqual(Object.fromEntries(stats.accesses.map((a) => [`${a.level}|${a.tensor}|${a.einsum}`, [a.reads, a.writes]])), want)
  // A enters once per element, under convA (the producer computes it in that step, 7.1).
  t.is(stats.accesses.find((a) => a.level === "Buffer#2" && a.tensor === "A" && a.einsum === "convA")!.fills, 18)
  t.deepEqual(stats.capacity, { DRAM: 42, Buffer: 24 })
})

test("conv1d -> conv1d: exploits_reuse false recomputes every halo (convA 72 ops)", async (t) => {
  const { stats } = runSimulation(await conv1dSpec(", exploits_reuse: false", "  - {type: temporal, rank: pb, tile_shape: 4}"), {})
  t.deepEqual(stats.ops, { convA: 72, convB: 48 })
  // Each recomputation starts from zero, so its first update is not read: 72 - 24 = 48 (the original subtracts one volume, 54).
  t.is(stats.accesses.find((a) => a.level === "Buffer#2" && a.tensor === "A" && a.einsum === "convA")!.reads, 48)
})

test("conv1d -> conv1d: pb/8 then pb/4 keeps the halo across the outer boundary (fuselab 54; the original LoopTree recomputes, 60)", async (t) => {
  const { stats } = runSimulation(await conv1dSpec("", "  - {type: temporal, rank: pb, tile_shape: 8}\n  - {type: temporal, rank: pb, tile_shape: 4}"), {})
  t.deepEqual(stats.ops, { convA: 54, convB: 48 })
})

const conv2d = (mapping: string) => `
workload:
  einsums:
  - {name: convA, ranks: {pa: 8, qa: 8, ra: 3, sa: 3}, inputs: {I: [pa + ra, qa + sa], WA: [ra, sa]}, output: {A: [pa, qa]}}
  - {name: convB, ranks: {pb: 6, qb: 6, rb: 3, sb: 3}, inputs: {A: [pb + rb, qb + sb], WB: [rb, sb]}, output: {B: [pb, qb]}}
architecture:
  levels:
  - {name: DRAM, bandwidth: 4, latency: 10, read_energy: 64, write_energy: 64}
  - {name: GB, capacity: 256, bandwidth: 4, read_energy: 1, write_energy: 1}
  compute: {name: MAC}
mapping:
  nodes:
${mapping}
  - type: sequential
    branches:
    - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: qa, tile_shape: 1}, {type: temporal, rank: ra, tile_shape: 1}, {type: temporal, rank: sa, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
    - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: qb, tile_shape: 1}, {type: temporal, rank: rb, tile_shape: 1}, {type: temporal, rank: sb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`

const load2d = async (mapping: string) => {
  const { specFromSources } = await import("../spec/load.ts")
  const { Either } = await import("effect")
  const loaded = specFromSources([{ file: "conv2d.yaml", text: conv2d(mapping) }])
  if (Either.isLeft(loaded)) throw loaded.left
  return loaded.right
}

const key = (stats: Stats, k: string) => stats.accesses.find((a) => `${a.level}|${a.tensor}|${a.einsum}` === k)

test("2-D pair (docs/semantics.md 8.3): recompute the vertical halo, retain it in a line buffer, or refetch it from DRAM", async (t) => {
  const recompute = runSimulation(
    await load2d(`  - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
  - {type: temporal, rank: pb, tile_shape: 2}
  - {type: temporal, rank: qb, tile_shape: 2}
  - {type: storage, level: GB, tensors: [I, WA, WB, B, A]}`),
    {}
  ).stats
  t.deepEqual(recompute.ops, { convA: 864, convB: 324 })
  t.deepEqual([key(recompute, "GB|A|convA")!.reads, key(recompute, "GB|A|convA")!.writes], [768, 864])
  const line = runSimulation(
    await load2d(`  - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
  - {type: temporal, rank: pb, tile_shape: 2}
  - {type: storage, level: GB, tensors: [A]}
  - {type: temporal, rank: qb, tile_shape: 2}
  - {type: storage, level: GB, tensors: [I, WA, WB, B]}`),
    {}
  ).stats
  t.deepEqual(line.ops, { convA: 576, convB: 324 })
  t.deepEqual([key(line, "GB|A|convA")!.reads, key(line, "GB|A|convA")!.writes], [512, 576])
  const refetch = runSimulation(
    await load2d(`  - {type: storage, level: DRAM, tensors: [I, WA, WB, B, A]}
  - {type: temporal, rank: pb, tile_shape: 2}
  - {type: temporal, rank: qb, tile_shape: 2}
  - {type: storage, level: GB, tensors: [I, WA, WB, B, A]}`),
    {}
  ).stats
  t.deepEqual(refetch.ops, { convA: 576, convB: 324 })
  t.is(key(refetch, "DRAM|A|convA")!.writes, 64)
  t.is(key(refetch, "DRAM|A|convB")!.reads, 32)
})

const historical = (branch: "sequential" | "pipeline") => `
workload:
  einsums:
  - {name: Fc1, ranks: {P1: 9, M1: 4, C1: 2}, inputs: {Fmap1: [C1, P1], Filter1: [C1, M1]}, output: {Fmap2: [M1, P1]}}
  - {name: Fc2, ranks: {P2: 9, M2: 8, C2: 4}, inputs: {Fmap2: [C2, P2], Filter2: [C2, M2]}, output: {Fmap3: [M2, P2]}}
architecture:
  levels:
  - {name: MainMemory}
  - {name: GlobalBuffer, fanout: 8}
  compute: {name: MACC, ops_per_cycle: 3}
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

test("historical pytimeloop latency: a pipeline of two balanced stages over 3 steps takes (3 + 2 - 1) x 4 = 16 cycles, sequential 24", async (t) => {
  const { specFromSources } = await import("../spec/load.ts")
  const { Either } = await import("effect")
  const run = (branch: "sequential" | "pipeline") => {
    const loaded = specFromSources([{ file: `${branch}.yaml`, text: historical(branch) }])
    if (Either.isLeft(loaded)) throw loaded.left
    return runSimulation(loaded.right, {}).stats
  }
  // Unlimited bandwidth and no access latency: only the compute steps (3 ops per leaf tile, 3 ops per cycle) take time.
  const sequential = run("sequential")
  const pipeline = run("pipeline")
  t.is(sequential.latency, 24)
  t.is(pipeline.latency, 16)
  // R9.2: two iterations in flight, so the nodes between the P2 loop and the pipeline reserve two tiles:
  // 8 + 32 + (6 + 24 + 12) sequential, 8 + 32 + 2 x (6 + 24 + 12) pipelined (Fmap2's node: 24 words, not 12).
  t.is(sequential.capacity.GlobalBuffer, 82)
  t.is(pipeline.capacity.GlobalBuffer, 124)
})
