import test from "ava"
import fc from "fast-check"
import { kendallTau, percentile, spread } from "./summary.ts"

test("percentiles are nearest-rank", (t) => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
  t.is(percentile(sorted, 50), 50)
  t.is(percentile(sorted, 95), 95)
  t.is(percentile([], 95), 0)
  t.deepEqual(spread([3, 1, 2]), { median: 2, p95: 3, max: 3, mean: 2 })
})

test("Kendall tau is 1 for the same order, -1 for the reverse, and undefined for all ties", (t) => {
  t.is(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1)
  t.is(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1)
  t.is(kendallTau([1, 1, 1], [1, 2, 3]), null)
  t.is(kendallTau([1], [1]), null)
})

test("Kendall tau depends only on the orders", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), { minLength: 2, maxLength: 12 }), (pairs) => {
      const xs = pairs.map((p) => p[0])
      const ys = pairs.map((p) => p[1])
      const tau = kendallTau(xs, ys)
      const scaled = kendallTau(xs.map((x) => 3 * x + 1), ys.map((y) => y * y))
      if (tau === null) return scaled === null
      return scaled !== null && Math.abs(tau - scaled) < 1e-12 && tau >= -1 - 1e-12 && tau <= 1 + 1e-12
    })
  )
  t.pass()
})
