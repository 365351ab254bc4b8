/**
 * The library entry: a trace written by `simulate` reads back and carries
 * the Stats; bad mappings give clear errors; every example simulates.
 */
import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import test from "ava"
import { Either } from "effect"
import { loadSpec, specFromSources } from "../spec/load.ts"
import { readTrace } from "../traces/reader.ts"
import { SimulationError, simulate } from "./mod.ts"

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..")

const fromText = (text: string) => {
  const loaded = specFromSources([{ file: "inline.yaml", text }])
  if (Either.isLeft(loaded)) throw loaded.left
  return loaded.right
}

test("simulate writes a trace that reads back, with the Stats in its footer", async (t) => {
  const spec = await loadSpec([join(repoRoot, "examples", "conv1d-retain.yaml")])
  const file = join(mkdtempSync(join(tmpdir(), "fuselab-sim-")), "conv1d.fltrace")
  const stats = await simulate(spec, { trace: file, seed: 7 })
  const trace = await readTrace(file)
  t.is(trace.header.spec, spec.hash)
  t.deepEqual(trace.footer.stats, JSON.parse(JSON.stringify(stats)))
  const macs = trace.events.filter((e) => e.action === "compute").reduce((n, e) => n + e.count, 0)
  t.is(macs, stats.ops.convA! + stats.ops.convB!)
  // Fills in the trace add up to the fills in the Stats.
  const filled = trace.events.filter((e) => e.action === "fill" && e.component === "Buffer").reduce((n, e) => n + ((e.detail as { fromParent: number; delivered: number; elided: number; shared: number }).shared === undefined ? 0 : e.count - (e.detail as { shared: number }).shared), 0)
  t.is(filled, stats.accesses.filter((a) => a.level === "Buffer").reduce((n, a) => n + a.fills, 0))
  const produced = trace.events.filter((e) => e.action === "produce").reduce((n, e) => n + e.count, 0)
  t.is(produced, 18)
  t.is(stats.meta.engine, "simulator")
})

test("a tile too big for a buffer is an overflow error naming the level, the cycle and what was resident", async (t) => {
  const spec = fromText(`
workload:
  einsums:
  - {name: mm, ranks: {M: 8, K: 8}, inputs: {A: [M, K], B: [K]}, output: {Z: [M]}}
architecture:
  levels:
  - {name: DRAM}
  - {name: Buf, capacity: 10}
  compute: {name: MAC}
mapping:
  nodes:
  - {type: storage, level: DRAM, tensors: [A, B, Z]}
  - {type: storage, level: Buf, tensors: [A, B]}
  - {type: temporal, rank: M, tile_shape: 1}
  - {type: compute, einsum: mm, level: MAC}
`)
  const file = join(mkdtempSync(join(tmpdir(), "fuselab-sim-")), "overflow.fltrace")
  const error = await t.throwsAsync(simulate(spec, { trace: file }), { instanceOf: SimulationError })
  t.is(error!.kind, "overflow")
  t.regex(error!.message, /Buf overflows at cycle \d+: instance 0 would hold 72 words, capacity 10 \(resident: Buf:A 64, Buf:B 8\)/)
  // The trace of the failed run ends with the overflow event and a footer naming the error.
  const trace = await readTrace(file)
  t.is(trace.events.at(-1)!.action, "overflow")
  t.deepEqual(trace.events.at(-1)!.detail, { capacity: 10, resident: { "Buf:A": 64, "Buf:B": 8 } })
  t.is(trace.footer.stats, null)
  t.is(trace.footer.error, error!.message)
})

test("--max-cycles stops a run with a clear error instead of running on", async (t) => {
  const spec = await loadSpec([join(repoRoot, "examples", "conv1d-retain.yaml")])
  const error = await t.throwsAsync(simulate(spec, { maxCycles: 5 }), { instanceOf: SimulationError })
  t.is(error!.kind, "max-cycles")
})

const small = ["conv1d-retain", "conv1d-no-reuse", "conv1d-two-level-tiling", "conv2d-halo-recompute", "conv2d-line-buffer", "pipelined-convs", "spatial-multicast"]
for (const name of small) {
  test(`example ${name} simulates and passes the functional check`, async (t) => {
    const spec = await loadSpec([join(repoRoot, "examples", `${name}.yaml`)])
    const stats = await simulate(spec)
    t.true(stats.latency > 0)
    for (const e of spec.workload.einsums) t.true(stats.ops[e.name]! >= e.ops)
  })
}

test("the examples listed here are the small ones present", (t) => {
  const present = readdirSync(join(repoRoot, "examples")).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, ""))
  for (const name of small) t.true(present.includes(name))
})
