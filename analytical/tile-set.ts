/**
 * A small integer set algebra made for tiles: a `Progression` is one
 * dimension (an arithmetic progression, an interval when its step is 1), a
 * `Box` is a product of progressions, and a `TileSet` is a list of pairwise
 * disjoint boxes. Every operation here costs a function of the number of
 * boxes and dimensions, never of the number of points.
 */

/** `{lo, lo + step, ..., lo + (count - 1) * step}`; count >= 1, step >= 1 (1 when count is 1). */
export interface Progression {
  readonly lo: number
  readonly step: number
  readonly count: number
}

export type Box = ReadonlyArray<Progression>
export type TileSet = ReadonlyArray<Box>

export const progression = (lo: number, step: number, count: number): Progression =>
  count <= 1 ? { lo, step: 1, count: 1 } : { lo, step, count }

/** The interval [lo, hi] (empty when hi < lo: returns undefined). */
export const interval = (lo: number, hi: number): Progression | undefined =>
  hi < lo ? undefined : progression(lo, 1, hi - lo + 1)

export const lastOf = (p: Progression): number => p.lo + (p.count - 1) * p.step

const gcd = (a: number, b: number): number => {
  a = Math.abs(a)
  b = Math.abs(b)
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** Modular inverse of a modulo m (a and m coprime, m >= 1). */
const inverse = (a: number, m: number): number => {
  if (m === 1) return 0
  let [r0, r1] = [((a % m) + m) % m, m]
  let [s0, s1] = [1, 0]
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1)
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % m) + m) % m
}

const mod = (a: number, m: number): number => ((a % m) + m) % m

export const intersectProgressions = (a: Progression, b: Progression): Progression | undefined => {
  const start = Math.max(a.lo, b.lo)
  const end = Math.min(lastOf(a), lastOf(b))
  if (end < start) return undefined
  if (a.step === 1 && b.step === 1) return progression(start, 1, end - start + 1)
  const g = gcd(a.step, b.step)
  const diff = b.lo - a.lo
  if (diff % g !== 0) return undefined
  const bStep = b.step / g
  const k = mod((diff / g) * inverse(a.step / g, bStep), bStep)
  const x0 = a.lo + a.step * k
  const lcm = (a.step / g) * b.step
  const first = x0 + Math.ceil((start - x0) / lcm) * lcm
  if (first > end) return undefined
  return progression(first, lcm, Math.floor((end - first) / lcm) + 1)
}

/** The points of `a` not in `b`, as disjoint progressions. */
export const subtractProgressions = (a: Progression, b: Progression): Progression[] => {
  const c = intersectProgressions(a, b)
  if (c === undefined) return [a]
  const out: Progression[] = []
  const k0 = (c.lo - a.lo) / a.step
  const r = c.count === 1 ? 1 : c.step / a.step
  const m = c.count
  if (k0 > 0) out.push(progression(a.lo, a.step, k0))
  const kEnd = k0 + (m - 1) * r
  if (kEnd < a.count - 1) out.push(progression(a.lo + (kEnd + 1) * a.step, a.step, a.count - 1 - kEnd))
  if (m > 1) for (let o = 1; o < r; o++) out.push(progression(a.lo + (k0 + o) * a.step, c.step, m - 1))
  return out
}

export const boxCard = (box: Box): number => {
  let n = 1
  for (const p of box) n *= p.count
  return n
}

export const card = (set: TileSet): number => {
  let n = 0
  for (const box of set) n += boxCard(box)
  return n
}

export const isEmpty = (set: TileSet): boolean => set.length === 0

export const intersectBoxes = (a: Box, b: Box): Box | undefined => {
  const out: Progression[] = []
  for (let d = 0; d < a.length; d++) {
    const p = intersectProgressions(a[d]!, b[d]!)
    if (p === undefined) return undefined
    out.push(p)
  }
  return out
}

/** `a` minus `b` as disjoint boxes. */
export const subtractBoxes = (a: Box, b: Box): Box[] => {
  const c = intersectBoxes(a, b)
  if (c === undefined) return [a]
  const out: Box[] = []
  const current = [...a]
  for (let d = 0; d < a.length; d++) {
    for (const piece of subtractProgressions(a[d]!, c[d]!)) {
      const box = [...current]
      box[d] = piece
      out.push(box)
    }
    current[d] = c[d]!
  }
  return out
}

export const intersect = (a: TileSet, b: TileSet): TileSet => {
  const out: Box[] = []
  for (const x of a) {
    for (const y of b) {
      const c = intersectBoxes(x, y)
      if (c !== undefined) out.push(c)
    }
  }
  return coalesce(out)
}

export const subtract = (a: TileSet, b: TileSet): TileSet => {
  if (a.length === 0 || b.length === 0) return a
  let rest: Box[] = [...a]
  for (const y of b) {
    const next: Box[] = []
    for (const x of rest) for (const piece of subtractBoxes(x, y)) next.push(piece)
    rest = next
    if (rest.length === 0) break
  }
  return coalesce(rest)
}

export const union = (a: TileSet, b: TileSet): TileSet => {
  if (a.length === 0) return b
  if (b.length === 0) return a
  return coalesce([...a, ...subtract(b, a)])
}

export const unionAll = (sets: ReadonlyArray<TileSet>): TileSet => sets.reduce<TileSet>((acc, s) => union(acc, s), [])

export const translate = (set: TileSet, offset: ReadonlyArray<number>): TileSet =>
  set.map((box) => box.map((p, d) => ({ ...p, lo: p.lo + offset[d]! })))

export const equalSets = (a: TileSet, b: TileSet): boolean =>
  card(a) === card(b) && card(subtract(a, b)) === 0

/** Per-dimension [min, max] over the set (undefined when empty). */
export const bounds = (set: TileSet): Array<[number, number]> | undefined => {
  if (set.length === 0) return undefined
  const first = set[0]!
  const out: Array<[number, number]> = new Array(first.length)
  for (let d = 0; d < first.length; d++) {
    const p = first[d]!
    out[d] = [p.lo, p.lo + (p.count - 1) * p.step]
  }
  for (let b = 1; b < set.length; b++) {
    const box = set[b]!
    for (let d = 0; d < box.length; d++) {
      const p = box[d]!
      const range = out[d]!
      if (p.lo < range[0]) range[0] = p.lo
      const last = p.lo + (p.count - 1) * p.step
      if (last > range[1]) range[1] = last
    }
  }
  return out
}

/** Can progressions `a` and `b` (disjoint) be written as one progression? */
const mergeProgressions = (a: Progression, b: Progression): Progression | undefined => {
  const [x, y] = a.lo <= b.lo ? [a, b] : [b, a]
  const xs = x.count === 1 ? undefined : x.step
  const ys = y.count === 1 ? undefined : y.step
  const step = xs ?? ys ?? y.lo - lastOf(x)
  if (step <= 0) return undefined
  if ((xs !== undefined && xs !== step) || (ys !== undefined && ys !== step)) return undefined
  if (y.lo - lastOf(x) !== step) return undefined
  return progression(x.lo, step, x.count + y.count)
}

const sameProgression = (a: Progression, b: Progression): boolean =>
  a.lo === b.lo && a.count === b.count && (a.count === 1 || a.step === b.step)

/** Merge boxes that differ in one dimension and line up there; keeps sets small. */
export const coalesce = (boxes: Box[]): Box[] => {
  if (boxes.length < 2) return boxes
  let list = boxes
  let merged = true
  while (merged && list.length > 1) {
    merged = false
    outer: for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!
        const b = list[j]!
        let differ = -1
        for (let d = 0; d < a.length; d++) {
          if (!sameProgression(a[d]!, b[d]!)) {
            if (differ >= 0) {
              differ = -2
              break
            }
            differ = d
          }
        }
        if (differ < 0) continue
        const m = mergeProgressions(a[differ]!, b[differ]!)
        if (m === undefined) continue
        const box = [...a]
        box[differ] = m
        list = [...list.slice(0, i), box, ...list.slice(i + 1, j), ...list.slice(j + 1)]
        merged = true
        break outer
      }
    }
  }
  return list
}

/** Every point, for tests and brute-force checks only. */
export const points = (set: TileSet): number[][] => {
  const out: number[][] = []
  for (const box of set) {
    const rec = (d: number, prefix: number[]) => {
      if (d === box.length) {
        out.push(prefix)
        return
      }
      const p = box[d]!
      for (let k = 0; k < p.count; k++) rec(d + 1, [...prefix, p.lo + k * p.step])
    }
    rec(0, [])
  }
  return out
}

/**
 * Cardinality of the union of `n` translates `set + k * delta` (k = 0..n-1),
 * without building them one by one where a closed form exists.
 */
export const translateUnionCard = (set: TileSet, delta: ReadonlyArray<number>, n: number): number => {
  if (n <= 0 || set.length === 0) return 0
  if (n === 1) return card(set)
  const moving = delta.map((x, d) => (x !== 0 ? d : -1)).filter((d) => d >= 0)
  if (moving.length === 0) return card(set)
  // One box moving along one interval dimension: a longer box, or n disjoint copies.
  if (set.length === 1 && moving.length === 1) {
    const box = set[0]!
    const d = moving[0]!
    const p = box[d]!
    const shift = Math.abs(delta[d]!)
    const others = boxCard(box) / p.count
    if (p.step === 1 || p.count === 1) {
      const extent = p.count
      if (shift >= extent) return n * boxCard(box)
      return (extent + (n - 1) * shift) * others
    }
    if (shift % p.step === 0) {
      const s = shift / p.step
      if (s >= p.count) return n * boxCard(box)
      return (p.count + (n - 1) * s) * others
    }
  }
  // General: past the reach m, each new translate adds the same number of points.
  const b = bounds(set)!
  let reach = Infinity
  for (const d of moving) reach = Math.min(reach, Math.ceil((b[d]![1] - b[d]![0] + 1) / Math.abs(delta[d]!)))
  if (reach > 4096) throw new RangeError(`Cannot count a union of translates with reach ${reach}`)
  const at = (k: number) => translate(set, delta.map((x) => x * k))
  let total = 0
  let acc: TileSet = []
  const head = Math.min(n, reach + 1)
  for (let k = 0; k < head; k++) {
    const t = at(k)
    total += card(subtract(t, acc))
    acc = union(acc, t)
  }
  if (n > head) {
    // T_k minus the reach translates before it, for any k >= reach.
    let before: TileSet = []
    for (let j = 1; j <= reach; j++) before = union(before, at(reach - j))
    total += (n - head) * card(subtract(at(reach), before))
  }
  return total
}

/** The union of `n` translates as a set; closed form for one box moving along one dimension. */
export const translateUnion = (set: TileSet, delta: ReadonlyArray<number>, n: number): TileSet | undefined => {
  if (n <= 0 || set.length === 0) return []
  if (n === 1) return set
  const moving = delta.map((x, d) => (x !== 0 ? d : -1)).filter((d) => d >= 0)
  if (moving.length === 0) return set
  if (set.length === 1 && moving.length === 1) {
    const box = set[0]!
    const d = moving[0]!
    const p = box[d]!
    const shift = delta[d]!
    const stepOf = p.count === 1 ? Math.abs(shift) : p.step
    if (Math.abs(shift) % stepOf === 0 && Math.abs(shift) / stepOf <= p.count) {
      const extra = ((n - 1) * Math.abs(shift)) / stepOf
      const lo = shift > 0 ? p.lo : p.lo - (n - 1) * Math.abs(shift)
      const out = [...box]
      out[d] = progression(lo, stepOf, p.count + extra)
      return [out]
    }
  }
  if (n > 256) return undefined
  let acc: TileSet = []
  for (let k = 0; k < n; k++) acc = union(acc, translate(set, delta.map((x) => x * k)))
  return acc
}

/** Do all boxes of the set have the same points along dimension d (so a slice along d is a product with the rest)? */
export const separable = (set: TileSet, d: number): boolean => {
  if (set.length <= 1) return true
  const p = set[0]![d]!
  for (const box of set) {
    const q = box[d]!
    if (q.lo !== p.lo || q.count !== p.count || (q.count > 1 && q.step !== p.step)) return false
  }
  return true
}

/** A key equal for two sets exactly when (as written) one is a translate of the other. */
export const shapeKey = (set: TileSet): string => {
  if (set.length === 1) {
    // One box: its translates differ only in their lower bounds.
    let key = ""
    for (const p of set[0]!) key += p.count === 1 ? "1," : `${p.step}:${p.count},`
    return key
  }
  const b = bounds(set)
  if (b === undefined) return "-"
  let key = ""
  for (const box of set) {
    for (let d = 0; d < box.length; d++) {
      const p = box[d]!
      key += `${p.lo - b[d]![0]}:${p.count === 1 ? 1 : p.step}:${p.count},`
    }
    key += ";"
  }
  return key
}
