import test from "ava"
import type { Stats } from "../spec/stats.ts"
import { compareOutcomes, compareStats, isFailure, relativeError } from "./compare.ts"

const stats = (engine: "analytical" | "simulator", patch: Partial<Stats> = {}): Stats => ({
  ops: { A: 10, B: 20 },
  accesses: [
    { level: "DRAM", tensor: "I", einsum: "A", reads: 5, writes: 0, fills: 5, occupancy: 5 },
    { level: "GB", tensor: "I", einsum: "A", reads: 10, writes: 5, fills: 5, occupancy: 2 }
  ],
  capacity: { DRAM: 5, GB: 2 },
  latency: 100,
  energy: { total: 50, byLevel: { DRAM: 40, GB: 10 } },
  meta: { engine, spec: "h", options: {} },
  ...patch
})

test("equal counts agree; latency and energy are relative errors", (t) => {
  const c = compareStats(stats("analytical", { latency: 90 }), stats("simulator"))
  t.is(c.verdict, "agree")
  t.is(c.latency!.error, 0.1)
  t.is(c.energy!.error, 0)
})

test("every count metric is compared per key", (t) => {
  const model = stats("analytical", {
    ops: { A: 11, B: 20 },
    capacity: { DRAM: 5, GB: 3 },
    accesses: [
      { level: "DRAM", tensor: "I", einsum: "A", reads: 5, writes: 1, fills: 5, occupancy: 5 },
      { level: "GB", tensor: "I", einsum: "B", reads: 10, writes: 5, fills: 5, occupancy: 2 }
    ]
  })
  const c = compareStats(model, stats("simulator"))
  t.is(c.verdict, "mismatch")
  t.deepEqual(
    c.mismatches.map((m) => `${m.metric} ${m.key}`).sort(),
    ["capacity GB", "keys GB|I|A", "keys GB|I|B", "ops A", "writes DRAM|I|A"]
  )
  t.false(c.metricMatch.writes)
  t.true(c.metricMatch.reads)
})

test("both engines finding that the mapping does not fit is agreement; one alone is a mismatch", (t) => {
  const over = { kind: "overflow", message: "GB overflows" } as const
  t.is(compareOutcomes(over, over).verdict, "both-overflow")
  const one = compareOutcomes(over, { kind: "stats", stats: stats("simulator") })
  t.is(one.verdict, "mismatch")
  t.is(one.mismatches[0]!.metric, "fits")
  t.true(isFailure(one))
  t.false(isFailure(compareOutcomes({ kind: "unsupported", message: "no" }, over)))
  t.true(isFailure(compareOutcomes({ kind: "stats", stats: stats("analytical") }, { kind: "error", message: "boom" })))
})

test("relative error is against the simulator", (t) => {
  t.is(relativeError(0, 0), 0)
  t.is(relativeError(3, 0), 1)
  t.is(relativeError(150, 100), 0.5)
})
