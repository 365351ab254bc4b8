import test from "ava"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { Ajv } from "ajv"
import { parse } from "yaml"
import { exampleFiles } from "./examples.ts"
import { nativeJsonSchema } from "./schema.ts"

const root = join(import.meta.dirname, "..")
const shared = join(root, "..", "shared", "fixtures")

/** Run the installed command the way a user does; never throws on a non-zero exit. */
const fuselab = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(root, "cli", "bin.js"), ...args], { cwd: root })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

test("check accepts the LoopTree fixtures with the documented flags", async (t) => {
  const run = await fuselab(
    "check", "--looptree", "--bindings", "0=MainMemory,1=GlobalBuffer,2=MACC",
    join(shared, "looptree-tutorial", "architecture.yaml"), join(shared, "looptree-tutorial", "two_fc.workload.yaml"), join(shared, "looptree-tutorial", "fused.mapping.yaml")
  )
  t.is(run.code, 0, run.stderr)
  t.regex(run.stdout, /Fc2: Fmap3\[M2, P2\] \+= Fmap2\[C2, P2\] \* Filter2\[C2, M2\]/)
})

test("check --json prints a machine-readable summary", async (t) => {
  const run = await fuselab(
    "check", "--json", "--looptree", "--bindings", "0=MainMemory,1=GlobalBuffer,2=GlobalBuffer,3=GlobalBuffer,4=MACC",
    join(shared, "looptree-tests", "three_level.arch.yaml"), join(shared, "looptree-tests", "cascaded_mm.workload.yaml"), join(shared, "looptree-tests", "looptree-test-fused.yaml")
  )
  t.is(run.code, 0, run.stderr)
  const summary = JSON.parse(run.stdout) as { levels: string[]; einsums: Array<{ ops: number }> }
  t.deepEqual(summary.levels, ["MainMemory", "GlobalBuffer", "GlobalBuffer#2", "GlobalBuffer#3"])
  t.deepEqual(summary.einsums.map((e) => e.ops), [72, 288])
})

test("bad input exits 2 with one message per problem and no stack trace", async (t) => {
  const missing = await fuselab("check", "no-such-file.yaml")
  t.is(missing.code, 2)
  t.is(missing.stderr.trim(), "error: no-such-file.yaml: Cannot read file: no such file")
  const unbound = await fuselab("check", "--looptree", "--bindings", "0=MainMemory", join(shared, "looptree-tutorial", "architecture.yaml"), join(shared, "looptree-tutorial", "two_fc.workload.yaml"), join(shared, "looptree-tutorial", "fused.mapping.yaml"))
  t.is(unbound.code, 2)
  t.regex(unbound.stderr, /fused\.mapping\.yaml:\d+:\d+: mapping\.nodes\[1\]\.target: level 1 has no binding/)
  t.notRegex(unbound.stderr, /\n\s+at /, "no stack trace")
  const flag = await fuselab("check", "--bindings", "0=X", "a.yaml")
  t.is(flag.code, 2)
  t.regex(flag.stderr, /--bindings only applies with --looptree/)
})

test("the JSON Schema from `fuselab schema` validates every native example", async (t) => {
  const run = await fuselab("schema")
  t.is(run.code, 0)
  t.deepEqual(JSON.parse(run.stdout), JSON.parse(JSON.stringify(nativeJsonSchema())))
  const validate = new Ajv({ allErrors: true, strict: false }).compile(nativeJsonSchema())
  const files = await exampleFiles()
  t.true(files.length >= 10, "the examples are there")
  for (const file of files) {
    const ok = validate(parse(readFileSync(file, "utf8")))
    t.true(ok, `${file}: ${JSON.stringify(validate.errors)}`)
  }
  t.false(validate({ mapping: { nodes: [{ type: "temporal", rank: "P", tile_shape: 0 }] } }), "a zero tile is invalid")
  t.false(validate({ workload: { einsums: [{ name: "A", ranks: {}, inputs: {}, output: {}, extra: 1 }] } }), "unknown keys are invalid")
})

test("examples: every built-in example checks", async (t) => {
  const run = await fuselab("examples")
  t.is(run.code, 0, run.stdout + run.stderr)
  t.regex(run.stdout, /(\d+) of \1 examples check/)
})
