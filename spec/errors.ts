/**
 * Errors for bad input. Every user-facing failure of spec loading is a
 * `SpecError` carrying the file, the path inside it and (when the source
 * text is known) line and column, so the CLI can print one precise line and
 * exit 2 without a stack trace.
 */
import { Data } from "effect"

/** A path inside a document: object keys and array indices, outermost first. */
export type DocPath = ReadonlyArray<string | number>

/** One problem found in one file. */
export interface SpecIssue {
  readonly file: string
  readonly path: DocPath
  readonly message: string
  readonly line?: number
  readonly column?: number
}

/** Bad input: one or more issues, each naming its file and path. */
export class SpecError extends Data.TaggedError("SpecError")<{
  readonly issues: ReadonlyArray<SpecIssue>
}> {
  override get message(): string {
    return this.issues.map(formatIssue).join("\n")
  }
}

/** Render a path the way users write it: `mapping.nodes[3].branches[1][0].rank`. */
export const formatPath = (path: DocPath): string => {
  let out = ""
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`
    else if (/^[A-Za-z_][\w#-]*$/.test(part)) out += out === "" ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}

/** `file:line:col: path: message` (parts that are unknown are left out). */
export const formatIssue = (issue: SpecIssue): string => {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file
  const path = formatPath(issue.path)
  return path === "" ? `${where}: ${issue.message}` : `${where}: ${path}: ${issue.message}`
}

export const specError = (issue: SpecIssue): SpecError => new SpecError({ issues: [issue] })

/** Levenshtein distance, for "did you mean" suggestions. */
export const editDistance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/** The closest candidate to `word`, if it is close enough to be a plausible typo. */
export const nearest = (word: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}

/** ` (did you mean "x"?)` or nothing. */
export const didYouMean = (word: string, candidates: Iterable<string>): string => {
  const hit = nearest(word, candidates)
  return hit === undefined ? "" : ` (did you mean "${hit}"?)`
}
