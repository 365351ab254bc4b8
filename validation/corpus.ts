/**
 * The corpus of past disagreements: each case is a directory
 * `validation/corpus/<id>/` with the minimal `spec.yaml`, both engines'
 * stats as they were when it was found (`model.json`, `simulator.json`), the
 * simulator's trace (`simulator.fltrace`), the engine options
 * (`options.json`) and a `README.md` saying what
 * differed. `npm test` replays every `spec.yaml` (corpus.test.ts): once fixed,
 * a case stays fixed.
 */
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { Either } from "effect"
import type { NativeDocument } from "../spec/native-schema.ts"
import type { Spec } from "../spec/spec.ts"
import { type Comparison, compareOutcomes, isFailure, type Mismatch } from "./compare.ts"
import { type Engines, runModel, runSimulator } from "./engines.ts"
import { caseYaml, specOfDoc } from "./generators.ts"
import { shrinkCase } from "./shrink.ts"

export const corpusDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), "corpus")

/** Write a file all at once (temp file, then rename), so nothing is left half-written. */
export const writeFileAtomic = async (file: string, data: string | Uint8Array): Promise<void> => {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`
  await writeFile(temp, data)
  await rename(temp, file)
}

export const compareSpec = async (engines: Engines, spec: Spec, options: { countFirstOutputRead?: boolean; trace?: string } = {}): Promise<Comparison> => {
  const engineOptions = { countFirstOutputRead: options.countFirstOutputRead ?? false }
  const model = runModel(engines, spec, engineOptions)
  const simulator = await runSimulator(engines, spec, { ...engineOptions, seed: 1, ...(options.trace !== undefined ? { trace: options.trace } : {}) })
  return compareOutcomes(model, simulator)
}

/** Same failure: same verdict, and (for count mismatches) one of the same metrics still differs. */
export const sameFailure = (original: Comparison, now: Comparison): boolean => {
  if (!isFailure(now) || now.verdict !== original.verdict) return false
  if (original.verdict !== "mismatch") return true
  const metrics = new Set(original.mismatches.map((m) => m.metric))
  return now.mismatches.some((m) => metrics.has(m.metric))
}

export interface SavedCase {
  readonly id: string
  readonly directory: string
  readonly doc: NativeDocument
  readonly comparison: Comparison
  readonly shrinkSteps: number
}

const describeMismatch = (m: Mismatch): string => `${m.metric} ${m.key}: model ${String(m.model)}, simulator ${String(m.simulator)}`

/**
 * Shrink a failing case and save it under `directory/<id>/`. Returns null if
 * the case does not fail (any more).
 */
export const shrinkAndSave = async (
  engines: Engines,
  doc: NativeDocument,
  id: string,
  directory: string,
  options: { countFirstOutputRead?: boolean; origin?: string } = {}
): Promise<SavedCase | null> => {
  const loaded = specOfDoc(doc)
  if (Either.isLeft(loaded)) throw new Error(`case ${id} does not load: ${loaded.left.message}`)
  const original = await compareSpec(engines, loaded.right, options)
  if (!isFailure(original)) return null
  const shrunk = await shrinkCase(doc, async (spec) => sameFailure(original, await compareSpec(engines, spec, options)))
  const spec = specOfDoc(shrunk.doc)
  if (Either.isLeft(spec)) throw new Error(`shrunk case ${id} does not load: ${spec.left.message}`)
  const target = path.join(directory, id)
  await mkdir(target, { recursive: true })
  const engineOptions = { countFirstOutputRead: options.countFirstOutputRead ?? false }
  const tracePath = path.join(target, "simulator.fltrace")
  const model = runModel(engines, spec.right, engineOptions)
  const simulator = await runSimulator(engines, spec.right, { ...engineOptions, seed: 1, trace: tracePath })
  const comparison = compareOutcomes(model, simulator)
  const statsOf = (o: typeof model) => ("stats" in o && o.stats !== undefined ? o.stats : { [o.kind]: "message" in o ? o.message : "" })
  const description = [
    `Minimal case ${id}${options.origin !== undefined ? ` (shrunk from ${options.origin} in ${shrunk.steps} steps)` : ""}.`,
    `Verdict when found: ${comparison.verdict}.`,
    ...comparison.mismatches.slice(0, 8).map(describeMismatch)
  ].join("\n")
  await writeFileAtomic(path.join(target, "spec.yaml"), caseYaml({ ...shrunk.doc, description }))
  await writeFileAtomic(path.join(target, "model.json"), `${JSON.stringify(statsOf(model), null, 2)}\n`)
  await writeFileAtomic(path.join(target, "simulator.json"), `${JSON.stringify(statsOf(simulator), null, 2)}\n`)
  await writeFileAtomic(path.join(target, "options.json"), `${JSON.stringify(engineOptions)}\n`)
  await writeFileAtomic(
    path.join(target, "README.md"),
    `# ${id}\n\n${description.split("\n").map((line) => (line.startsWith("Minimal") || line.startsWith("Verdict") ? line : `- ${line}`)).join("\n")}\n\n` +
      `Replay: \`fuselab model ${path.relative(process.cwd(), target)}/spec.yaml --json\` and \`fuselab simulate ... --json\`` +
      " (the stats as found are in model.json and simulator.json; the corpus test replays it).\n" +
      (options.countFirstOutputRead === true ? "Run with countFirstOutputRead (options.json).\n" : "")
  )
  return { id, directory: target, doc: shrunk.doc, comparison, shrinkSteps: shrunk.steps }
}

/** The engine options a saved case was found with (`options.json`; default: none). */
export const corpusOptions = async (directory: string): Promise<{ countFirstOutputRead?: boolean }> => {
  try {
    return JSON.parse(await readFile(path.join(directory, "options.json"), "utf8")) as { countFirstOutputRead?: boolean }
  } catch {
    return {}
  }
}

/** The ids of the saved cases (directories with a spec.yaml). */
export const corpusCases = async (directory = corpusDirectory): Promise<string[]> => {
  try {
    const entries = await readdir(directory, { withFileTypes: true })
    const ids: string[] = []
    for (const entry of entries) {
      if (!entry.isDirectory()) continue
      const files = await readdir(path.join(directory, entry.name))
      if (files.includes("spec.yaml")) ids.push(entry.name)
    }
    return ids.sort()
  } catch {
    return []
  }
}
