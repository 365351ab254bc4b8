/**
 * Decode a source document against a Schema and turn Schema's issues into
 * `SpecIssue`s with file, path, line and column, and "did you mean" for
 * unknown keys.
 */
import { Either, ParseResult, Schema } from "effect"
import { didYouMean, type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import { locateIssues, type SourceDoc } from "./source.ts"

export const decodeWith = <A, I>(
  schema: Schema.Schema<A, I>,
  source: SourceDoc,
  value: unknown = source.value,
  prefix: DocPath = [],
  excess: "error" | "ignore" = "error"
): Either.Either<A, SpecError> => {
  const result = Schema.decodeUnknownEither(schema, { onExcessProperty: excess, errors: "all" })(value)
  if (Either.isRight(result)) return Either.right(result.right)
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  const converted: SpecIssue[] = keepMostSpecific(dedupe(issues.map((issue) => ({
    file: source.file,
    path: [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    message: messageOf(issue)
  }))))
  return Either.left(new SpecError({ issues: sortByPosition(locateIssues(source, converted)) }))
}

const messageOf = (issue: ParseResult.ArrayFormatterIssue): string => {
  if (issue._tag === "Unexpected") {
    const key = String(issue.path[issue.path.length - 1])
    const expected = [...issue.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]!)
    const list = expected.length > 0 ? `; expected one of ${expected.join(", ")}` : ""
    return `unknown key "${key}"${didYouMean(key, expected)}${list}`
  }
  if (issue._tag === "Missing") return "is missing"
  return issue.message.replace(/^Expected /, "expected ")
}

const dedupe = (issues: SpecIssue[]): SpecIssue[] => {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    const key = JSON.stringify(issue.path) + issue.message
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Unions (optional fields, `fanout: 4 | {x, y}`) report one issue per
 * alternative; the alternative that got deepest into the value is the one
 * the user meant, so shallower issues on its ancestors are dropped.
 */
const keepMostSpecific = (issues: SpecIssue[]): SpecIssue[] =>
  issues.filter(
    (issue) =>
      !/^expected undefined\b/.test(issue.message) &&
      !issues.some((other) => other.path.length > issue.path.length && isPrefix(issue.path, other.path))
  )

const isPrefix = (prefix: DocPath, path: DocPath): boolean => prefix.every((part, i) => path[i] === part)

const sortByPosition = (issues: SpecIssue[]): SpecIssue[] =>
  [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
