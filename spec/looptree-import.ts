/**
 * Importer for the original LoopTree input files, read unchanged:
 * `problem:` workloads with ISL `instance` bounds, Timeloop v0.4
 * architectures (`!Component`, `!Container`), and `mapping: {type: fused}`
 * with integer targets bound to components by a bindings table. Each file
 * becomes a native section plus a function that turns native paths back
 * into paths of the original file, so messages point at what the user wrote.
 */
import { Either, Schema } from "effect"
import { decodeWith } from "./decode.ts"
import { isRecord } from "./document.ts"
import { didYouMean, type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import { parseIslBounds, substituteTemplate } from "./isl-bounds.ts"
import { logicalName } from "./mapping.ts"
import type { NativeArchitecture, NativeLevel, NativeMapping, NativeNode, NativeWorkload } from "./native-schema.ts"
import { locateIssues, type SourceDoc } from "./source.ts"

export interface LoopTreeOptions {
  /** Integer level id -> architecture component name. */
  readonly bindings: Readonly<Record<number, string>>
  /** Values for `{NAME}` placeholders in workload templates. */
  readonly variables?: Readonly<Record<string, number>>
}

/** Turns a path in the native form back into a path of the original file. */
export type PathTranslator = (path: DocPath) => DocPath

export type LoopTreeKind = "workload" | "architecture" | "mapping"

/** Which LoopTree file this is, by its top-level key. */
export const looptreeKindOf = (value: unknown): LoopTreeKind | undefined => {
  if (!isRecord(value)) return undefined
  if ("problem" in value) return "workload"
  if ("mapping" in value) return "mapping"
  if ("architecture" in value) return "architecture"
  return undefined
}

// ----------------------------------------------------------------- workload

const DataSpace = Schema.Struct({
  name: Schema.String,
  dimensions: Schema.optional(Schema.Array(Schema.String)),
  projection: Schema.Union(Schema.String, Schema.Array(Schema.Unknown)),
  read_write: Schema.optional(Schema.Union(Schema.Boolean, Schema.Number))
})
const Problem = Schema.Array(
  Schema.Struct({
    shape: Schema.Struct({
      name: Schema.String,
      dimensions: Schema.Array(Schema.String),
      data_spaces: Schema.Array(DataSpace)
    }),
    instance: Schema.String
  })
)

/** `'[ C, P + R ]'` -> `["C", "P + R"]`; the list forms (`[[[C]], [[P], [R]]]`, `[C, "P + R"]`) too. */
const projectionTerms = (projection: string | ReadonlyArray<unknown>): Either.Either<string[], string> => {
  if (typeof projection === "string") {
    const match = /^\s*\[(.*)\]\s*$/s.exec(projection)
    if (match === null) return Either.left(`expected a projection like "[ C, P + R ]", got "${projection}"`)
    const inner = match[1]!.trim()
    return Either.right(inner === "" ? [] : inner.split(",").map((s) => s.trim()))
  }
  const terms: string[] = []
  for (const dimension of projection) {
    if (typeof dimension === "string" || typeof dimension === "number") terms.push(String(dimension))
    else if (Array.isArray(dimension)) {
      // Timeloop's list form: [[coefficient?, rank], ...] summed.
      const parts = dimension.map((term) =>
        Array.isArray(term) ? (term.length === 2 ? `${String(term[1])}*${String(term[0])}` : String(term[0])) : String(term)
      )
      terms.push(parts.join(" + "))
    } else return Either.left(`cannot read projection ${JSON.stringify(projection)}`)
  }
  return Either.right(terms)
}

export const importWorkload = (
  source: SourceDoc,
  options: LoopTreeOptions
): Either.Either<{ workload: NativeWorkload; translate: PathTranslator }, SpecError> => {
  const raw = (source.value as Record<string, unknown>).problem
  const decoded = decodeWith(Problem, source, raw, ["problem"], "ignore")
  if (Either.isLeft(decoded)) return Either.left(decoded.left)
  const issues: SpecIssue[] = []
  const spaceIndex: Array<Map<string, number>> = []
  // A template is reported once, at its first placeholder, with every missing name.
  const allInstances = decoded.right.map((entry) => entry.instance).join(" and ")
  const template = substituteTemplate(allInstances, options.variables ?? {})
  if (Either.isLeft(template)) {
    const first = decoded.right.findIndex((entry) => Either.isLeft(substituteTemplate(entry.instance, options.variables ?? {})))
    return Either.left(new SpecError({ issues: locateIssues(source, [{ file: source.file, path: ["problem", first, "instance"], message: template.left }]) }))
  }
  const einsums = decoded.right.map((entry, i) => {
    const instance = substituteTemplate(entry.instance, options.variables ?? {})
    let bounds = new Map<string, number>()
    if (Either.isLeft(instance)) issues.push({ file: source.file, path: ["problem", i, "instance"], message: instance.left })
    else {
      const parsed = parseIslBounds(instance.right)
      if (Either.isLeft(parsed)) issues.push({ file: source.file, path: ["problem", i, "instance"], message: parsed.left })
      else bounds = parsed.right
    }
    const ranks: Record<string, number> = {}
    for (const rank of entry.shape.dimensions) {
      const bound = bounds.get(rank)
      if (bound === undefined && Either.isRight(instance)) {
        issues.push({ file: source.file, path: ["problem", i, "instance"], message: `no bounds for rank ${rank} of ${entry.shape.name}` })
      }
      ranks[rank] = bound ?? 1
    }
    for (const rank of bounds.keys()) {
      if (!entry.shape.dimensions.includes(rank)) {
        issues.push({
          file: source.file,
          path: ["problem", i, "instance"],
          message: `"${rank}" is bounded here but is not a dimension of ${entry.shape.name} (${entry.shape.dimensions.join(", ")})${didYouMean(rank, entry.shape.dimensions)}`
        })
      }
    }
    const inputs: Record<string, string[]> = {}
    const output: Record<string, string[]> = {}
    const indexOfSpace = new Map<string, number>()
    entry.shape.data_spaces.forEach((space, k) => {
      indexOfSpace.set(space.name, k)
      const terms = projectionTerms(space.projection)
      if (Either.isLeft(terms)) {
        issues.push({ file: source.file, path: ["problem", i, "shape", "data_spaces", k, "projection"], message: terms.left })
        return
      }
      if (space.read_write === true || space.read_write === 1) output[space.name] = terms.right
      else inputs[space.name] = terms.right
    })
    spaceIndex.push(indexOfSpace)
    return { name: entry.shape.name, ranks, inputs, output }
  })
  if (issues.length > 0) return Either.left(new SpecError({ issues: locateIssues(source, issues) }))
  const translate: PathTranslator = (path) => {
    if (path[0] !== "workload" || path[1] !== "einsums" || typeof path[2] !== "number") return ["problem"]
    const i = path[2]
    const field = path[3]
    if (field === undefined) return ["problem", i]
    if (field === "name") return ["problem", i, "shape", "name"]
    if (field === "ranks") return ["problem", i, "instance"]
    if ((field === "inputs" || field === "output") && typeof path[4] === "string") {
      const k = spaceIndex[i]?.get(path[4])
      return k === undefined ? ["problem", i, "shape", "data_spaces"] : ["problem", i, "shape", "data_spaces", k, "projection"]
    }
    return ["problem", i]
  }
  return Either.right({ workload: { einsums }, translate })
}

// ------------------------------------------------------------- architecture

/**
 * Per-word energies (pJ) for component classes, used when the file gives
 * none: the values the published LoopTree results imply for the tutorial's
 * 45 nm components (DRAM 2048, SRAM read 121.679 / write 115.102, MAC 0.845).
 * Attributes `read_energy`, `write_energy`, `energy` override them.
 */
export const defaultEnergies: Readonly<Record<string, { read: number; write: number }>> = {
  DRAM: { read: 2048, write: 2048 },
  SRAM: { read: 121.679, write: 115.102 },
  regfile: { read: 121.679, write: 115.102 },
  intmac: { read: 0.845, write: 0.845 }
}

const computeClasses = /mac|compute|alu|multiplier|adder/i

const Attributes = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const TimeloopNode = Schema.Struct({
  name: Schema.String,
  class: Schema.optional(Schema.String),
  attributes: Schema.optional(Attributes),
  spatial: Schema.optional(Schema.Struct({ meshX: Schema.optional(Schema.Number), meshY: Schema.optional(Schema.Number) }))
})
const TimeloopArchitecture = Schema.Struct({
  version: Schema.optional(Schema.Union(Schema.Number, Schema.String)),
  nodes: Schema.Array(TimeloopNode)
})

const numberAttribute = (attributes: Record<string, unknown> | undefined, key: string): number | undefined => {
  const value = attributes?.[key]
  return typeof value === "number" ? value : typeof value === "string" && /^-?[\d.]+(e-?\d+)?$/i.test(value) ? Number(value) : undefined
}

export const importArchitecture = (
  source: SourceDoc
): Either.Either<{ architecture: NativeArchitecture; declaresFanout: boolean; translate: PathTranslator }, SpecError> => {
  const raw = (source.value as Record<string, unknown>).architecture
  if (isRecord(raw) && ("subtree" in raw || "local" in raw) && !("nodes" in raw)) {
    return Either.left(new SpecError({ issues: locateIssues(source, [{ file: source.file, path: ["architecture"], message: "Timeloop v0.3 architectures (subtree/local) are not supported; use the v0.4 form (version: 0.4, nodes: [...])" }]) }))
  }
  const decoded = decodeWith(TimeloopArchitecture, source, raw, ["architecture"], "ignore")
  if (Either.isLeft(decoded)) return Either.left(decoded.left)
  const issues: SpecIssue[] = []
  const levels: Array<{ -readonly [K in keyof NativeLevel]: NativeLevel[K] }> = []
  const nodeOfLevel: number[] = []
  let compute: NativeArchitecture["compute"] | undefined
  let computeNode = -1
  let declaresFanout = false
  // A container or component with `spatial` replicates everything below it: the fanout of the level above.
  let pendingFanout = { x: 1, y: 1 }
  decoded.right.nodes.forEach((node, j) => {
    const tag = source.tagAt(["architecture", "nodes", j])
    const meshX = node.spatial?.meshX ?? numberAttribute(node.attributes, "meshX") ?? 1
    const meshY = node.spatial?.meshY ?? numberAttribute(node.attributes, "meshY") ?? 1
    if (meshX > 1 || meshY > 1) {
      declaresFanout = true
      pendingFanout = { x: pendingFanout.x * meshX, y: pendingFanout.y * meshY }
    }
    if (tag === "!Container" || tag === "!Hierarchical" || tag === "!Nothing" || tag === "!Parallel") return
    if (tag !== undefined && tag !== "!Component") {
      issues.push({ file: source.file, path: ["architecture", "nodes", j], message: `unknown architecture node tag ${tag}; expected !Component or !Container` })
      return
    }
    const klass = node.class ?? ""
    const attributes = node.attributes
    const energy = defaultEnergies[klass] ?? defaultEnergies[Object.keys(defaultEnergies).find((k) => klass.toLowerCase().includes(k.toLowerCase())) ?? ""]
    const readEnergy = numberAttribute(attributes, "read_energy") ?? numberAttribute(attributes, "energy") ?? energy?.read ?? 0
    const writeEnergy = numberAttribute(attributes, "write_energy") ?? numberAttribute(attributes, "energy") ?? energy?.write ?? 0
    if (computeClasses.test(klass)) {
      if (compute !== undefined) {
        issues.push({ file: source.file, path: ["architecture", "nodes", j], message: `a second compute component (${node.name}); fuselab models one compute unit` })
        return
      }
      compute = { name: node.name, ops_per_cycle: 1, energy_per_op: numberAttribute(attributes, "energy") ?? energy?.read ?? 0 }
      computeNode = j
      if (levels.length > 0) levels[levels.length - 1]!.fanout = pendingFanout.y > 1 ? { x: pendingFanout.x, y: pendingFanout.y } : pendingFanout.x
      return
    }
    const width = numberAttribute(attributes, "width")
    const datawidth = numberAttribute(attributes, "datawidth") ?? numberAttribute(attributes, "word_bits")
    const portWords = width !== undefined && datawidth !== undefined ? Math.max(1, Math.floor(width / datawidth)) : undefined
    const depth = numberAttribute(attributes, "depth")
    const size = numberAttribute(attributes, "size")
    const isDram = /dram/i.test(klass)
    const capacity = isDram ? undefined : size ?? (depth !== undefined && portWords !== undefined ? depth * portWords : undefined)
    const rd = numberAttribute(attributes, "n_rd_ports") ?? 0
    const wr = numberAttribute(attributes, "n_wr_ports") ?? 0
    const rdwr = numberAttribute(attributes, "n_rdwr_ports") ?? (rd === 0 && wr === 0 ? 1 : 0)
    const level: { -readonly [K in keyof NativeLevel]: NativeLevel[K] } = { name: node.name, read_energy: readEnergy, write_energy: writeEnergy }
    if (capacity !== undefined) level.capacity = capacity
    if (portWords !== undefined) {
      level.bandwidth = rd === 0 && wr === 0 ? rdwr * portWords : { read: (rd + rdwr) * portWords, write: (wr + rdwr) * portWords }
    }
    const blockSize = numberAttribute(attributes, "block_size")
    if (blockSize !== undefined && isDram) level.block_size = blockSize
    const latency = numberAttribute(attributes, "latency")
    if (latency !== undefined) level.latency = latency
    if (levels.length > 0 && (pendingFanout.x > 1 || pendingFanout.y > 1)) {
      levels[levels.length - 1]!.fanout = pendingFanout.y > 1 ? { x: pendingFanout.x, y: pendingFanout.y } : pendingFanout.x
    }
    pendingFanout = { x: 1, y: 1 }
    levels.push(level)
    nodeOfLevel.push(j)
  })
  if (compute === undefined) {
    issues.push({ file: source.file, path: ["architecture", "nodes"], message: "no compute component (class intmac, mac, ...) in the architecture" })
  }
  if (levels.length === 0) issues.push({ file: source.file, path: ["architecture", "nodes"], message: "no memory component in the architecture" })
  if (issues.length > 0) return Either.left(new SpecError({ issues: locateIssues(source, issues) }))
  const translate: PathTranslator = (path) => {
    if (path[1] === "levels" && typeof path[2] === "number") return ["architecture", "nodes", nodeOfLevel[path[2]] ?? 0]
    if (path[1] === "compute") return ["architecture", "nodes", computeNode]
    return ["architecture"]
  }
  return Either.right({ architecture: { levels, compute: compute! }, declaresFanout, translate })
}

// ------------------------------------------------------------------ mapping

const FusedMapping = Schema.Struct({ type: Schema.Literal("fused"), nodes: Schema.Array(Schema.Unknown) })

/** The logical level name of every memory target: the k-th id bound to a component is `Component#k`. */
export const logicalNamesOfBindings = (
  bindings: Readonly<Record<number, string>>,
  computeName: string
): Map<number, string> => {
  const names = new Map<number, string>()
  const seen = new Map<string, number>()
  for (const id of Object.keys(bindings).map(Number).sort((a, b) => a - b)) {
    const component = bindings[id]!
    if (component === computeName) {
      names.set(id, component)
      continue
    }
    const copy = (seen.get(component) ?? 0) + 1
    seen.set(component, copy)
    names.set(id, logicalName(component, copy))
  }
  return names
}

export const importMapping = (
  source: SourceDoc,
  options: LoopTreeOptions,
  architecture: NativeArchitecture
): Either.Either<{ mapping: NativeMapping; translate: PathTranslator }, SpecError> => {
  const raw = (source.value as Record<string, unknown>).mapping
  const decoded = decodeWith(FusedMapping, source, raw, ["mapping"], "ignore")
  if (Either.isLeft(decoded)) return Either.left(decoded.left)
  const issues: SpecIssue[] = []
  const components = [...architecture.levels.map((l) => l.name), architecture.compute.name]
  for (const [id, component] of Object.entries(options.bindings)) {
    if (!components.includes(component)) {
      issues.push({
        file: source.file,
        path: ["mapping"],
        message: `binding ${id}=${component}: "${component}" is not a component of the architecture (${components.join(", ")})${didYouMean(component, components)}`
      })
    }
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues: locateIssues(source, issues) }))
  const names = logicalNamesOfBindings(options.bindings, architecture.compute.name)
  const target = (value: unknown, path: DocPath, wantCompute: boolean): string => {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      issues.push({ file: source.file, path, message: `expected an integer level id, got ${JSON.stringify(value ?? null)}` })
      return ""
    }
    const name = names.get(value)
    if (name === undefined) {
      issues.push({ file: source.file, path, message: `level ${value} has no binding; pass it in --bindings (e.g. ${value}=${wantCompute ? architecture.compute.name : architecture.levels[0]!.name})` })
      return ""
    }
    if (wantCompute !== (name === architecture.compute.name)) {
      issues.push({
        file: source.file,
        path,
        message: wantCompute
          ? `compute target ${value} is bound to ${name}, which is not the compute unit (${architecture.compute.name})`
          : `storage target ${value} is bound to the compute unit ${name}; storage needs a memory component`
      })
    }
    return name
  }
  const convertList = (list: unknown, at: DocPath): NativeNode[] => {
    if (!Array.isArray(list)) {
      issues.push({ file: source.file, path: at, message: "expected a list of mapping nodes" })
      return []
    }
    return list.map((node, i) => convert(node, [...at, i]))
  }
  const allowed: Record<string, ReadonlyArray<string>> = {
    storage: ["type", "target", "dspace", "exploits_reuse"],
    temporal: ["type", "rank", "tile_shape", "factor", "iterator_name"],
    spatial: ["type", "rank", "tile_shape", "factor", "iterator_name", "spatial"],
    sequential: ["type", "branches"],
    pipeline: ["type", "branches"],
    compute: ["type", "einsum", "target", "parallelism", "incomplete"]
  }
  const convert = (node: unknown, at: DocPath): NativeNode => {
    if (!isRecord(node) || typeof node.type !== "string" || !(node.type in allowed)) {
      const type = isRecord(node) ? node.type : undefined
      issues.push({
        file: source.file,
        path: isRecord(node) ? [...at, "type"] : at,
        message: `unknown node type ${JSON.stringify(type ?? null)}${typeof type === "string" ? didYouMean(type, Object.keys(allowed)) : ""}; expected one of ${Object.keys(allowed).join(", ")}`
      })
      return { type: "compute", einsum: "", level: "" }
    }
    for (const key of Object.keys(node)) {
      if (!allowed[node.type]!.includes(key)) {
        issues.push({ file: source.file, path: [...at, key], message: `unknown key "${key}"${didYouMean(key, allowed[node.type]!)}; expected one of ${allowed[node.type]!.join(", ")}` })
      }
    }
    const positive = (value: unknown, key: string): number => {
      if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
        issues.push({ file: source.file, path: [...at, key], message: `expected a positive integer, got ${JSON.stringify(value ?? null)}` })
        return 1
      }
      return value
    }
    const text = (value: unknown, key: string): string => {
      if (typeof value !== "string") issues.push({ file: source.file, path: [...at, key], message: `expected a name, got ${JSON.stringify(value ?? null)}` })
      return String(value)
    }
    switch (node.type) {
      case "storage": {
        const dspace = Array.isArray(node.dspace) ? node.dspace.map(String) : []
        if (dspace.length === 0) issues.push({ file: source.file, path: [...at, "dspace"], message: "expected a non-empty list of tensor names" })
        return { type: "storage", level: target(node.target, [...at, "target"], false), tensors: dspace, ...(node.exploits_reuse === false ? { exploits_reuse: false } : {}) }
      }
      case "temporal":
      case "spatial": {
        if (node.factor !== undefined && node.tile_shape === undefined) {
          issues.push({ file: source.file, path: [...at, "factor"], message: "loops given by factor are not supported (the original cannot evaluate them either); give tile_shape" })
        }
        const rank = text(node.rank, "rank")
        const tile_shape = positive(node.tile_shape, "tile_shape")
        if (node.type === "temporal") return { type: "temporal", rank, tile_shape }
        const dim = node.spatial === 1 ? "y" : "x"
        return { type: "spatial", rank, tile_shape, dim }
      }
      case "sequential":
      case "pipeline": {
        if (!Array.isArray(node.branches) || node.branches.length === 0) {
          issues.push({ file: source.file, path: [...at, "branches"], message: "expected a non-empty list of branches" })
          return { type: node.type, branches: [] }
        }
        return { type: node.type, branches: node.branches.map((b, k) => convertList(b, [...at, "branches", k])) }
      }
      default:
        return { type: "compute", einsum: text(node.einsum, "einsum"), level: target(node.target, [...at, "target"], true) }
    }
  }
  const nodes = convertList(decoded.right.nodes, ["mapping", "nodes"])
  if (issues.length > 0) return Either.left(new SpecError({ issues: locateIssues(source, issues) }))
  const translate: PathTranslator = (path) => {
    const last = path[path.length - 1]
    if (last === "level") return [...path.slice(0, -1), "target"]
    if (last === "tensors") return [...path.slice(0, -1), "dspace"]
    if (path[path.length - 2] === "tensors") return [...path.slice(0, -2), "dspace", last!]
    return path
  }
  return Either.right({ mapping: { nodes }, translate })
}
