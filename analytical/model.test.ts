/**
 * Retention versus recomputation, halos, multicast and multi-loop reuse on
 * in-memory native specs, with numbers derived by hand in the comments; and
 * a property: counting by iteration classes gives exactly what visiting
 * every iteration gives.
 */
import test from "ava"
import { Either } from "effect"
import fc from "fast-check"
import { specFromSources } from "../spec/load.ts"
import type { Spec } from "../spec/spec.ts"
import type { Stats } from "../spec/stats.ts"
import { evaluate } from "./mod.ts"

const load = (text: string): Spec => {
  const spec = specFromSources([{ file: "x.yaml", text }])
  if (Either.isLeft(spec)) throw new Error(spec.left.message)
  return spec.right
}

const conv1d = (loops: string, aNode: string) => `
workload:
  einsums:
    - {name: convA, ranks: {pa: 18, ra: 3}, inputs: {I: ["pa + ra"], WA: [ra]}, output: {A: [pa]}}
    - {name: convB, ranks: {pb: 16, rb: 3}, inputs: {A: ["pb + rb"], WB: [rb]}, output: {B: [pb]}}
architecture:
  levels: [{name: DRAM, read_energy: 2048, write_energy: 2048}, {name: Buffer, capacity: 1000}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
${loops}
    - {type: storage, level: Buffer, tensors: [I, WA, WB, B]}
    - ${aNode}
    - type: sequential
      branches:
        - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: ra, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
        - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: rb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`
const tile4 = "    - {type: temporal, rank: pb, tile_shape: 4}"
const keyed = (stats: Stats, field: "reads" | "writes") => Object.fromEntries(stats.accesses.map((a) => [`${a.level}|${a.tensor}|${a.einsum}`, a[field]]))

test("conv1d->conv1d, A below one pb/4 loop: the halo is retained, convA 54 ops (looptree-derived refcase)", (t) => {
  const stats = evaluate(load(conv1d(tile4, "{type: storage, level: Buffer, tensors: [A]}")))
  // convB tile k needs A[4k .. 4k+5]; A[4k .. 4k+1] is held from tile k-1: rows 0-5, 6-9, 10-13, 14-17 = 18 rows x 3 taps.
  t.deepEqual(stats.ops, { convA: 54, convB: 48 })
  // The refcase's per-key table (LoopTree HEAD semantics) agrees key by key here.
  t.deepEqual(keyed(stats, "reads"), {
    "DRAM|B|convB": 0, "DRAM|I|convA": 20, "DRAM|WA|convA": 3, "DRAM|WB|convB": 3,
    "Buffer|A|convA": 36, "Buffer|A|convB": 48, "Buffer|B|convB": 32, "Buffer|I|convA": 54, "Buffer|WA|convA": 54, "Buffer|WB|convB": 48
  })
  t.deepEqual(keyed(stats, "writes"), {
    "DRAM|B|convB": 16, "DRAM|I|convA": 0, "DRAM|WA|convA": 0, "DRAM|WB|convB": 0,
    "Buffer|A|convA": 54, "Buffer|A|convB": 0, "Buffer|B|convB": 48, "Buffer|I|convA": 20, "Buffer|WA|convA": 3, "Buffer|WB|convB": 3
  })
  t.deepEqual(stats.capacity, { DRAM: 42, Buffer: 24 })
})

test("conv1d->conv1d with exploits_reuse: false recomputes every halo: convA 72 ops", (t) => {
  const stats = evaluate(load(conv1d(tile4, "{type: storage, level: Buffer, tensors: [A], exploits_reuse: false}")))
  // Rows 0-5, 4-9, 8-13, 12-17: 24 rows x 3.
  t.deepEqual(stats.ops, { convA: 72, convB: 48 })
  // 8.2: each of the 24 row computations starts from zero (R6.2, R8.1): 72 - 24 = 48 (LoopTree: 72 - 18 = 54, Q10).
  t.is(keyed(stats, "reads")["Buffer|A|convA"], 48)
  t.is(keyed(stats, "reads")["Buffer|I|convA"], 72)
})

test("conv1d->conv1d under pb/8 then pb/4: 54 ops by our residency rule (LoopTree: 60, Q: tile inference across an outer boundary)", (t) => {
  const stats = evaluate(load(conv1d(`    - {type: temporal, rank: pb, tile_shape: 8}\n${tile4}`, "{type: storage, level: Buffer, tensors: [A]}")))
  // LoopTree recomputes A[8..9] at tile (1,0) because the inner index restarts (60 ops). The buffer still
  // holds A[4..9] from step (0,1), the step just before, so by the residency rule (brief: Recomputation)
  // nothing is recomputed: rows 0-5, 6-9, 10-13, 14-17 again.
  t.deepEqual(stats.ops, { convA: 54, convB: 48 })
})

const conv2d = (lineBuffer: boolean) => `
workload:
  einsums:
    - {name: convA, ranks: {pa: 10, qa: 10, ra: 3, sa: 3}, inputs: {I: ["pa + ra", "qa + sa"], WA: [ra, sa]}, output: {A: [pa, qa]}}
    - {name: convB, ranks: {pb: 8, qb: 8, rb: 3, sb: 3}, inputs: {A: ["pb + rb", "qb + sb"], WB: [rb, sb]}, output: {B: [pb, qb]}}
architecture:
  levels: [{name: DRAM, read_energy: 2048, write_energy: 2048}, {name: Buffer, capacity: 1000}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, WA, WB, B]}
    - {type: temporal, rank: pb, tile_shape: 4}
${lineBuffer ? "    - {type: storage, level: Buffer, tensors: [A]}\n" : ""}    - {type: temporal, rank: qb, tile_shape: 4}
    - {type: storage, level: Buffer, tensors: [I, WA, WB, B]}
    - {type: storage, level: ${lineBuffer ? "Buffer#2" : "Buffer"}, tensors: [A]}
    - type: sequential
      branches:
        - [{type: temporal, rank: pa, tile_shape: 1}, {type: temporal, rank: qa, tile_shape: 1}, {type: compute, einsum: convA, level: MAC}]
        - [{type: temporal, rank: pb, tile_shape: 1}, {type: temporal, rank: qb, tile_shape: 1}, {type: compute, einsum: convB, level: MAC}]
`

test("2-D halo: tiles over P then Q with A stored below both recompute the vertical halo", (t) => {
  const stats = evaluate(load(conv2d(false)))
  // convB tile (p, q) needs A rows 4p..4p+5, cols 4q..4q+5 (36 elements). Held from the step before:
  //   (0,0): nothing                          -> 36 computed
  //   (0,1): prev (0,0), cols 4-5 overlap     -> 36 - 12 = 24
  //   (1,0): prev (0,1) = rows 0-5, cols 4-9; overlap rows 4-5 x cols 4-5 -> 36 - 4 = 32
  //   (1,1): prev (1,0), cols 4-5 overlap     -> 24
  // 116 elements of A computed (100 distinct: rows 4-5 x cols 0-3 and 6-9 twice), 9 MACs each.
  t.is(stats.ops.convA, 116 * 9)
  t.is(stats.ops.convB, 64 * 9)
})

test("2-D halo: a line buffer above the Q loop keeps the vertical halo, nothing is recomputed", (t) => {
  const stats = evaluate(load(conv2d(true)))
  // The line buffer holds rows 4p..4p+5 x all 10 cols for row p of tiles; at p = 1 rows 4-5 are held:
  //   (0,0) 36, (0,1) 24, (1,0) 36 - 12 (rows 4-5 x cols 0-5) = 24, (1,1) 36 - 20 (rows 4-5 or cols 4-5) = 16.
  t.is(stats.ops.convA, 100 * 9)
  t.is(stats.ops.convB, 64 * 9)
})

test("C++ multicast unit case: parent reads are the union over instances (40)", (t) => {
  // fill [t, x, y] -> D[x + k, y], k < 2, over t < 4, x < 4, y < 2, refetched every t: 4 x (5 x 2) = 40.
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E, ranks: {t: 4, x: 4, y: 2, k: 2}, inputs: {D: ["x + k", y]}, output: {O: [t, x, y]}}
architecture:
  levels: [{name: DRAM, fanout: {x: 4, y: 2}}, {name: Buffer}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [D, O]}
    - {type: temporal, rank: t, tile_shape: 1}
    - {type: spatial, rank: x, tile_shape: 1}
    - {type: spatial, rank: y, tile_shape: 1, dim: y}
    - {type: storage, level: Buffer, tensors: [D], exploits_reuse: false}
    - {type: compute, einsum: E, level: MAC}
`)
  )
  const d = stats.accesses.find((a) => a.level === "DRAM" && a.tensor === "D")!
  t.is(d.reads, 40)
  t.is(stats.accesses.find((a) => a.level === "Buffer" && a.tensor === "D")!.fills, 4 * 8 * 2)
})

test("C++ multi-loop temporal reuse unit case: overlap across an outer loop boundary is credited (12)", (t) => {
  // occupancy [t1, x, t0] -> D[t0 + k], k < 3: fills per x: {0,1,2}, {3}, {0}, {3} = 6; two instances: 12.
  const stats = evaluate(
    load(`
workload:
  einsums:
    - {name: E, ranks: {t1: 2, x: 2, t0: 2, k: 3}, inputs: {D: ["t0 + k"]}, output: {O: [t1, x, t0]}}
architecture:
  levels: [{name: DRAM, fanout: 2}, {name: Buffer}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [D, O]}
    - {type: temporal, rank: t1, tile_shape: 1}
    - {type: spatial, rank: x, tile_shape: 1}
    - {type: temporal, rank: t0, tile_shape: 1}
    - {type: storage, level: Buffer, tensors: [D]}
    - {type: compute, einsum: E, level: MAC}
`)
  )
  t.is(stats.accesses.find((a) => a.level === "Buffer" && a.tensor === "D")!.fills, 12)
})

test("a projection the model cannot image exactly is an error naming the node", (t) => {
  const spec = load(`
workload:
  einsums:
    - {name: E, ranks: {p: 4, r: 3}, inputs: {I: ["p + 8*r"]}, output: {O: [p]}}
architecture:
  levels: [{name: DRAM}, {name: Buffer}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, O]}
    - {type: temporal, rank: p, tile_shape: 2}
    - {type: storage, level: Buffer, tensors: [I]}
    - {type: compute, einsum: E, level: MAC}
`)
  const error = t.throws(() => evaluate(spec))
  t.regex(error!.message, /mapping\.nodes\[\d\].*cannot evaluate this exactly/)
})

// ------------------------------------------------------------ classes = brute force

const chain = (sizes: { p: number; kernels: number[]; tiles: number[]; inner: number[]; spatial: number[]; reuse: boolean[]; weightsInside: boolean; branch?: "sequential" | "pipeline"; outerSpatial?: number }) => {
  const n = sizes.kernels.length
  const bounds: number[] = new Array(n)
  bounds[n - 1] = sizes.p
  for (let i = n - 2; i >= 0; i--) bounds[i] = bounds[i + 1]! + sizes.kernels[i + 1]! - 1
  const einsums = sizes.kernels.map((k, i) => {
    const input = i === 0 ? "X" : `T${i - 1}`
    const output = i === n - 1 ? "Y" : `T${i}`
    return `    - {name: C${i}, ranks: {p${i}: ${bounds[i]}, r${i}: ${k}}, inputs: {${input}: ["p${i} + r${i}"], W${i}: [r${i}]}, output: {${output}: [p${i}]}}`
  })
  const weights = sizes.kernels.map((_, i) => `W${i}`)
  const loops = sizes.tiles.map((s) => `    - {type: temporal, rank: p${n - 1}, tile_shape: ${s}}`)
  // A spatial loop above the branch (R8.2 per instance); kept out of pipelines (their window per instance is refused).
  if ((sizes.outerSpatial ?? 0) > 0 && sizes.branch !== "pipeline") loops.push(`    - {type: spatial, rank: p${n - 1}, tile_shape: ${sizes.outerSpatial}}`)
  const intermediates = sizes.kernels.slice(0, -1).map((_, i) => `    - {type: storage, level: Buffer, tensors: [T${i}]${sizes.reuse[i] ? "" : ", exploits_reuse: false"}}`)
  const branches = sizes.kernels.map(
    (_, i) =>
      `        - [${sizes.weightsInside ? `{type: storage, level: Buffer#2, tensors: [W${i}]}, ` : ""}${sizes.spatial[i]! > 0 ? `{type: spatial, rank: p${i}, tile_shape: ${sizes.spatial[i]}}, {type: storage, level: RF, tensors: [W${i}]}, ` : ""}{type: temporal, rank: p${i}, tile_shape: ${sizes.inner[i]}}, {type: temporal, rank: r${i}, tile_shape: 1}, {type: compute, einsum: C${i}, level: MAC}]`
  )
  return `
workload:
  einsums:
${einsums.join("\n")}
architecture:
  levels: [{name: DRAM, fanout: 64}, {name: Buffer, fanout: 64}, {name: RF}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [X, Y, ${weights.join(", ")}]}
${loops.join("\n")}
    - {type: storage, level: Buffer, tensors: [X, Y${sizes.weightsInside ? "" : `, ${weights.join(", ")}`}]}
${intermediates.join("\n")}
    - type: ${sizes.branch ?? "sequential"}
      branches:
${branches.join("\n")}
`
}

test("counting by iteration classes equals visiting every iteration (random conv chains, sequential or pipelined, spatial loops above the branch: R9.2 windows, 10.2, R8.2 per instance)", (t) => {
  fc.assert(
    fc.property(
      fc.record({
        p: fc.integer({ min: 3, max: 20 }),
        kernels: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
        tiles: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 0, maxLength: 2 }),
        inner: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
        spatial: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
        reuse: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        weightsInside: fc.boolean(),
        branch: fc.constantFrom("sequential" as const, "pipeline" as const),
        outerSpatial: fc.integer({ min: 0, max: 6 })
      }),
      (sizes) => {
        sizes.tiles.sort((a, b) => b - a)
        const spec = load(chain(sizes))
        const fast = evaluate(spec)
        const brute = evaluate(spec, { exhaustive: true })
        t.deepEqual(fast, brute, chain(sizes))
        return true
      }
    ),
    // A fixed seed keeps CI deterministic; the one counterexample other seeds find is kept below.
    { numRuns: 80, seed: 1 }
  )
})

// Found by the property above with seed 10: with a spatial loop above a sequential branch, an
// instance's op set at a step depends on what it holds from its previous step, so the classes of
// the loops above the branch must be uniform for the previous step too (refined classes, steps.ts).
test("formerly a known bug: classes agree with every iteration (spatial loop of one tile above a sequential branch, no-reuse intermediate)", (t) => {
  const sizes = { p: 11, kernels: [1, 3, 1], tiles: [7, 5], inner: [1, 1, 1, 1], spatial: [0, 0, 0, 0], reuse: [true, false, false, false], weightsInside: false, branch: "sequential" as const, outerSpatial: 1 }
  const spec = load(chain(sizes))
  t.deepEqual(evaluate(spec), evaluate(spec, { exhaustive: true }))
})

test("a strided read through a backing store reaches back two tiles: F1[2] computed at step 0 is still valued at step 2 (R4.9), 6 ops", (t) => {
  const spec = load(`
workload:
  einsums:
    - {name: E1, ranks: {P1: 6, R1: 1}, inputs: {I: ["P1 + R1"]}, output: {F1: [P1]}}
    - {name: E2, ranks: {P2: 4, R2: 2}, inputs: {F1: ["P2 + 2*R2"]}, output: {F2: [P2]}}
    - {name: E3, ranks: {P3: 4, R3: 1}, inputs: {F2: ["P3 + R3"]}, output: {F3: [P3]}}
architecture:
  levels: [{name: DRAM}, {name: GlobalBuffer}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [I, F1, F3]}
    - {type: storage, level: GlobalBuffer, tensors: [F2]}
    - {type: temporal, rank: P3, tile_shape: 1}
    - type: sequential
      branches:
        - [{type: compute, einsum: E1, level: MAC}]
        - [{type: compute, einsum: E2, level: MAC}]
        - [{type: compute, einsum: E3, level: MAC}]
`)
  // Step p computes F1[p] and F1[p + 2] less what is in DRAM: {0, 2}, {1, 3}, {4}, {5}.
  t.is(evaluate(spec).ops.E1, 6)
  t.deepEqual(evaluate(spec), evaluate(spec, { exhaustive: true }))
})

test("an intermediate element re-enters a DRAM node below loops: a fill attributed to the first Einsum taking it (R4.3, R4.9)", (t) => {
  const spec = load(`
workload:
  einsums:
    - {name: E2, ranks: {P2: 4, R2: 1}, inputs: {F1: ["P2 + R2"]}, output: {F2: [P2]}}
    - {name: E3, ranks: {P3: 4}, inputs: {F2: [P3], F1: [P3]}, output: {F3: [P3]}}
    - {name: E4, ranks: {P4: 3, R4: 2}, inputs: {F3: ["P4 + R4"]}, output: {F4: [P4]}}
architecture:
  levels: [{name: DRAM}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [F1, F4]}
    - {type: temporal, rank: R4, tile_shape: 1}
    - {type: temporal, rank: P4, tile_shape: 1}
    - {type: storage, level: DRAM, tensors: [F2]}
    - type: sequential
      branches:
        - [{type: compute, einsum: E2, level: MAC}]
        - - {type: storage, level: DRAM, tensors: [F3]}
          - type: sequential
            branches:
              - [{type: compute, einsum: E3, level: MAC}]
              - [{type: compute, einsum: E4, level: MAC}]
`)
  // At (1, 0) and (1, 1) E4 needs F3[1], F3[2]: at the outer branch E3 takes F2[1], F2[2] (F3 is held
  // only inside it), which enter the F2 node; F3 is then found in DRAM and nothing is recomputed.
  const stats = evaluate(spec)
  t.deepEqual(stats.ops, { E2: 4, E3: 4, E4: 6 })
  t.is(stats.accesses.find((a) => a.tensor === "F2" && a.einsum === "E3")!.fills, 2)
  t.is(stats.accesses.find((a) => a.tensor === "F2" && a.einsum === "E2")!.fills, 4)
})

test("pipeline hand-off: a stage writes its dirty intermediate back at the end of every iteration it holds it across (R4.7)", (t) => {
  const spec = load(`
workload:
  einsums:
    - {name: E2, ranks: {M2: 2, C2: 1}, inputs: {F1: [C2], W2: [C2, M2]}, output: {F2: [M2]}}
    - {name: E3, ranks: {M3: 1, C3: 2}, inputs: {F2: [C3], W3: [M3, C3]}, output: {F3: [M3]}}
    - {name: E4, ranks: {M4: 1, C4: 1}, inputs: {F3: [C4], W4: [M4, C4]}, output: {F4: [M4]}}
architecture:
  levels: [{name: DRAM}, {name: RegFile}]
  compute: {name: MAC}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [F1, W2, F2, W3, F3, W4, F4]}
    - type: sequential
      branches:
        - - {type: temporal, rank: C3, tile_shape: 1}
          - type: pipeline
            branches:
              - [{type: compute, einsum: E2, level: MAC}]
              - [{type: storage, level: RegFile, tensors: [F3]}, {type: compute, einsum: E3, level: MAC}]
        - [{type: compute, einsum: E4, level: MAC}]
`)
  // F3[0] stays in the RegFile over both C3 iterations (pipeline storage is kept) and is handed off to
  // DRAM at the end of each: two writes, not one drain.
  const stats = evaluate(spec)
  t.is(stats.accesses.find((a) => a.level === "DRAM" && a.tensor === "F3" && a.einsum === "E3")!.writes, 2)
  t.is(stats.accesses.find((a) => a.level === "RegFile" && a.tensor === "F3" && a.einsum === "E3")!.fills, 1)
})
