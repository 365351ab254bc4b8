/**
 * Images of op sets under a tensor access (affine expressions of ranks), and
 * preimages of tensor sets under an Einsum's output access (plain ranks).
 * Op sets have one dimension per rank of their Einsum (in the Einsum's rank
 * order); tensor sets one per tensor dimension.
 */
import type { AffineExpression } from "../spec/affine.ts"
import type { Einsum, TensorAccess } from "../spec/workload.ts"
import { type Box, coalesce, intersect, type Progression, progression, type TileSet, union } from "./tile-set.ts"

/** Why an access cannot be imaged exactly, or undefined when it can. */
export const unsupportedAccess = (einsum: Einsum, access: TensorAccess): string | undefined => {
  const seen = new Set<string>()
  for (const expression of access.projection) {
    for (const { rank } of expression.terms) {
      if (seen.has(rank)) return `${einsum.name} indexes two dimensions of ${access.tensor} with rank ${rank}; the analytical model needs each rank in at most one dimension of an access`
      seen.add(rank)
    }
  }
  return undefined
}

/** The set {sum of c_i * x_i + k : x_i in p_i}, when it is one progression. */
export const sumProgressions = (terms: ReadonlyArray<{ p: Progression; coefficient: number }>, constant: number): Progression | undefined => {
  const scaled = terms
    .map(({ p, coefficient }) => {
      const step = Math.abs(coefficient) * p.step
      const lo = coefficient > 0 ? coefficient * p.lo : coefficient * (p.lo + (p.count - 1) * p.step)
      return progression(lo, step, p.count)
    })
    .sort((a, b) => (a.count === 1 ? 0 : a.step) - (b.count === 1 ? 0 : b.step))
  let acc = progression(constant, 1, 1)
  for (const q of scaled) {
    if (q.count === 1) {
      acc = { ...acc, lo: acc.lo + q.lo }
      continue
    }
    if (acc.count === 1) {
      acc = progression(acc.lo + q.lo, q.step, q.count)
      continue
    }
    // acc has the smaller step; q's translates of acc must line up and touch.
    if (q.step % acc.step !== 0 || q.step / acc.step > acc.count) return undefined
    acc = progression(acc.lo + q.lo, acc.step, acc.count + (q.count - 1) * (q.step / acc.step))
  }
  return acc
}

export class ProjectionError extends Error {
  override readonly name = "ProjectionError"
}

const expressionImage = (expression: AffineExpression, box: Box, rankIndex: ReadonlyMap<string, number>): Progression => {
  // The common case, one rank with coefficient 1: the rank's progression moved by the constant.
  if (expression.terms.length === 1 && expression.terms[0]!.coefficient === 1) {
    const p = box[rankIndex.get(expression.terms[0]!.rank)!]!
    return expression.constant === 0 ? p : { lo: p.lo + expression.constant, step: p.step, count: p.count }
  }
  const terms = expression.terms.map(({ rank, coefficient }) => ({ p: box[rankIndex.get(rank)!]!, coefficient }))
  const image = sumProgressions(terms, expression.constant)
  if (image === undefined) {
    throw new ProjectionError(`the points of "${expression.text}" over this tile are not one arithmetic progression (a dilation wider than the tile); the analytical model cannot image it exactly`)
  }
  return image
}

/** Index of each rank of an Einsum in its op-space boxes. */
export const rankIndexOf = (einsum: Einsum): Map<string, number> => new Map(einsum.ranks.map((r, i) => [r.name, i]))

/** The tensor elements an op set touches through `access`. */
export const image = (set: TileSet, access: TensorAccess, rankIndex: ReadonlyMap<string, number>): TileSet => {
  let out: TileSet = []
  for (const box of set) {
    const img: Progression[] = []
    for (const expression of access.projection) img.push(expressionImage(expression, box, rankIndex))
    out = out.length === 0 ? [img] : union(out, [img])
  }
  return out
}

/** The ops of `einsum` whose output element lies in `set` (restricted to `within`). */
export const outputPreimage = (einsum: Einsum, set: TileSet, within: TileSet): TileSet => {
  const index = rankIndexOf(einsum)
  const boxes: Box[] = set.map((box) => {
    const out: Progression[] = einsum.ranks.map((r) => progression(0, 1, r.bound))
    einsum.output.projection.forEach((expression, d) => {
      out[index.get(expression.terms[0]!.rank)!] = box[d]!
    })
    return out
  })
  return intersect(within, coalesce(boxes))
}

/** The full op space of an Einsum as a one-box set. */
export const fullOps = (einsum: Einsum): TileSet => [einsum.ranks.map((r) => progression(0, 1, r.bound))]
