/**
 * Seeded input data and the direct evaluation of the Einsums the functional
 * check compares against. Values are small non-zero integers, so every sum
 * is exact in a double and a mismatch is a real mismatch.
 */
import type { Program } from "./program.ts"

/** mulberry32: tiny, fast, deterministic. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const palette = [-3, -2, -1, 1, 2, 3]

/** Values for every workload input tensor (index = tensor id; null for produced tensors). */
export const makeInputs = (program: Program, seed: number): Array<Float64Array | null> => {
  const random = seededRandom(seed)
  return program.tensors.map((tensor) => {
    if (tensor.role !== "input") return null
    const values = new Float64Array(tensor.volume)
    for (let i = 0; i < values.length; i++) values[i] = palette[Math.floor(random() * palette.length)]!
    return values
  })
}

/** Evaluate every Einsum over its whole op space, in topological order. */
export const evaluateDirectly = (program: Program, inputs: ReadonlyArray<Float64Array | null>): Float64Array[] => {
  const values: Float64Array[] = program.tensors.map((t, i) => inputs[i] ?? new Float64Array(t.volume))
  for (const einsum of program.einsums) {
    const ranks = einsum.bounds.length
    const point = new Int32Array(ranks)
    const out = values[einsum.output.tensor]!
    const sources = einsum.inputs.map((a) => values[a.tensor]!)
    if (einsum.ops === 0) continue
    for (;;) {
      let product = 1
      for (let i = 0; i < einsum.inputs.length; i++) {
        const access = einsum.inputs[i]!
        let flat = access.base
        for (let r = 0; r < ranks; r++) flat += access.linear[r]! * point[r]!
        product *= sources[i]![flat]!
      }
      let o = einsum.output.base
      for (let r = 0; r < ranks; r++) o += einsum.output.linear[r]! * point[r]!
      out[o]! += product
      let r = ranks - 1
      while (r >= 0) {
        point[r]!++
        if (point[r]! < einsum.bounds[r]!) break
        point[r] = 0
        r--
      }
      if (r < 0) break
    }
  }
  return values
}

/** `O[3, 7]` style element names for messages. */
export const elementName = (name: string, shape: ReadonlyArray<number>, flat: number): string => {
  const index: number[] = []
  let rest = flat
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(rest % shape[d]!)
    rest = Math.floor(rest / shape[d]!)
  }
  return `${name}[${index.join(", ")}]`
}
