/**
 * Source documents: a parsed YAML/JSON file that remembers where every value
 * came from, so later phases can report `file:line:col` for any path.
 */
import { Either } from "effect"
import { isCollection, LineCounter, parseDocument, type Document, type Node } from "yaml"
import { type DocPath, type SpecIssue, SpecError } from "./errors.ts"

export interface SourceDoc {
  readonly file: string
  /** Plain JS value of the whole document. */
  readonly value: unknown
  /** Locate a path inside this document (the nearest existing ancestor if the path does not exist). */
  readonly locate: (path: DocPath) => { line: number; column: number } | undefined
  /** The YAML tag (e.g. `!Component`) of the node at a path, if any. */
  readonly tagAt: (path: DocPath) => string | undefined
}

/** Parse YAML (JSON is YAML) text. Malformed text fails with the line and column of the first error. */
export const parseSource = (file: string, text: string): Either.Either<SourceDoc, SpecError> => {
  const lineCounter = new LineCounter()
  const doc: Document.Parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const issues: SpecIssue[] = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0])
      return { file, path: [], message: `Cannot parse YAML: ${firstLine(error.message)}`, line, column: col }
    })
    return Either.left(new SpecError({ issues: issues.slice(0, 1) }))
  }
  const nodeAt = (path: DocPath): Node | undefined => {
    let node: unknown = doc.contents
    let found: Node | undefined = isNode(node) ? node : undefined
    for (const key of path) {
      if (!isCollection(node)) break
      const next = node.get(key, true)
      if (next === undefined) {
        // A missing key: point at the collection that should have had it.
        break
      }
      node = next
      if (isNode(node)) found = node
    }
    return found
  }
  return Either.right({
    file,
    value: doc.toJS({ maxAliasCount: 10000 }) ?? null,
    locate: (path) => {
      const node = nodeAt(path)
      const start = node?.range?.[0]
      if (start === undefined) return undefined
      const { line, col } = lineCounter.linePos(start)
      return { line, column: col }
    },
    tagAt: (path) => {
      const node = nodeAt(path)
      return node?.tag ?? undefined
    }
  })
}

const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && "range" in value

const firstLine = (message: string): string => message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")

/** Attach line/column from a source document to issues that lack them. */
export const locateIssues = (source: SourceDoc | undefined, issues: ReadonlyArray<SpecIssue>): SpecIssue[] =>
  issues.map((issue) => {
    if (source === undefined || issue.line !== undefined || issue.file !== source.file) return issue
    const at = source.locate(issue.path)
    return at === undefined ? issue : { ...issue, line: at.line, column: at.column }
  })
