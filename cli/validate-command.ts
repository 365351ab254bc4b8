/**
 * `fuselab validate [--count N] [--seed S] [--workers K] [--json] [--html FILE] [--out DIR] [--examples]`:
 * run the analytical model and the simulator on random (workload,
 * architecture, mapping) cases (and the examples) and report how far the
 * model can be trusted. Exit 1 when any count differs (a failed check).
 */
import type { CommandModule } from "yargs"
import { renderReport } from "../validation/report.ts"
import { runValidation, type ValidationRun } from "../validation/run-validation.ts"
import { exampleFiles } from "./examples.ts"
import { note, print } from "./output.ts"
import { progressBar } from "./progress.ts"

export { runValidation }

/** Exit status of a run: 1 when any count mismatched or an engine crashed. */
export const validateExitCode = (run: ValidationRun): number => (run.countMismatches > 0 || run.errors > 0 ? 1 : 0)

export const validateCommand: CommandModule = {
  command: "validate",
  describe: "compare the analytical model with the simulator on random mappings (and the examples)",
  builder: (y) =>
    y
      .option("count", { type: "number", default: 200, describe: "random cases" })
      .option("seed", { type: "number", default: 1, describe: "run seed (case i depends only on it and i)" })
      .option("workers", { type: "number", describe: "worker threads (default: all cores; 1 runs in process)" })
      .option("json", { type: "boolean", default: false, describe: "print the report as JSON on stdout" })
      .option("html", { type: "string", describe: "write an HTML report with plots to FILE" })
      .option("out", { type: "string", describe: "shrink every failing case and save it under DIR" })
      .option("examples", { type: "boolean", default: false, describe: "also run the examples/*.yaml specs" })
      .option("count-first-output-read", { type: "boolean", describe: "count the first read of every output element in every case (default: each random case draws it)" }),
  handler: async (argv) => {
    const args = argv as unknown as {
      count: number
      seed: number
      workers?: number
      json: boolean
      html?: string
      out?: string
      examples: boolean
      countFirstOutputRead?: boolean
    }
    const progress = progressBar({ label: "validating", unit: "cases", total: args.count, after: 300 })
    const run = await runValidation({
      count: args.count,
      seed: args.seed,
      ...(args.workers !== undefined ? { workers: args.workers } : {}),
      ...(args.examples ? { exampleFiles: await exampleFiles() } : {}),
      ...(args.html !== undefined ? { html: args.html } : {}),
      ...(args.out !== undefined ? { out: args.out } : {}),
      ...(args.countFirstOutputRead !== undefined ? { countFirstOutputRead: args.countFirstOutputRead } : {}),
      onProgress: (done: number, total: number) => progress.update(done, total),
      note
    })
    progress.done()
    if (args.json) print(JSON.stringify(run, null, 2))
    else print(renderReport(run))
    if (args.html !== undefined) note(`wrote ${args.html}`)
    process.exitCode = validateExitCode(run)
  }
}
