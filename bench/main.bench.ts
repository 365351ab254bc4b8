/**
 * `npm run bench`: run every benchmark suite and write the figures to
 * bench/results.json (through a temp file), so runs can be compared. Timings
 * on the shared 2-core machine are noisy: compare several runs.
 */
import { cpus, totalmem } from "node:os"
import { join } from "node:path"
import { writeFileAtomic } from "../cli/write-atomic.ts"
import { analyticalBenchmarks } from "./analytical.bench.ts"
import type { BenchFigure } from "./figure.ts"
import { simulatorBenchmarks } from "./simulator.bench.ts"

const suites: ReadonlyArray<[string, () => Promise<ReadonlyArray<BenchFigure>>]> = [
  ["analytical", analyticalBenchmarks],
  ["simulator", simulatorBenchmarks]
]

const only = process.argv.slice(2)
const results: Record<string, ReadonlyArray<BenchFigure>> = {}
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue
  process.stderr.write(`bench: ${name}\n`)
  results[name] = await run()
  for (const figure of results[name]) process.stdout.write(`${name.padEnd(12)} ${figure.name.padEnd(48)} ${figure.value.toLocaleString("en-US", { maximumFractionDigits: 1 }).padStart(14)} ${figure.unit}\n`)
}
const file = join(import.meta.dirname, "results.json")
await writeFileAtomic(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, memoryBytes: totalmem(), results }, null, 2)}\n`
)
process.stderr.write(`bench: wrote ${file}\n`)
