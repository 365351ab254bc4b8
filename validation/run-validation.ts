/**
 * `runValidation`: the whole validation run behind `fuselab validate` and
 * `npm start`: optional examples, random cases, the report, and (with
 * `out`) every failing case shrunk and saved with both engines' stats and
 * the simulator trace.
 */
import { mkdir } from "node:fs/promises"
import { join, relative } from "node:path"
import { loadSpec } from "../spec/load.ts"
import type { Spec } from "../spec/spec.ts"
import { type Campaign, runCampaign } from "./campaign.ts"
import { type SavedCase, shrinkAndSave, writeFileAtomic } from "./corpus.ts"
import type { Engines } from "./engines.ts"
import { generateCase } from "./generators.ts"
import { defaultEnginesModule, enginesFrom } from "./worker.ts"
import { renderHtml } from "./html.ts"
import { buildReport, latencyPoints, type Report } from "./report.ts"

export interface ValidationOptions {
  /** Random cases (default 200). */
  readonly count?: number
  /** Run seed (default 1). */
  readonly seed?: number
  /** Worker threads (default: the machine's parallelism; 1 = in process). */
  readonly workers?: number
  /** Example spec files to run before the random cases. */
  readonly exampleFiles?: ReadonlyArray<string>
  /** Skip examples with more MACs than this (the simulator is literal; default 2,000,000). */
  readonly maxExampleOps?: number
  /** Write the HTML report here. */
  readonly html?: string
  /** Shrink every failing random case and save it here (one directory per case). */
  readonly out?: string
  readonly countFirstOutputRead?: boolean
  readonly onProgress?: (done: number, total: number) => void
  /** Diagnostics (skipped examples, saved cases) go here. */
  readonly note?: (text: string) => void
  readonly engines?: Engines
}

export interface ValidationRun extends Report {
  /** Examples not run because they are too large for the simulator. */
  readonly skippedExamples: ReadonlyArray<string>
  /** Failing cases shrunk and saved (with `out`). */
  readonly saved: ReadonlyArray<{ readonly id: string; readonly directory: string; readonly shrinkSteps: number }>
}

export const runValidation = async (options: ValidationOptions = {}): Promise<ValidationRun> => {
  const seed = options.seed ?? 1
  const count = options.count ?? 200
  const maxOps = options.maxExampleOps ?? 2_000_000
  const specs: Array<{ id: string; spec: Spec }> = []
  const skippedExamples: string[] = []
  for (const file of options.exampleFiles ?? []) {
    const spec = await loadSpec([file])
    const name = relative(process.cwd(), file)
    const ops = spec.workload.einsums.reduce((n, e) => n + e.ops, 0)
    if (ops > maxOps) {
      skippedExamples.push(name)
      options.note?.(`skipping ${name}: ${ops} MACs is more than the simulator is run on here (${maxOps})`)
      continue
    }
    specs.push({ id: `example:${name}`, spec })
  }
  const campaign: Campaign = await runCampaign({
    count,
    seed,
    specs,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.countFirstOutputRead !== undefined ? { countFirstOutputRead: options.countFirstOutputRead } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.engines !== undefined ? { engines: options.engines } : {})
  })
  const report = buildReport(campaign.results, { seed, workers: campaign.workers, seconds: campaign.seconds })
  if (options.html !== undefined) await writeFileAtomic(options.html, renderHtml(report, latencyPoints(campaign.results)))

  const saved: SavedCase[] = []
  if (options.out !== undefined) {
    const engines = options.engines ?? (await enginesFrom(defaultEnginesModule))
    await mkdir(options.out, { recursive: true })
    for (const failure of campaign.results.filter((r) => r.verdict === "mismatch" || r.verdict === "simulator-error" || r.verdict === "model-error")) {
      const match = /^random:(-?\d+):(\d+)$/.exec(failure.id)
      if (match === null) continue
      const index = Number(match[2])
      const id = `s${seed}-i${index}`
      const generated = generateCase(seed, index)
      const result = await shrinkAndSave(engines, generated.doc, id, options.out, {
        origin: failure.id,
        countFirstOutputRead: options.countFirstOutputRead ?? generated.countFirstOutputRead
      })
      if (result !== null) {
        saved.push(result)
        options.note?.(`saved ${join(options.out, id)} (shrunk in ${result.shrinkSteps} steps)`)
      }
    }
  }
  return { ...report, skippedExamples, saved: saved.map((s) => ({ id: s.id, directory: s.directory, shrinkSteps: s.shrinkSteps })) }
}
