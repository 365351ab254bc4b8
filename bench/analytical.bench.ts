/**
 * Evaluations per second of the analytical model on three mappings, and on
 * the same three with rank bounds multiplied by 64 (trip counts grow, so
 * must not the cost: the model counts uniform steps once). The ResNet block
 * scales its rows and columns only, to keep its counts exact (below 2^53).
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import b from "benny"
import { Either } from "effect"
import { evaluate } from "../analytical/mod.ts"
import { loadSpec, specFromSources } from "../spec/load.ts"
import type { Spec } from "../spec/spec.ts"

const here = dirname(fileURLToPath(import.meta.url))
const tutorial = join(here, "..", "..", "shared", "fixtures", "looptree-tutorial")

const native = (text: string): Spec => {
  const spec = specFromSources([{ file: "bench.yaml", text }])
  if (Either.isLeft(spec)) throw new Error(spec.left.message)
  return spec.right
}

/** The tutorial's fused two-FC in the native format, every bound times `k`. */
export const twoFc = (k: number): Spec =>
  native(`
workload:
  einsums:
    - {name: Fc1, ranks: {P1: ${128 * k}, M1: ${64 * k}, C1: ${64 * k}}, inputs: {Fmap1: [C1, P1], Filter1: [C1, M1]}, output: {Fmap2: [M1, P1]}}
    - {name: Fc2, ranks: {P2: ${128 * k}, M2: ${64 * k}, C2: ${64 * k}}, inputs: {Fmap2: [C2, P2], Filter2: [C2, M2]}, output: {Fmap3: [M2, P2]}}
architecture:
  levels: [{name: MainMemory, read_energy: 2048, write_energy: 2048, bandwidth: 32}, {name: GlobalBuffer, capacity: 262144, read_energy: 121.679, write_energy: 115.102, bandwidth: 64}]
  compute: {name: MACC, energy_per_op: 0.845}
mapping:
  nodes:
    - {type: storage, level: MainMemory, tensors: [Filter1, Filter2, Fmap1, Fmap3]}
    - {type: storage, level: GlobalBuffer, tensors: [Filter1, Filter2]}
    - {type: temporal, rank: P2, tile_shape: 1}
    - {type: storage, level: GlobalBuffer, tensors: [Fmap1, Fmap2, Fmap3]}
    - type: sequential
      branches:
        - [{type: temporal, rank: C1, tile_shape: 1}, {type: temporal, rank: M1, tile_shape: 1}, {type: compute, einsum: Fc1, level: MACC}]
        - [{type: temporal, rank: C2, tile_shape: 1}, {type: temporal, rank: M2, tile_shape: 1}, {type: compute, einsum: Fc2, level: MACC}]
`)

/**
 * A ResNet-18 basic block's two 3x3 convolutions (64 channels, 56x56 output)
 * fused over row and column tiles, weights held on chip, a 16x16 PE array
 * over output and input channels. `k` scales the output rows and columns
 * only (the tiles stay the same, so the row and column trip counts grow by
 * k): with every bound times 64 the op counts would pass 2^53 and stop being
 * exact integers, while rows x 64 keeps them below (4.7e11 MACs) and still
 * multiplies the trip counts.
 */
export const resnetBlock = (k: number): Spec => {
  const conv2 = 56 * k
  const conv1 = conv2 + 2
  const conv = (i: 1 | 2, input: string, output: string, size: number) =>
    `    - {name: conv${i}, ranks: {m${i}: 64, c${i}: 64, p${i}: ${size}, q${i}: ${size}, r${i}: 3, s${i}: 3}, inputs: {${input}: [c${i}, "p${i} + r${i}", "q${i} + s${i}"], W${i}: [m${i}, c${i}, r${i}, s${i}]}, output: {${output}: [m${i}, p${i}, q${i}]}}`
  const branch = (i: 1 | 2) =>
    `        - [{type: temporal, rank: c${i}, tile_shape: 16}, {type: spatial, rank: m${i}, tile_shape: 4}, {type: spatial, rank: c${i}, tile_shape: 1, dim: y}, {type: storage, level: RF, tensors: [W${i}]}, {type: temporal, rank: p${i}, tile_shape: 1}, {type: temporal, rank: q${i}, tile_shape: 1}, {type: compute, einsum: conv${i}, level: MAC}]`
  return native(`
workload:
  einsums:
${conv(1, "X", "A", conv1)}
${conv(2, "A", "Y", conv2)}
architecture:
  levels:
    - {name: DRAM, read_energy: 2048, write_energy: 2048, bandwidth: 32}
    - {name: GlobalBuffer, read_energy: 121.679, write_energy: 115.102, bandwidth: 64, fanout: {x: 16, y: 16}}
    - {name: RF, read_energy: 1, write_energy: 1}
  compute: {name: MAC, energy_per_op: 0.845, ops_per_cycle: 9}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [X, W1, W2, Y]}
    - {type: storage, level: GlobalBuffer, tensors: [W1, W2]}
    - {type: temporal, rank: p2, tile_shape: 8}
    - {type: temporal, rank: q2, tile_shape: 28}
    - {type: storage, level: GlobalBuffer, tensors: [X, A, Y]}
    - type: sequential
      branches:
${branch(1)}
${branch(2)}
`)
}

/** Four 1-D convolutions (kernel 3) fused over output tiles of 8: every intermediate keeps its halo. */
export const convChain = (k: number): Spec => {
  const p = 64 * k
  const r = 3 * k
  const bounds = [p + 3 * (r - 1), p + 2 * (r - 1), p + (r - 1), p]
  const names = ["X", "T0", "T1", "T2", "Y"]
  const einsums = bounds.map(
    (bound, i) => `    - {name: C${i}, ranks: {p${i}: ${bound}, r${i}: ${r}}, inputs: {${names[i]}: ["p${i} + r${i}"], W${i}: [r${i}]}, output: {${names[i + 1]}: [p${i}]}}`
  )
  const branches = bounds.map((_, i) => `        - [{type: temporal, rank: p${i}, tile_shape: 1}, {type: temporal, rank: r${i}, tile_shape: 1}, {type: compute, einsum: C${i}, level: MAC}]`)
  return native(`
workload:
  einsums:
${einsums.join("\n")}
architecture:
  levels: [{name: DRAM, read_energy: 2048, write_energy: 2048, bandwidth: 8}, {name: Buffer, read_energy: 10, write_energy: 10}]
  compute: {name: MAC, energy_per_op: 1}
mapping:
  nodes:
    - {type: storage, level: DRAM, tensors: [X, Y, W0, W1, W2, W3]}
    - {type: storage, level: Buffer, tensors: [W0, W1, W2, W3]}
    - {type: temporal, rank: p3, tile_shape: 8}
    - {type: storage, level: Buffer, tensors: [X, T0, T1, T2, Y]}
    - type: sequential
      branches:
${branches.join("\n")}
`)
}

export const analyticalBenchmarks = async (): Promise<Array<{ name: string; value: number; unit: string }>> => {
  const fixture = await loadSpec([join(tutorial, "two_fc.workload.yaml"), join(tutorial, "architecture.yaml"), join(tutorial, "fused.mapping.yaml")], {
    looptree: { bindings: { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" } }
  })
  const cases: Array<[string, Spec]> = [
    ["analytical: fused two-FC (tutorial)", fixture],
    ["analytical: ResNet-18 basic block, fused", resnetBlock(1)],
    ["analytical: 4-conv chain with halos", convChain(1)],
    ["analytical: fused two-FC x64", twoFc(64)],
    ["analytical: ResNet-18 basic block, fused, rows x64", resnetBlock(64)],
    ["analytical: 4-conv chain with halos x64", convChain(64)]
  ]
  // Warm the JIT up first, so that the first case does not pay for it.
  for (const [, spec] of cases) for (const start = performance.now(); performance.now() - start < 300; ) evaluate(spec)
  const summary = await b.suite(
    "analytical model",
    ...cases.map(([name, spec]) => b.add(name, () => evaluate(spec))),
    b.configure({ cases: { maxTime: 1, minSamples: 5 } }),
    b.cycle(),
    b.complete()
  )
  return summary.results.map((r) => ({ name: r.name, value: Math.round(r.ops), unit: "evaluations/s" }))
}
