import test from "ava"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { specFromSources } from "./load.ts"

const examples = join(import.meta.dirname, "..", "examples")
const files = readdirSync(examples).filter((f) => f.endsWith(".yaml")).sort()

test("there are examples to check", (t) => {
  t.true(files.length >= 10)
})

for (const file of files) {
  const text = readFileSync(join(examples, file), "utf8")

  test(`example ${file} checks`, (t) => {
    const result = specFromSources([{ file, text }])
    t.true(Either.isRight(result), Either.isLeft(result) ? result.left.message : "")
  })

  test(`a broken copy of ${file} is rejected at the right path`, (t) => {
    // Break the first loop of the mapping: its rank no longer exists.
    const mappingStart = text.indexOf("\nmapping:")
    const loop = /rank: (\w+)/.exec(text.slice(mappingStart))!
    const at = mappingStart + loop.index
    const broken = `${text.slice(0, at)}rank: NoSuchRank${text.slice(at + loop[0].length)}`
    const line = broken.slice(0, at).split("\n").length
    const result = specFromSources([{ file, text: broken }])
    if (Either.isRight(result)) return t.fail("the broken copy was accepted")
    t.regex(result.left.message, new RegExp(`^${file.replace(".", "\\.")}:${line}:\\d+: mapping\\.nodes(\\[\\d+\\](\\.branches\\[\\d+\\]\\[\\d+\\])*)\\.rank: "NoSuchRank" is not a rank of \\w+`))
  })
}
