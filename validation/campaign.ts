/**
 * A validation run: the given specs (examples) plus `count` random cases,
 * in process (`workers: 1`) or on piscina worker threads. The results are
 * ordered by position, and every random case depends only on the run seed
 * and its index, so a run is the same whatever the worker count.
 */
import { availableParallelism } from "node:os"
import { Piscina } from "piscina"
import type { Spec } from "../spec/spec.ts"
import { type CaseOptions, type CaseResult, runRandomCase, runSpecCase } from "./case.ts"
import type { Engines } from "./engines.ts"
import { type Batch, defaultEnginesModule, enginesFrom } from "./worker.ts"

export interface CampaignOptions extends CaseOptions {
  readonly count: number
  readonly seed: number
  /** Worker threads; 1 runs in process. Default: the machine's parallelism. */
  readonly workers?: number
  /** Specs run before the random cases, with their ids. */
  readonly specs?: ReadonlyArray<{ readonly id: string; readonly spec: Spec }>
  /** Called after every finished case with (done, total). */
  readonly onProgress?: (done: number, total: number) => void
  /** Engines for in-process runs (tests pass stand-ins). */
  readonly engines?: Engines
  /** Path of a module exporting `loadEngines()` (default: the real engines); what worker threads use. */
  readonly enginesModule?: string
}

export interface Campaign {
  readonly results: ReadonlyArray<CaseResult>
  readonly seconds: number
  readonly workers: number
}

const batchSize = 50

export const defaultWorkers = (): number => Math.max(1, availableParallelism())

export const runCampaign = async (options: CampaignOptions): Promise<Campaign> => {
  const started = performance.now()
  const workers = Math.max(1, options.workers ?? defaultWorkers())
  const specs = options.specs ?? []
  const total = specs.length + options.count
  const caseOptions: CaseOptions = options.countFirstOutputRead === undefined ? {} : { countFirstOutputRead: options.countFirstOutputRead }
  const results: CaseResult[] = []
  let done = 0
  const finished = (n: number) => {
    done += n
    options.onProgress?.(done, total)
  }
  const engines = options.engines ?? (await enginesFrom(options.enginesModule ?? defaultEnginesModule))

  // Examples run in process: they are few, and a Spec does not cross a thread boundary cheaply.
  for (const [position, { id, spec }] of specs.entries()) {
    results.push(await runSpecCase(engines, spec, { id, index: position, group: id }, caseOptions))
    finished(1)
  }

  if (workers === 1 || options.count <= batchSize) {
    for (let index = 0; index < options.count; index++) {
      results.push(await runRandomCase(engines, options.seed, index, specs.length + index, caseOptions))
      finished(1)
    }
  } else {
    const pool = new Piscina({
      filename: new URL("./worker.ts", import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      // Workers run TypeScript through tsx like the main thread.
      execArgv: process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : [...process.execArgv, "--import", "tsx"]
    })
    try {
      const batches: Batch[] = []
      for (let start = 0; start < options.count; start += batchSize) {
        const cases: Array<readonly [number, number]> = []
        for (let index = start; index < Math.min(options.count, start + batchSize); index++) cases.push([index, specs.length + index])
        batches.push({ seed: options.seed, cases, options: caseOptions, ...(options.enginesModule !== undefined ? { enginesModule: options.enginesModule } : {}) })
      }
      const outputs = await Promise.all(
        batches.map(async (batch) => {
          const out = (await pool.run(batch)) as CaseResult[]
          finished(out.length)
          return out
        })
      )
      for (const out of outputs) results.push(...out)
    } finally {
      await pool.destroy()
    }
  }
  results.sort((a, b) => a.index - b.index)
  return { results, seconds: (performance.now() - started) / 1000, workers }
}
