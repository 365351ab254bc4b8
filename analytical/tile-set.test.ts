import test from "ava"
import fc from "fast-check"
import { sumProgressions } from "./projection.ts"
import {
  type Box,
  card,
  intersect,
  points,
  progression,
  subtract,
  type TileSet,
  translate,
  translateUnion,
  translateUnionCard,
  union
} from "./tile-set.ts"

const key = (p: ReadonlyArray<number>) => p.join(",")
const pointSet = (set: TileSet) => new Set(points(set).map(key))

const arbProgression = fc
  .tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }))
  .map(([lo, step, count]) => progression(lo, step, count))
const arbBox = (dims: number) => fc.array(arbProgression, { minLength: dims, maxLength: dims }) as fc.Arbitrary<Box>
/** A disjoint set built by unions, so it is valid by construction. */
const arbSet = (dims: number) => fc.array(arbBox(dims), { maxLength: 3 }).map((boxes) => boxes.reduce<TileSet>((acc, b) => union(acc, [b]), []))

const disjoint = (set: TileSet) => points(set).length === pointSet(set).size

test("union, intersection and difference agree with brute-force enumeration", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 }).chain((d) => fc.tuple(arbSet(d), arbSet(d))), ([a, b]) => {
      const pa = pointSet(a)
      const pb = pointSet(b)
      const u = union(a, b)
      const i = intersect(a, b)
      const s = subtract(a, b)
      const expectU = new Set([...pa, ...pb])
      const expectI = new Set([...pa].filter((p) => pb.has(p)))
      const expectS = new Set([...pa].filter((p) => !pb.has(p)))
      return (
        disjoint(u) && disjoint(i) && disjoint(s) &&
        card(u) === expectU.size && card(i) === expectI.size && card(s) === expectS.size &&
        [...pointSet(u)].every((p) => expectU.has(p)) &&
        [...pointSet(i)].every((p) => expectI.has(p)) &&
        [...pointSet(s)].every((p) => expectS.has(p))
      )
    }),
    { numRuns: 400 }
  )
  t.pass()
})

test("sums of progressions (affine images) agree with brute force when they are one progression", (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(arbProgression, fc.integer({ min: -3, max: 3 }).filter((c) => c !== 0)), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: -4, max: 4 }),
      (terms, constant) => {
        const expect = new Set<number>([constant])
        let acc = expect
        for (const [p, c] of terms) {
          const next = new Set<number>()
          for (const x of acc) for (let k = 0; k < p.count; k++) next.add(x + c * (p.lo + k * p.step))
          acc = next
        }
        const got = sumProgressions(terms.map(([p, coefficient]) => ({ p, coefficient })), constant)
        if (got === undefined) return true // the caller reports it as unsupported
        const gotPoints = new Set(points([[got]]).map((p) => p[0]!))
        return gotPoints.size === acc.size && [...gotPoints].every((x) => acc.has(x))
      }
    ),
    { numRuns: 400 }
  )
  t.pass()
})

test("the union of translates agrees with brute force (set and cardinality)", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 }).chain((d) =>
        fc.tuple(arbSet(d), fc.array(fc.integer({ min: -4, max: 4 }), { minLength: d, maxLength: d }), fc.integer({ min: 0, max: 7 }))
      ),
      ([set, delta, n]) => {
        let expect: TileSet = []
        for (let k = 0; k < n; k++) expect = union(expect, translate(set, delta.map((x) => x * k)))
        const size = pointSet(expect).size
        const asSet = translateUnion(set, delta, n)
        return translateUnionCard(set, delta, n) === size && asSet !== undefined && card(asSet) === size && card(subtract(asSet, expect)) === 0
      }
    ),
    { numRuns: 400 }
  )
  t.pass()
})
