import test from "ava"
import { Either } from "effect"
import fc from "fast-check"
import { affineRange, evaluateAffine, formatAffine, parseAffine } from "./affine.ts"

const parse = (text: string) => {
  const result = parseAffine(text)
  if (Either.isLeft(result)) throw new Error(result.left)
  return result.right
}

test("parseAffine reads the forms workloads use", (t) => {
  t.deepEqual(parse("C").terms, [{ rank: "C", coefficient: 1 }])
  t.deepEqual(parse("P + R").terms, [{ rank: "P", coefficient: 1 }, { rank: "R", coefficient: 1 }])
  t.deepEqual(parse("2*P + R").terms, [{ rank: "P", coefficient: 2 }, { rank: "R", coefficient: 1 }])
  t.deepEqual(parse("P + 2*R").terms, [{ rank: "P", coefficient: 1 }, { rank: "R", coefficient: 2 }])
  t.deepEqual(parse("P*2 - 1"), { terms: [{ rank: "P", coefficient: 2 }], constant: -1, text: "P*2 - 1" })
  t.deepEqual(parse("P + P").terms, [{ rank: "P", coefficient: 2 }])
  t.is(parse("3").constant, 3)
})

test("parseAffine rejects what is not affine, saying why", (t) => {
  for (const [text, why] of [
    ["P*R", /product of ranks/],
    ["P / 2", /unexpected "\/"/],
    ["P +", /expected a rank or an integer/],
    ["", /empty/],
    ["2*3*P", /more than two factors/]
  ] as const) {
    const result = parseAffine(text)
    t.true(Either.isLeft(result), text)
    if (Either.isLeft(result)) t.regex(result.left, why, text)
  }
})

const ranks = ["P", "Q", "R", "S"]
const expression = fc.record({
  terms: fc.uniqueArray(fc.record({ rank: fc.constantFrom(...ranks), coefficient: fc.integer({ min: -3, max: 3 }).filter((c) => c !== 0) }), {
    selector: (term) => term.rank,
    maxLength: 4
  }),
  constant: fc.integer({ min: -5, max: 5 })
})

test("formatAffine and parseAffine round-trip", (t) => {
  fc.assert(
    fc.property(expression, (e) => {
      const parsed = parse(formatAffine({ ...e, text: "" }))
      return JSON.stringify(parsed.terms) === JSON.stringify(e.terms) && parsed.constant === e.constant
    })
  )
  t.pass()
})

test("affineRange is the exact min and max over the rank box", (t) => {
  fc.assert(
    fc.property(expression, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }), (e, bounds) => {
      const extent = (rank: string) => bounds[ranks.indexOf(rank)]!
      const { min, max } = affineRange({ ...e, text: "" }, extent)
      let lo = Infinity
      let hi = -Infinity
      const point = [0, 0, 0, 0]
      const visit = (d: number): void => {
        if (d === 4) {
          const v = evaluateAffine({ ...e, text: "" }, (rank) => point[ranks.indexOf(rank)]!)
          lo = Math.min(lo, v)
          hi = Math.max(hi, v)
          return
        }
        for (let i = 0; i < bounds[d]!; i++) {
          point[d] = i
          visit(d + 1)
        }
      }
      visit(0)
      return lo === min && hi === max
    })
  )
  t.pass()
})
