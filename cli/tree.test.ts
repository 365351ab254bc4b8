import test from "ava"
import { join } from "node:path"
import { loadSpec } from "../spec/load.ts"
import { renderTree } from "./tree.ts"

test("renderTree draws chains nested and branches forked", async (t) => {
  const spec = await loadSpec([join(import.meta.dirname, "..", "examples", "conv1d-no-reuse.yaml")])
  const lines = renderTree(spec.mapping.nodes)
  t.is(lines[0], "storage DRAM [I WA WB B]")
  t.true(lines.some((l) => /└─ storage Buffer \[A\] \(no reuse\)$/.test(l)))
  const fork = lines.findIndex((l) => /^\s*└─ sequential$/.test(l))
  t.true(fork > 0)
  t.regex(lines[fork + 1]!, /├─ temporal pa\/1  \(convA\)$/)
  t.regex(lines[lines.length - 1]!, /└─ compute convB @ MAC$/)
  t.is(lines.filter((l) => l.includes("compute ")).length, 2)
})
