/**
 * Random workloads: chains and small DAGs of 1-4 Einsums over feature maps
 * with one or two spatial dimensions: matmul (pointwise), conv1d / conv2d
 * with stride and dilation, depthwise, and a residual skip (an intermediate
 * read by two consumers, joined by an elementwise product). Shapes are kept
 * small (tens of elements, at most a few thousand MACs) so the literal
 * simulator runs a case in milliseconds.
 */
import type { NativeEinsum } from "../spec/native-schema.ts"
import type { Choices } from "./choices.ts"

export type EinsumKind = "matmul" | "conv" | "depthwise" | "join"

export interface WorkloadPlan {
  readonly einsums: ReadonlyArray<NativeEinsum>
  readonly kinds: ReadonlyArray<EinsumKind>
  /** "chain" or "residual" (the output of the first Einsum is read again by the join). */
  readonly shape: "chain" | "residual"
}

interface FeatureMap {
  readonly tensor: string
  readonly channels: number
  /** One or two spatial extents. */
  readonly spatial: ReadonlyArray<number>
}

const spatialRanks = ["P", "Q"] as const
const windowRanks = ["R", "S"] as const

/** `s*P + d*R` with unit coefficients left out. */
const windowIndex = (stride: number, p: string, dilation: number, r: string): string =>
  `${stride === 1 ? p : `${stride}*${p}`} + ${dilation === 1 ? r : `${dilation}*${r}`}`

/** A sliding window over an extent: output extent, window, stride, dilation. */
const chooseWindow = (c: Choices, extent: number): { out: number; window: number; stride: number; dilation: number } => {
  for (let attempt = 0; attempt < 4; attempt++) {
    const window = c.int(1, 3)
    const stride = c.chance(30) ? 2 : 1
    const dilation = c.chance(25) ? 2 : 1
    const out = Math.floor((extent - 1 - dilation * (window - 1)) / stride) + 1
    if (out >= 2) return { out, window, stride, dilation }
  }
  return { out: extent, window: 1, stride: 1, dilation: 1 }
}

const layer = (c: Choices, i: number, input: FeatureMap, kind: EinsumKind): { einsum: NativeEinsum; output: FeatureMap } => {
  const dims = input.spatial.length
  const name = `E${i}`
  const out = `F${i}`
  const weight = `W${i}`
  const rank = (letter: string) => `${letter}${i}`
  const ranks: Record<string, number> = {}
  const spatialOut: number[] = []
  const inputIndex: string[] = []
  const weightWindow: string[] = []
  if (kind === "matmul") {
    const m = c.int(1, 3)
    ranks[rank("M")] = m
    ranks[rank("C")] = input.channels
    input.spatial.forEach((extent, d) => {
      ranks[rank(spatialRanks[d]!)] = extent
      spatialOut.push(extent)
      inputIndex.push(rank(spatialRanks[d]!))
    })
    return {
      einsum: {
        name,
        ranks,
        inputs: { [input.tensor]: [rank("C"), ...inputIndex], [weight]: [rank("C"), rank("M")] },
        output: { [out]: [rank("M"), ...input.spatial.map((_, d) => rank(spatialRanks[d]!))] }
      },
      output: { tensor: out, channels: m, spatial: spatialOut }
    }
  }
  const depthwise = kind === "depthwise"
  const m = depthwise ? input.channels : c.int(1, dims === 2 ? 2 : 3)
  if (!depthwise) ranks[rank("M")] = m
  ranks[rank("C")] = input.channels
  input.spatial.forEach((extent, d) => {
    const w = chooseWindow(c, extent)
    const p = rank(spatialRanks[d]!)
    const r = rank(windowRanks[d]!)
    ranks[p] = w.out
    ranks[r] = w.window
    spatialOut.push(w.out)
    inputIndex.push(windowIndex(w.stride, p, w.dilation, r))
    weightWindow.push(r)
  })
  const outIndex = input.spatial.map((_, d) => rank(spatialRanks[d]!))
  return {
    einsum: {
      name,
      ranks,
      inputs: {
        [input.tensor]: [rank("C"), ...inputIndex],
        [weight]: depthwise ? [rank("C"), ...weightWindow] : [rank("M"), rank("C"), ...weightWindow]
      },
      output: { [out]: [depthwise ? rank("C") : rank("M"), ...outIndex] }
    },
    output: { tensor: out, channels: m, spatial: spatialOut }
  }
}

/** The elementwise product of two feature maps over their common box. */
const join = (i: number, a: FeatureMap, b: FeatureMap): { einsum: NativeEinsum; output: FeatureMap } => {
  const rank = (letter: string) => `${letter}${i}`
  const channels = Math.min(a.channels, b.channels)
  const spatial = a.spatial.map((extent, d) => Math.min(extent, b.spatial[d]!))
  const ranks: Record<string, number> = { [rank("C")]: channels }
  spatial.forEach((extent, d) => (ranks[rank(spatialRanks[d]!)] = extent))
  const index = [rank("C"), ...spatial.map((_, d) => rank(spatialRanks[d]!))]
  return {
    einsum: { name: `E${i}`, ranks, inputs: { [b.tensor]: index, [a.tensor]: index }, output: { [`F${i}`]: index } },
    output: { tensor: `F${i}`, channels, spatial }
  }
}

export const generateWorkload = (c: Choices): WorkloadPlan => {
  const dims = c.chance(60) ? 1 : 2
  const count = c.int(1, 4)
  const residual = count >= 3 && c.chance(35)
  let current: FeatureMap = {
    tensor: "I",
    channels: c.int(1, dims === 2 ? 2 : 3),
    spatial: dims === 1 ? [c.int(3, 12)] : [c.int(3, 6), c.int(3, 6)]
  }
  const einsums: NativeEinsum[] = []
  const kinds: EinsumKind[] = []
  let skip: FeatureMap | undefined
  for (let i = 1; i <= count; i++) {
    if (residual && i === 3) {
      const joined = join(i, skip!, current)
      einsums.push(joined.einsum)
      kinds.push("join")
      current = joined.output
      continue
    }
    const kind: EinsumKind = c.pick(["matmul", "conv", "conv", "depthwise"] as const)
    const next = layer(c, i, current, kind)
    einsums.push(next.einsum)
    kinds.push(kind)
    current = next.output
    if (i === 1) skip = current
  }
  return { einsums, kinds, shape: residual ? "residual" : "chain" }
}

/** Tensors an Einsum reads and writes, inputs first. */
export const tensorsOf = (einsum: NativeEinsum): string[] => [...Object.keys(einsum.inputs), ...Object.keys(einsum.output)]

export const outputOf = (einsum: NativeEinsum): string => Object.keys(einsum.output)[0]!
