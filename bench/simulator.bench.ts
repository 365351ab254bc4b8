/**
 * Simulator speed: simulated MACs per second with tracing off and with a
 * trace written to a file, and peak memory, for the fused two-FC tutorial
 * fixture at full size (2 x 524,288 MACs) and a conv chain. bench/main.bench.ts
 * calls `simulatorBenchmarks` and records the figures in bench/results.json.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { getHeapStatistics } from "node:v8"
import { loadSpec } from "../spec/load.ts"
import type { Spec } from "../spec/spec.ts"
import { simulate } from "../simulator/mod.ts"

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
const fixtures = join(repoRoot, "..", "shared", "fixtures")

interface Figure {
  name: string
  value: number
  unit: string
}

const loadCases = async (): Promise<Array<{ name: string; spec: Spec }>> => {
  const tutorial = join(fixtures, "looptree-tutorial")
  const twoFc = await loadSpec([join(tutorial, "architecture.yaml"), join(tutorial, "two_fc.workload.yaml"), join(tutorial, "fused.mapping.yaml")], {
    looptree: { bindings: { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" } }
  })
  const convChain = await loadSpec([join(repoRoot, "examples", "pipelined-convs.yaml")])
  return [
    { name: "two-FC fused (tutorial, 1,048,576 MACs)", spec: twoFc },
    { name: "conv chain (pipelined-convs, 71,360 MACs)", spec: convChain }
  ]
}

/** Sample memory while a promise runs (the simulation is synchronous, so sample before and after, plus V8's own peak). */
const measure = async (run: () => Promise<number>): Promise<{ seconds: number; macs: number; peakRssMiB: number; peakHeapMiB: number }> => {
  globalThis.gc?.()
  const before = process.memoryUsage()
  const start = performance.now()
  const macs = await run()
  const seconds = (performance.now() - start) / 1000
  const after = process.memoryUsage()
  const heap = getHeapStatistics()
  const peakHeap = Math.max(before.heapUsed, after.heapUsed, heap.used_heap_size)
  return { seconds, macs, peakRssMiB: Math.max(before.rss, after.rss) / 2 ** 20, peakHeapMiB: peakHeap / 2 ** 20 }
}

export const simulatorBenchmarks = async (): Promise<Array<{ name: string; value: number; unit: string }>> => {
  const figures: Figure[] = []
  const directory = mkdtempSync(join(tmpdir(), "fuselab-bench-"))
  try {
    for (const { name, spec } of await loadCases()) {
      const total = (stats: { ops: Record<string, number> }) => Object.values(stats.ops).reduce((a, b) => a + b, 0)
      // Warm up the JIT on the same spec, then measure repeated runs (at least a second of them).
      await simulate(spec)
      await simulate(spec)
      const repeated = async (options: Parameters<typeof simulate>[1]) => {
        let macs = 0
        const start = performance.now()
        do macs += total(await simulate(spec, options))
        while (performance.now() - start < 1000)
        return macs
      }
      const plain = await measure(() => repeated({}))
      figures.push({ name: `simulator ${name}: MACs/s, no trace`, value: Math.round(plain.macs / plain.seconds), unit: "MACs/s" })
      const once = performance.now()
      await simulate(spec)
      figures.push({ name: `simulator ${name}: seconds per run, no trace`, value: Number(((performance.now() - once) / 1000).toFixed(3)), unit: "s" })
      figures.push({ name: `simulator ${name}: peak RSS, no trace`, value: Number(plain.peakRssMiB.toFixed(1)), unit: "MiB" })
      const file = join(directory, "bench.fltrace")
      const traced = await measure(() => repeated({ trace: file }))
      figures.push({ name: `simulator ${name}: MACs/s, trace to file`, value: Math.round(traced.macs / traced.seconds), unit: "MACs/s" })
      figures.push({ name: `simulator ${name}: trace size`, value: Number((statSync(file).size / 2 ** 20).toFixed(2)), unit: "MiB" })
      figures.push({ name: `simulator ${name}: peak heap, trace to file`, value: Number(traced.peakHeapMiB.toFixed(1)), unit: "MiB" })
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
  return figures
}

// Run directly: print the figures.
if (process.argv[1] !== undefined && /simulator\.bench\.ts$/.test(process.argv[1])) {
  for (const figure of await simulatorBenchmarks()) console.log(`${figure.name}: ${figure.value} ${figure.unit}`)
}
