/**
 * Loading a spec: read files, parse, decode (native or LoopTree import),
 * merge sections, resolve and check. `specFromSources` is the pure core;
 * `loadSpecEffect` adds file IO; `loadSpec` is the Promise API.
 */
import { readFile } from "node:fs/promises"
import { Effect, Either } from "effect"
import { resolveArchitecture } from "./architecture.ts"
import { decodeNativeDocument, isRecord } from "./document.ts"
import { type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import {
  importArchitecture,
  importMapping,
  importWorkload,
  type LoopTreeOptions,
  looptreeKindOf,
  type PathTranslator
} from "./looptree-import.ts"
import type { NativeArchitecture, NativeMapping, NativeWorkload } from "./native-schema.ts"
import { checkFanout, resolveMapping, sizeFanout } from "./resolve-mapping.ts"
import { locateIssues, parseSource, type SourceDoc } from "./source.ts"
import { hashSpec, type Spec } from "./spec.ts"
import { resolveWorkload } from "./workload.ts"

export interface LoadOptions {
  /** Read the original LoopTree files (problem / Timeloop v0.4 architecture / fused mapping) with these bindings. */
  readonly looptree?: LoopTreeOptions
}

export interface SourceText {
  readonly file: string
  readonly text: string
}

interface Section<A> {
  readonly value: A
  readonly source: SourceDoc
  readonly translate: PathTranslator
}

const identity: PathTranslator = (path) => path

/** Parse, decode, merge and check in-memory sources. */
export const specFromSources = (
  texts: ReadonlyArray<SourceText>,
  options: LoadOptions = {}
): Either.Either<Spec, SpecError> => {
  if (texts.length === 0) return Either.left(new SpecError({ issues: [{ file: "(command line)", path: [], message: "no spec files given" }] }))
  const sources: SourceDoc[] = []
  for (const { file, text } of texts) {
    const parsed = parseSource(file, text)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    sources.push(parsed.right)
  }
  let workload: Section<NativeWorkload> | undefined
  let architecture: Section<NativeArchitecture> | undefined
  let mapping: Section<NativeMapping> | undefined
  let description: string | undefined
  let declaresFanout = true
  const issues: SpecIssue[] = []
  const place = <A>(name: string, current: Section<A> | undefined, next: Section<A>): Section<A> => {
    if (current !== undefined) {
      issues.push(...locateIssues(next.source, [{ file: next.source.file, path: [], message: `a second ${name} (the first is in ${current.source.file}); give each section once` }]))
    }
    return next
  }

  if (options.looptree !== undefined) {
    const looptree = options.looptree
    const byKind = new Map<string, SourceDoc>()
    for (const source of sources) {
      const kind = looptreeKindOf(source.value)
      if (kind === undefined) {
        issues.push({ file: source.file, path: [], message: "not a LoopTree file: expected a top-level problem (workload), architecture or mapping key" })
        continue
      }
      if (byKind.has(kind)) issues.push({ file: source.file, path: [], message: `a second LoopTree ${kind} file (the first is ${byKind.get(kind)!.file})` })
      byKind.set(kind, source)
    }
    for (const kind of ["workload", "architecture", "mapping"]) {
      if (!byKind.has(kind)) issues.push({ file: "(command line)", path: [], message: `no LoopTree ${kind} file among ${sources.map((s) => s.file).join(", ")}` })
    }
    if (issues.length > 0) return Either.left(new SpecError({ issues }))
    const w = importWorkload(byKind.get("workload")!, looptree)
    const a = importArchitecture(byKind.get("architecture")!)
    if (Either.isLeft(w)) return Either.left(w.left)
    if (Either.isLeft(a)) return Either.left(a.left)
    const m = importMapping(byKind.get("mapping")!, looptree, a.right.architecture)
    if (Either.isLeft(m)) return Either.left(m.left)
    workload = { value: w.right.workload, source: byKind.get("workload")!, translate: w.right.translate }
    architecture = { value: a.right.architecture, source: byKind.get("architecture")!, translate: a.right.translate }
    mapping = { value: m.right.mapping, source: byKind.get("mapping")!, translate: m.right.translate }
    declaresFanout = a.right.declaresFanout
  } else {
    for (const source of sources) {
      if (isRecord(source.value) && looptreeKindOf(source.value) === "workload") {
        issues.push({ file: source.file, path: ["problem"], message: "this is a LoopTree workload; load LoopTree files with --looptree --bindings 0=MainMemory,1=GlobalBuffer,2=MACC (your ids and components)" })
        continue
      }
      if (isRecord(source.value) && isRecord(source.value.mapping) && source.value.mapping.type === "fused") {
        issues.push({ file: source.file, path: ["mapping", "type"], message: "this is a LoopTree mapping; load LoopTree files with --looptree --bindings ..." })
        continue
      }
      const decoded = decodeNativeDocument(source)
      if (Either.isLeft(decoded)) {
        issues.push(...decoded.left.issues)
        continue
      }
      const doc = decoded.right
      if (doc.description !== undefined) description = doc.description
      if (doc.workload !== undefined) workload = place("workload", workload, { value: doc.workload, source, translate: identity })
      if (doc.architecture !== undefined) architecture = place("architecture", architecture, { value: doc.architecture, source, translate: identity })
      if (doc.mapping !== undefined) mapping = place("mapping", mapping, { value: doc.mapping, source, translate: identity })
    }
    if (issues.length > 0) return Either.left(new SpecError({ issues }))
    const files = sources.map((s) => s.file).join(", ")
    if (workload === undefined) issues.push({ file: files, path: [], message: "no workload section in the given files" })
    if (architecture === undefined) issues.push({ file: files, path: [], message: "no architecture section in the given files" })
    if (mapping === undefined) issues.push({ file: files, path: [], message: "no mapping section in the given files" })
    if (issues.length > 0) return Either.left(new SpecError({ issues }))
  }

  const w = workload!
  const a = architecture!
  const m = mapping!
  const relocate = (sections: ReadonlyArray<Section<unknown>>) => (error: SpecError): SpecError =>
    new SpecError({
      issues: error.issues.map((issue) => {
        const section = sections.find((s) => s.source.file === issue.file)
        if (section === undefined) return issue
        return locateIssues(section.source, [{ file: issue.file, path: section.translate(issue.path) }].map((i) => ({ ...i, message: issue.message })))[0]!
      })
    })
  const all = [w, a, m] as ReadonlyArray<Section<unknown>>

  const resolvedWorkload = resolveWorkload(w.value, w.source.file)
  if (Either.isLeft(resolvedWorkload)) return Either.left(relocate(all)(resolvedWorkload.left))
  const resolvedArchitecture = resolveArchitecture(a.value, a.source.file)
  if (Either.isLeft(resolvedArchitecture)) return Either.left(relocate(all)(resolvedArchitecture.left))
  const resolved = resolveMapping(m.value, resolvedWorkload.right, resolvedArchitecture.right, m.source.file)
  if (Either.isLeft(resolved)) return Either.left(relocate(all)(resolved.left))

  let arch = resolvedArchitecture.right
  const notes: string[] = []
  if (!declaresFanout) {
    const sized = sizeFanout(resolved.right.spatialUses, arch)
    arch = sized.architecture
    notes.push(...sized.notes)
  }
  const fits = checkFanout(resolved.right.spatialUses, arch, m.source.file)
  if (Either.isLeft(fits)) return Either.left(relocate(all)(fits.left))

  const spec: Omit<Spec, "hash"> = {
    workload: resolvedWorkload.right,
    architecture: arch,
    mapping: resolved.right.mapping,
    levels: resolved.right.levels,
    source: { files: sources.map((s) => s.file), format: options.looptree !== undefined ? "looptree" : "native" },
    ...(description !== undefined ? { description } : {}),
    notes
  }
  return Either.right({ ...spec, hash: hashSpec(spec) })
}

/** Read the files and load them; fails with a `SpecError` naming the file and path. */
export const loadSpecEffect = (files: ReadonlyArray<string>, options: LoadOptions = {}): Effect.Effect<Spec, SpecError> =>
  Effect.gen(function* () {
    const texts = yield* Effect.forEach(files, (file) =>
      Effect.tryPromise({
        try: () => readFile(file, "utf8"),
        catch: (cause) =>
          new SpecError({ issues: [{ file, path: [], message: `Cannot read file: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((cause as Error).message ?? cause)}` }] })
      }).pipe(Effect.map((text) => ({ file, text })))
    )
    return yield* specFromSources(texts, options)
  })

/**
 * Load and check a spec from files (native YAML/JSON, or LoopTree files with
 * `{ looptree: { bindings } }`). Rejects with a `SpecError` whose message
 * names the file, line and path of every problem.
 */
export const loadSpec = (files: ReadonlyArray<string>, options: LoadOptions = {}): Promise<Spec> =>
  Effect.runPromise(Effect.either(loadSpecEffect(files, options))).then((result) => {
    if (Either.isLeft(result)) throw result.left
    return result.right
  })

export type { DocPath }
