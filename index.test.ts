import test from "ava"
import { join } from "node:path"
// The package imports itself by name, as a user's script would.
import { loadSpec, SpecError } from "fuselab"

const fixtures = join(import.meta.dirname, "..", "shared", "fixtures", "looptree-tutorial")

test("loadSpec is importable by package name and loads LoopTree files", async (t) => {
  const spec = await loadSpec(
    [join(fixtures, "fused.mapping.yaml"), join(fixtures, "two_fc.workload.yaml"), join(fixtures, "architecture.yaml")],
    { looptree: { bindings: { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" } } }
  )
  t.deepEqual(spec.workload.einsums.map((e) => e.ops), [524288, 524288])
})

test("loadSpec rejects with a SpecError naming the file", async (t) => {
  const error = await t.throwsAsync(loadSpec(["does-not-exist.yaml"]))
  t.true(error instanceof SpecError)
  t.regex(error!.message, /does-not-exist\.yaml: Cannot read file/)
})
