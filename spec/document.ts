/**
 * Decode one native file into its sections. Mapping nodes are dispatched on
 * their `type` by hand (rather than through a Schema union) so a mistake in
 * a node gets one message about that node, not one per node kind.
 */
import { Either, Schema } from "effect"
import { didYouMean, type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import { decodeWith } from "./decode.ts"
import {
  NativeArchitecture,
  NativeWorkload,
  type NativeDocument,
  type NativeMapping,
  type NativeNode,
  NodeSchemas
} from "./native-schema.ts"
import { locateIssues, type SourceDoc } from "./source.ts"

const sectionKeys = ["description", "workload", "architecture", "mapping"] as const

export const decodeNativeDocument = (source: SourceDoc): Either.Either<NativeDocument, SpecError> => {
  const value = source.value
  if (!isRecord(value)) {
    return fail(source, [], "expected a mapping with workload, architecture and/or mapping sections")
  }
  const issues: SpecIssue[] = []
  const out: { -readonly [K in keyof NativeDocument]: NativeDocument[K] } = {}
  for (const key of Object.keys(value)) {
    if (!(sectionKeys as ReadonlyArray<string>).includes(key)) {
      issues.push({
        file: source.file,
        path: [key],
        message: `unknown section "${key}"${didYouMean(key, sectionKeys)}; expected one of ${sectionKeys.join(", ")}`
      })
    }
  }
  const collect = <A>(result: Either.Either<A, SpecError>): A | undefined => {
    if (Either.isLeft(result)) {
      issues.push(...result.left.issues)
      return undefined
    }
    return result.right
  }
  if (value.description !== undefined) {
    const description = collect(decodeWith(Schema.String, source, value.description, ["description"]))
    if (description !== undefined) out.description = description
  }
  if (value.workload !== undefined) {
    const workload = collect(decodeWith(NativeWorkload, source, value.workload, ["workload"]))
    if (workload !== undefined) out.workload = workload
  }
  if (value.architecture !== undefined) {
    const architecture = collect(decodeWith(NativeArchitecture, source, value.architecture, ["architecture"]))
    if (architecture !== undefined) out.architecture = architecture
  }
  if (value.mapping !== undefined) {
    const mapping = collect(decodeMapping(source, value.mapping, ["mapping"]))
    if (mapping !== undefined) out.mapping = mapping
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues: locateIssues(source, issues) }))
  return Either.right(out)
}

export const decodeMapping = (
  source: SourceDoc,
  value: unknown,
  at: DocPath
): Either.Either<NativeMapping, SpecError> => {
  if (!isRecord(value)) return fail(source, at, "expected a mapping with a nodes list")
  const issues: SpecIssue[] = []
  for (const key of Object.keys(value)) {
    if (key !== "nodes") {
      issues.push({ file: source.file, path: [...at, key], message: `unknown key "${key}"${didYouMean(key, ["nodes"])}; expected nodes` })
    }
  }
  const nodes = decodeNodeList(source, value.nodes, [...at, "nodes"], issues)
  if (issues.length > 0) return Either.left(new SpecError({ issues: locateIssues(source, issues) }))
  return Either.right({ nodes: nodes! })
}

const nodeTypes = Object.keys(NodeSchemas) as ReadonlyArray<keyof typeof NodeSchemas>

const decodeNodeList = (
  source: SourceDoc,
  value: unknown,
  at: DocPath,
  issues: SpecIssue[]
): NativeNode[] | undefined => {
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({ file: source.file, path: at, message: "expected a non-empty list of mapping nodes" })
    return undefined
  }
  const nodes: NativeNode[] = []
  value.forEach((raw, index) => {
    const node = decodeNode(source, raw, [...at, index], issues)
    if (node !== undefined) nodes.push(node)
  })
  return nodes.length === value.length ? nodes : undefined
}

const decodeNode = (source: SourceDoc, raw: unknown, at: DocPath, issues: SpecIssue[]): NativeNode | undefined => {
  if (!isRecord(raw)) {
    issues.push({ file: source.file, path: at, message: `expected a mapping node {type: ${nodeTypes.join(" | ")}, ...}` })
    return undefined
  }
  const type = raw.type
  if (typeof type !== "string" || !(type in NodeSchemas)) {
    const shown = typeof type === "string" ? `"${type}"` : JSON.stringify(type ?? null)
    issues.push({
      file: source.file,
      path: [...at, "type"],
      message: type === undefined
        ? `is missing; expected one of ${nodeTypes.join(", ")}`
        : `unknown node type ${shown}${typeof type === "string" ? didYouMean(type, nodeTypes) : ""}; expected one of ${nodeTypes.join(", ")}`
    })
    return undefined
  }
  if (type === "sequential" || type === "pipeline") {
    const { branches, ...rest } = raw
    const head = decodeWith(NodeSchemas[type], source, { ...rest, branches: [] }, at)
    if (Either.isLeft(head)) {
      issues.push(...head.left.issues)
      return undefined
    }
    if (!Array.isArray(branches) || branches.length === 0) {
      issues.push({ file: source.file, path: [...at, "branches"], message: "expected a non-empty list of branches (each a list of nodes)" })
      return undefined
    }
    const decoded = branches.map((branch, index) => decodeNodeList(source, branch, [...at, "branches", index], issues))
    if (decoded.some((b) => b === undefined)) return undefined
    return { type, branches: decoded as NativeNode[][] }
  }
  const result = decodeWith(NodeSchemas[type as keyof typeof NodeSchemas] as unknown as Schema.Schema<NativeNode, unknown>, source, raw, at)
  if (Either.isLeft(result)) {
    issues.push(...result.left.issues)
    return undefined
  }
  return result.right
}

const fail = (source: SourceDoc, path: DocPath, message: string) =>
  Either.left(new SpecError({ issues: locateIssues(source, [{ file: source.file, path, message }]) }))

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
