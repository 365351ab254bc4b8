/**
 * The CI campaign: a fixed-seed run of random cases through both engines.
 *
 * Every case must agree on every count, except the known disagreements in
 * campaign-baseline.json, which are listed with their verdicts so they stay
 * visible (like the TypeScript compiler's baselines). A new disagreement
 * fails this test; so does a listed one that now agrees — remove it from the
 * baseline (or rewrite the file with UPDATE_BASELINE=1). The goal is an empty
 * baseline.
 */
import test from "ava"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { writeFileAtomic } from "../cli/write-atomic.ts"
import { runCampaign } from "./campaign.ts"
import { isFailure } from "./compare.ts"

const seed = 1
const count = 600
const baselineFile = join(import.meta.dirname, "campaign-baseline.json")

interface Baseline {
  readonly seed: number
  readonly count: number
  readonly known: Record<string, string>
}

test(`fixed-seed campaign: ${count} random cases, seed ${seed}, no new count mismatch`, async (t) => {
  const campaign = await runCampaign({ seed, count, workers: 1 })
  t.is(campaign.results.length, count)
  const failing = new Map(
    campaign.results
      .filter((r) => isFailure(r))
      .map((r) => [r.id, `${r.verdict}: ${r.mismatches.slice(0, 2).map((m) => `${m.metric} ${m.key} model ${String(m.model)} simulator ${String(m.simulator)}`).join("; ")}`] as const)
  )
  if (process.env.UPDATE_BASELINE === "1") {
    const known = Object.fromEntries([...failing].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })))
    await writeFileAtomic(baselineFile, `${JSON.stringify({ seed, count, known } satisfies Baseline, null, 2)}\n`)
    t.log(`wrote ${failing.size} known disagreements to ${baselineFile}`)
    return
  }
  const baseline = JSON.parse(readFileSync(baselineFile, "utf8")) as Baseline
  t.is(baseline.seed, seed)
  t.is(baseline.count, count)
  const added = [...failing].filter(([id]) => baseline.known[id] === undefined)
  const fixed = Object.keys(baseline.known).filter((id) => !failing.has(id))
  t.deepEqual(added, [], "new disagreements between the model and the simulator")
  t.deepEqual(fixed, [], "these listed disagreements are fixed: remove them from campaign-baseline.json")
  t.log(`${count - failing.size} of ${count} cases agree; ${failing.size} known disagreements remain`)
})
