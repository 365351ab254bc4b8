/**
 * `fuselab examples` (and `npm start`): load and check every built-in
 * example spec and print one line each.
 */
import { readdir } from "node:fs/promises"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Either } from "effect"
import { loadSpecEffect } from "../spec/load.ts"

export const examplesDirectory = join(dirname(fileURLToPath(import.meta.url)), "..", "examples")

/** Every example spec file (`examples/*.yaml`), sorted. */
export const exampleFiles = async (): Promise<string[]> =>
  (await readdir(examplesDirectory)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(examplesDirectory, f))

export const runExamples = async (options: { json: boolean; print: (text: string) => void }): Promise<number> => {
  const files = await exampleFiles()
  const results: Array<{ file: string; ok: boolean; einsums?: number; macs?: number; error?: string }> = []
  for (const file of files) {
    const loaded = await Effect.runPromise(Effect.either(loadSpecEffect([file])))
    const name = relative(process.cwd(), file)
    if (Either.isLeft(loaded)) results.push({ file: name, ok: false, error: loaded.left.message })
    else results.push({ file: name, ok: true, einsums: loaded.right.workload.einsums.length, macs: loaded.right.workload.einsums.reduce((n, e) => n + e.ops, 0) })
  }
  if (options.json) options.print(JSON.stringify(results, null, 2))
  else {
    for (const r of results) {
      options.print(r.ok ? `ok    ${r.file}  (${r.einsums} Einsum${r.einsums === 1 ? "" : "s"}, ${r.macs} MACs)` : `FAIL  ${r.file}\n${r.error!.split("\n").map((l) => `      ${l}`).join("\n")}`)
    }
    const failed = results.filter((r) => !r.ok).length
    options.print(`${results.length - failed} of ${results.length} examples check`)
  }
  return results.every((r) => r.ok) ? 0 : 1
}
