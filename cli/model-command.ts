/**
 * `fuselab model SPEC... [--json] [--count-first-output-read]`: evaluate a
 * spec with the analytical model; a readable table by default, the `Stats`
 * JSON with --json.
 */
import type { CommandModule } from "yargs"
import { evaluate } from "../analytical/mod.ts"
import { loadSpec } from "../spec/load.ts"
import type { Spec } from "../spec/spec.ts"
import type { Stats } from "../spec/stats.ts"
import { loadOptionsFrom, withSpecOptions } from "./options.ts"
import { print } from "./output.ts"

const number = (n: number): string => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 3 }))

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string[] => {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()
  return [line(header), ...rows.map(line)]
}

/** The readable summary of a model run. */
export const renderModel = (spec: Spec, stats: Stats): string => {
  const out: string[] = []
  out.push(`model ${spec.source.files.join(" ")}${stats.meta.options.countFirstOutputRead === true ? "  (first output reads counted)" : ""}`)
  out.push("")
  const levelRows = spec.architecture.levels.map((level) => {
    const mine = stats.accesses.filter((a) => a.level === level.name || a.level.startsWith(`${level.name}#`))
    const sum = (f: "reads" | "writes" | "fills") => mine.reduce((n, a) => n + a[f], 0)
    const needed = stats.capacity[level.name] ?? 0
    return [level.name, number(sum("reads")), number(sum("writes")), number(sum("fills")), number(needed), level.capacity === null ? "unbounded" : number(level.capacity)]
  })
  out.push(...table(["level", "reads", "writes", "fills", "capacity needed", "available"], levelRows))
  out.push("")
  const einsumRows = spec.workload.einsums.map((e) => {
    const ops = stats.ops[e.name] ?? 0
    return [e.name, number(ops), number(ops - e.ops)]
  })
  out.push(...table(["einsum", "ops", "recomputed"], einsumRows))
  out.push("")
  out.push(...table(["level|tensor|einsum", "reads", "writes", "fills", "occupancy"], stats.accesses.map((a) => [`${a.level}|${a.tensor}|${a.einsum}`, number(a.reads), number(a.writes), number(a.fills), number(a.occupancy)])))
  out.push("")
  out.push(`latency: ${number(stats.latency)} cycles`)
  const energy = Object.entries(stats.energy.byLevel).map(([level, pj]) => `${level} ${number(pj)}`)
  out.push(`energy: ${number(stats.energy.total)} pJ (${energy.join(", ")})`)
  for (const warning of stats.warnings ?? []) out.push(`warning: ${warning}`)
  return out.join("\n")
}

export const modelCommand: CommandModule = {
  command: "model <spec..>",
  describe: "evaluate a spec with the fast analytical model (traffic, capacity, ops, latency, energy)",
  builder: (y) =>
    withSpecOptions(y).option("count-first-output-read", {
      type: "boolean",
      default: false,
      describe: "count the first read of every output element from its parent (the LoopTree tutorial's convention)"
    }),
  handler: async (argv) => {
    const args = argv as unknown as { spec: string[]; json: boolean; looptree: boolean; bindings?: string; define?: string; countFirstOutputRead: boolean }
    const spec = await loadSpec(args.spec, loadOptionsFrom(args))
    const stats = evaluate(spec, { countFirstOutputRead: args.countFirstOutputRead })
    if (args.json) print(JSON.stringify(stats))
    else print(renderModel(spec, stats))
  }
}
