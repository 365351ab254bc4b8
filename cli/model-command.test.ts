import { join } from "node:path"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import test from "ava"
import { evaluate } from "../analytical/mod.ts"
import { loadSpec } from "../spec/load.ts"
import { renderModel } from "./model-command.ts"

const tutorial = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "fixtures", "looptree-tutorial")

test("renderModel shows per-level traffic and capacity, ops and recomputation, latency and energy", async (t) => {
  const spec = await loadSpec([join(tutorial, "two_fc.workload.yaml"), join(tutorial, "architecture.yaml"), join(tutorial, "fused.mapping.yaml")], {
    looptree: { bindings: { 0: "MainMemory", 1: "GlobalBuffer", 2: "MACC" } }
  })
  const text = renderModel(spec, evaluate(spec))
  t.regex(text, /^MainMemory\s+16,384\s+8,192\s+24,576\s+24,576\s+unbounded$/m)
  t.regex(text, /^GlobalBuffer\s+3,129,344\s+1,064,960\s+32,768\s+8,384\s+262,144$/m) // fills: the entry of Fmap2 counted once, under Fc1 (R7.1)
  t.regex(text, /^Fc1\s+524,288\s+0$/m)
  t.regex(text, /^latency: 1,048,576 cycles$/m)
  t.regex(text, /^energy: .* pJ \(MainMemory 50,331,648, /m)
})
