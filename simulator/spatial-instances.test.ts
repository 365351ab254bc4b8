/**
 * R8.2 (clarified): availability is per spatial instance. Instances of one spatial loop at one
 * step are simultaneous, so what a sibling computes in the same iteration (or drains only at a
 * later step) is not available: each instance computes the halo it needs.
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import test from "ava"
import { loadSpec } from "../spec/load.ts"
import { simulate } from "./mod.ts"

const here = dirname(fileURLToPath(import.meta.url))

test("conv1d -> conv1d, convB's channels on two instances above the branch: each instance computes all of A itself", async (t) => {
  // Per instance: step pb[0..1] needs A[0..3] (4 rows computed), step pb[2..3] needs A[2..5]
  // (A[2..3] resident, 2 rows computed): 6 rows x 3 taps. The sibling's A[0..1] reaches the
  // shared DRAM copy only at its step 1, after this instance's step 0. So convA = 2 x 18 = 36.
  const spec = await loadSpec([join(here, "cases", "spatial-halo-per-instance.yaml")])
  const stats = await simulate(spec)
  t.deepEqual(stats.ops, { convA: 36, convB: 24 })
  // Each instance drains its 6 dirty elements of A into DRAM; the two copies of an element leave
  // at the same transition (A[0..1] at step 1, A[2..5] at the end) and reduce into one write (R4.7).
  const drains = stats.accesses.find((a) => a.level === "DRAM" && a.tensor === "A" && a.einsum === "convA")
  t.is(drains?.writes, 6)
})
