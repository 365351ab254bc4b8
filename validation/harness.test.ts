import test from "ava"
import { fileURLToPath } from "node:url"
import { evaluate } from "../analytical/mod.ts"
import type { Spec } from "../spec/spec.ts"
import type { Stats } from "../spec/stats.ts"
import { runCampaign } from "./campaign.ts"
import type { Engines } from "./engines.ts"
import { buildReport, renderReport } from "./report.ts"

// The harness is tested with the model standing in for both engines (and a
// deliberately broken "simulator"), so these tests do not depend on the simulator.
const asSimulator = (spec: Spec, options = {}): Stats => {
  const stats = evaluate(spec, options)
  return { ...stats, latency: stats.latency + 1, meta: { ...stats.meta, engine: "simulator" } }
}
const agreeing: Engines = { evaluate, simulate: async (spec, options) => asSimulator(spec, options) }
const broken: Engines = {
  evaluate,
  simulate: async (spec, options) => {
    const stats = asSimulator(spec, options)
    const first = Object.keys(stats.ops)[0]!
    return { ...stats, ops: { ...stats.ops, [first]: stats.ops[first]! + 1 } }
  }
}

test("engines that agree give no count mismatch, and the report says so", async (t) => {
  const campaign = await runCampaign({ count: 60, seed: 3, workers: 1, engines: agreeing })
  const report = buildReport(campaign.results, { seed: 3, workers: 1, seconds: campaign.seconds })
  t.is(report.cases, 60)
  t.is(report.countMismatches, 0)
  t.true(report.agreements > 0)
  t.is(report.exactMatchRate.ops, 1)
  t.true(report.latencyError.max > 0)
  t.regex(renderReport(report), /count mismatches\s+0/)
})

test("a disagreement is a count mismatch with its key and both numbers", async (t) => {
  const campaign = await runCampaign({ count: 30, seed: 3, workers: 1, engines: broken })
  const report = buildReport(campaign.results, { seed: 3, workers: 1, seconds: campaign.seconds })
  t.is(report.countMismatches, report.agreements + report.countMismatches)
  const failure = report.failures.find((f) => f.verdict === "mismatch")!
  t.is(failure.mismatches[0]!.metric, "ops")
  t.is(Number(failure.mismatches[0]!.simulator) - Number(failure.mismatches[0]!.model), 1)
})

test("a run is the same for a seed, case by case", async (t) => {
  const strip = (c: Awaited<ReturnType<typeof runCampaign>>) => c.results.map(({ seconds: _s, ...rest }) => rest)
  const a = await runCampaign({ count: 25, seed: 9, workers: 1, engines: agreeing })
  const b = await runCampaign({ count: 25, seed: 9, workers: 1, engines: agreeing })
  t.deepEqual(strip(a), strip(b))
})

test("worker threads give the same results as one thread", async (t) => {
  const enginesModule = fileURLToPath(new URL("./testing/stand-in-engines.ts", import.meta.url))
  const strip = (c: Awaited<ReturnType<typeof runCampaign>>) => c.results.map(({ seconds: _s, ...rest }) => rest)
  const one = await runCampaign({ count: 50, seed: 4, workers: 1, enginesModule })
  const two = await runCampaign({ count: 50, seed: 4, workers: 2, enginesModule })
  t.is(two.workers, 2)
  t.deepEqual(strip(two), strip(one))
})

test("runValidation gives the report JSON the CLI prints, and writes the HTML page", async (t) => {
  const { mkdtemp, readFile, readdir, rm } = await import("node:fs/promises")
  const { tmpdir } = await import("node:os")
  const path = await import("node:path")
  const { runValidation } = await import("./run-validation.ts")
  const directory = await mkdtemp(path.join(tmpdir(), "fuselab-validate-"))
  try {
    const html = path.join(directory, "report.html")
    const run = await runValidation({ count: 20, seed: 2, workers: 1, engines: agreeing, html })
    const json = JSON.parse(JSON.stringify(run))
    for (const key of ["cases", "countMismatches", "exactMatchRate", "latencyError", "energyError", "kendallTau", "seconds"]) t.true(key in json, key)
    t.deepEqual(Object.keys(json.latencyError).slice(0, 3), ["median", "p95", "max"])
    t.is(json.cases, 20)
    t.regex(await readFile(html, "utf8"), /<svg/)
    t.deepEqual((await readdir(directory)).sort(), ["report.html"])
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
})
