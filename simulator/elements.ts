/**
 * Element sets as flat-index lists, and the exact footprint of an op set
 * (a box over an Einsum's ranks, optionally restricted to wanted output
 * elements) under an affine access. Strides, dilations and halos come out
 * of enumerating the projection, never from a formula.
 */
import type { AccessInfo, EinsumInfo, TensorInfo } from "./program.ts"

/** A growable list of flat indices (no per-element objects). */
export class ElementList {
  data: Int32Array
  length = 0
  constructor(capacity = 16) {
    this.data = new Int32Array(capacity)
  }
  clear(): void {
    this.length = 0
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = x
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length)
  }
}

/** Generation-stamped membership over one tensor: mark/has without clearing. */
export class Marker {
  private readonly stamps: Int32Array
  private generation = 0
  constructor(volume: number) {
    this.stamps = new Int32Array(volume)
  }
  next(): void {
    this.generation++
    if (this.generation === 0x7fffffff) {
      this.stamps.fill(0)
      this.generation = 1
    }
  }
  mark(x: number): boolean {
    if (this.stamps[x] === this.generation) return false
    this.stamps[x] = this.generation
    return true
  }
  has(x: number): boolean {
    return this.stamps[x] === this.generation
  }
}

/** An Einsum's current op set: a box (lo inclusive, hi exclusive) and optionally the output elements wanted. */
export interface OpSet {
  readonly lo: Int32Array
  readonly hi: Int32Array
  /** Non-null when only some outputs of the box are wanted (an inferred producer set that is not a box). */
  mask: Uint8Array | null
  /** The wanted output elements as a list (when `mask` is set). */
  maskList: ElementList | null
  active: boolean
}

export const boxIsEmpty = (set: OpSet): boolean => {
  if (!set.active) return true
  for (let r = 0; r < set.lo.length; r++) if (set.hi[r]! <= set.lo[r]!) return true
  return false
}

const scratchValues: Array<Uint8Array> = []

/** The distinct values of one affine dimension over a box of ranks, ascending. */
const dimensionValues = (dim: AccessInfo["dims"][number], lo: Int32Array, hi: Int32Array, extent: number, out: number[]): void => {
  out.length = 0
  if (dim.terms.length === 1 && Math.abs(dim.terms[0]!.coefficient) === 1) {
    const { rank, coefficient } = dim.terms[0]!
    if (coefficient === 1) for (let v = lo[rank]!; v < hi[rank]!; v++) out.push(v + dim.constant)
    else for (let v = hi[rank]! - 1; v >= lo[rank]!; v--) out.push(dim.constant - v)
    return
  }
  let seen = scratchValues[0]
  if (seen === undefined || seen.length < extent) {
    seen = new Uint8Array(Math.max(extent, 64))
    scratchValues[0] = seen
  } else seen.fill(0, 0, extent)
  const terms = dim.terms
  const walk = (t: number, value: number): void => {
    if (t === terms.length) {
      if (value >= 0 && value < extent) seen![value] = 1
      return
    }
    const { rank, coefficient } = terms[t]!
    for (let v = lo[rank]!; v < hi[rank]!; v++) walk(t + 1, value + coefficient * v)
  }
  walk(0, dim.constant)
  for (let v = 0; v < extent; v++) if (seen[v] === 1) out.push(v)
}

const perDim: number[][] = []

/**
 * Append the distinct elements of `tensor` that the ops of `set` touch
 * through `access` to `out`. `marker` (over the tensor) dedupes when the
 * footprint is enumerated op by op.
 */
export const footprint = (einsum: EinsumInfo, set: OpSet, access: AccessInfo, tensor: TensorInfo, out: ElementList, marker: Marker): void => {
  out.clear()
  if (boxIsEmpty(set)) return
  const { lo, hi } = set
  if (set.mask === null && access.separable) {
    const rankCount = tensor.shape.length
    for (let d = 0; d < rankCount; d++) {
      const values = perDim[d] ?? (perDim[d] = [])
      dimensionValues(access.dims[d]!, lo, hi, tensor.shape[d]!, values)
      if (values.length === 0) return
    }
    // Odometer over the per-dimension value lists.
    const index = new Int32Array(rankCount)
    for (;;) {
      let flat = 0
      for (let d = 0; d < rankCount; d++) flat += perDim[d]![index[d]!]! * tensor.strides[d]!
      out.push(flat)
      let d = rankCount - 1
      while (d >= 0) {
        index[d]!++
        if (index[d]! < perDim[d]!.length) break
        index[d] = 0
        d--
      }
      if (d < 0) break
    }
    if (rankCount === 0) out.push(0)
    return
  }
  // General case: enumerate the ops of the box (skipping unwanted outputs) and dedupe.
  marker.next()
  const ranks = lo.length
  const value = Int32Array.from(lo)
  const linear = access.linear
  const outLinear = einsum.output.linear
  const mask = set.mask
  for (;;) {
    let wanted = true
    if (mask !== null) {
      let o = einsum.output.base
      for (let r = 0; r < ranks; r++) o += outLinear[r]! * value[r]!
      wanted = mask[o] === 1
    }
    if (wanted) {
      let flat = access.base
      for (let r = 0; r < ranks; r++) flat += linear[r]! * value[r]!
      if (marker.mark(flat)) out.push(flat)
    }
    let r = ranks - 1
    while (r >= 0) {
      value[r]!++
      if (value[r]! < hi[r]!) break
      value[r] = lo[r]!
      r--
    }
    if (r < 0) break
  }
}

/** Runs of consecutive indices [start, length, start, length, ...] for compact traces. */
export const toRuns = (list: ElementList | Int32Array, length = list instanceof ElementList ? list.length : list.length): number[] => {
  const data = list instanceof ElementList ? list.data : list
  const sorted = Int32Array.from(data.subarray(0, length)).sort()
  const runs: number[] = []
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i]!
    let j = i + 1
    while (j < sorted.length && sorted[j] === sorted[j - 1]! + 1) j++
    runs.push(start, j - i)
    i = j
  }
  return runs
}
