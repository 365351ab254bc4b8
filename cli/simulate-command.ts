/**
 * `fuselab simulate SPEC... [--json] [--trace FILE] [--seed N] [--max-cycles N]
 * [--count-first-output-read]`: run the reference simulator. stdout carries
 * the Stats (JSON with --json); stderr the progress bar (for runs longer
 * than a second, on a TTY, not under CI) and diagnostics.
 */
import type { CommandModule } from "yargs"
import { loadSpec } from "../spec/load.ts"
import type { Stats } from "../spec/stats.ts"
import { SimulationError, simulateDetailed, type SimulationResult } from "../simulator/mod.ts"
import { loadOptionsFrom, UsageError, withSpecOptions } from "./options.ts"
import { note, print } from "./output.ts"
import { progressBar } from "./progress.ts"

const integer = (value: unknown, flag: string): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag}: expected a non-negative integer, got ${String(value)}`)
  return n
}

export const renderSimulation = (result: SimulationResult): string => {
  const { stats } = result
  const lines: string[] = []
  lines.push(`ops: ${Object.entries(stats.ops).map(([e, n]) => `${e} ${n}`).join(", ")}`)
  lines.push(`latency: ${stats.latency} cycles`)
  lines.push(`energy: ${stats.energy.total.toFixed(3)} pJ (${Object.entries(stats.energy.byLevel).map(([l, e]) => `${l} ${e.toFixed(3)}`).join(", ")})`)
  lines.push(`capacity (peak words per instance): ${Object.entries(stats.capacity).map(([l, n]) => `${l} ${n}`).join(", ")}`)
  lines.push("")
  const header = ["level", "tensor", "einsum", "reads", "writes", "fills", "occupancy"]
  const rows = stats.accesses.map((a) => [a.level, a.tensor, a.einsum, String(a.reads), String(a.writes), String(a.fills), String(a.occupancy)])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const format = (row: string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
  lines.push(format(header), ...rows.map(format))
  lines.push("")
  lines.push("component        busy cycles  utilization  stall cycles")
  for (const c of result.components) {
    lines.push(`${c.name.padEnd(16)} ${String(c.busyCycles).padStart(11)}  ${(c.utilization * 100).toFixed(1).padStart(10)}%  ${String(c.stallCycles).padStart(12)}`)
  }
  lines.push("")
  lines.push("functional check: passed (outputs equal a direct evaluation of the Einsums)")
  for (const warning of stats.warnings ?? []) lines.push(`warning: ${warning}`)
  return lines.join("\n")
}

export const simulateCommand: CommandModule = {
  command: "simulate <spec..>",
  describe: "run the reference simulator (literal, functional, cycle-level) and print its Stats",
  builder: (y) =>
    withSpecOptions(y)
      .option("trace", { type: "string", describe: "write the trace of every fill, eviction and compute step to FILE (msgpack, see traces/format.ts)" })
      .option("seed", { type: "number", default: 1, describe: "seed of the random input data" })
      .option("max-cycles", { type: "number", describe: "stop with an error when simulated time passes N cycles" })
      .option("count-first-output-read", { type: "boolean", default: false, describe: "count the first read of every output element (the LoopTree tutorial's convention)" }),
  handler: async (argv) => {
    const args = argv as unknown as {
      spec: string[]
      json: boolean
      looptree: boolean
      bindings?: string
      define?: string
      trace?: string
      seed: number
      maxCycles?: number
      countFirstOutputRead: boolean
    }
    const seed = integer(args.seed, "seed") ?? 1
    const maxCycles = integer(args.maxCycles, "max-cycles")
    const spec = await loadSpec(args.spec, loadOptionsFrom(args))
    const total = spec.workload.einsums.reduce((n, e) => n + e.ops, 0)
    const bar = progressBar({ label: "simulating", unit: "MACs", total })
    let result: SimulationResult
    try {
      result = await simulateDetailed(spec, {
        seed,
        countFirstOutputRead: args.countFirstOutputRead,
        ...(args.trace !== undefined ? { trace: args.trace } : {}),
        ...(maxCycles !== undefined ? { maxCycles } : {}),
        onProgress: (done) => bar.update(done)
      })
    } catch (error) {
      bar.done()
      if (error instanceof SimulationError) {
        note(`error: ${error.message}`)
        process.exitCode = 1
        return
      }
      throw error
    }
    bar.done()
    if (args.trace !== undefined) note(`trace written to ${args.trace}`)
    if (args.json) print(JSON.stringify(result.stats satisfies Stats, null, 2))
    else print(renderSimulation(result))
  }
}
