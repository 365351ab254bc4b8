/**
 * R9.2 (amended): the pipeline window runs over the chain of temporal loops of the pipeline's
 * node list, and every storage node of that list holds the union of its tiles over the
 * iterations in flight, whatever loops lie between it and the pipeline.
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import test from "ava"
import { loadSpec } from "../spec/load.ts"
import { simulate } from "./mod.ts"

const here = dirname(fileURLToPath(import.meta.url))

test("a storage node above an inner chain loop holds two iterations' tiles (I over Q2, R2 below: LocalBuffer 2)", async (t) => {
  // Chain Q2 (2 tiles) x R2 (1 tile): T = 2, W = 2. LocalBuffer[I] sits between Q2 and R2, its
  // tile is I[q2]; iterations 0 and 1 differ in Q2, so the window holds I[0] and I[1].
  const spec = await loadSpec([join(here, "cases", "pipeline-chain-storage-above-loop.yaml")])
  const stats = await simulate(spec)
  t.is(stats.capacity["LocalBuffer"], 2)
})

test("three stages over M3 x C3: W3's GlobalBuffer node above C3 counts the window too (GlobalBuffer 3)", async (t) => {
  const spec = await loadSpec([join(here, "cases", "pipeline-chain-three-stages.yaml")])
  const stats = await simulate(spec)
  t.is(stats.capacity["GlobalBuffer"], 3)
})
