/**
 * Affine index expressions: `C`, `P + R`, `2*P + R`, `P + 2*R`, `2*P - 1`.
 * A tensor access maps each tensor dimension to one of these over the
 * Einsum's ranks; halos, strides and dilations all fall out of them.
 */
import { Either } from "effect"

export interface AffineTerm {
  readonly rank: string
  readonly coefficient: number
}

export interface AffineExpression {
  /** At most one term per rank, in the order written; coefficients are non-zero integers. */
  readonly terms: ReadonlyArray<AffineTerm>
  readonly constant: number
  /** The expression as written, for messages. */
  readonly text: string
}

const tokenPattern = /\s*(?:(\d+)|([A-Za-z_]\w*)|([+\-*]))/y

type Token = { kind: "int"; value: number } | { kind: "name"; value: string } | { kind: "op"; value: string }

const tokenize = (text: string): Either.Either<Token[], string> => {
  const tokens: Token[] = []
  tokenPattern.lastIndex = 0
  let position = 0
  while (position < text.length) {
    if (/^\s*$/.test(text.slice(position))) break
    tokenPattern.lastIndex = position
    const match = tokenPattern.exec(text)
    if (match === null) {
      return Either.left(`unexpected "${text.slice(position).trim()[0]}" at column ${position + 1}`)
    }
    if (match[1] !== undefined) tokens.push({ kind: "int", value: Number(match[1]) })
    else if (match[2] !== undefined) tokens.push({ kind: "name", value: match[2] })
    else tokens.push({ kind: "op", value: match[3]! })
    position = tokenPattern.lastIndex
  }
  return Either.right(tokens)
}

/**
 * Parse an affine expression. Fails with a short reason (the caller adds the
 * file and path) when the text is not affine: products of ranks, division,
 * unknown symbols.
 */
export const parseAffine = (text: string): Either.Either<AffineExpression, string> => {
  const tokenized = tokenize(text)
  if (Either.isLeft(tokenized)) return Either.left(`"${text}" is not an affine expression: ${tokenized.left}`)
  const tokens = tokenized.right
  if (tokens.length === 0) return Either.left(`empty index expression`)
  const coefficients = new Map<string, number>()
  let constant = 0
  let index = 0
  const fail = (why: string) => Either.left(`"${text}" is not an affine expression: ${why}`)
  let sign = 1
  if (tokens[0]?.kind === "op" && tokens[0].value === "-") {
    sign = -1
    index++
  }
  for (;;) {
    // term := int | name | int '*' name | name '*' int
    const first = tokens[index++]
    if (first === undefined || first.kind === "op") return fail("expected a rank or an integer")
    let coefficient = 1
    let rank: string | undefined
    if (tokens[index]?.kind === "op" && tokens[index]!.value === "*") {
      const second = tokens[index + 1]
      if (second === undefined || second.kind === "op") return fail("expected a rank or an integer after \"*\"")
      index += 2
      if (first.kind === "int" && second.kind === "name") [coefficient, rank] = [first.value, second.value]
      else if (first.kind === "name" && second.kind === "int") [coefficient, rank] = [second.value, first.value]
      else if (first.kind === "name") return fail(`product of ranks ${first.value}*${second.value as string}`)
      else {
        constant += sign * first.value * (second.value as number)
        rank = undefined
        coefficient = 0
      }
      if (tokens[index]?.kind === "op" && tokens[index]!.value === "*") return fail("products of more than two factors")
    } else if (first.kind === "int") {
      constant += sign * first.value
    } else {
      rank = first.value
    }
    if (rank !== undefined && coefficient !== 0) {
      coefficients.set(rank, (coefficients.get(rank) ?? 0) + sign * coefficient)
    }
    const next = tokens[index++]
    if (next === undefined) break
    if (next.kind !== "op" || next.value === "*") return fail(`unexpected "${String(next.value)}"`)
    sign = next.value === "+" ? 1 : -1
  }
  const terms = [...coefficients].filter(([, c]) => c !== 0).map(([rank, coefficient]) => ({ rank, coefficient }))
  return Either.right({ terms, constant, text: text.trim() })
}

/** Smallest and largest value of an expression over ranks in [0, bound). */
export const affineRange = (
  expression: AffineExpression,
  extentOf: (rank: string) => number
): { min: number; max: number } => {
  let min = expression.constant
  let max = expression.constant
  for (const { rank, coefficient } of expression.terms) {
    const top = coefficient * (extentOf(rank) - 1)
    if (top > 0) max += top
    else min += top
  }
  return { min, max }
}

/** Canonical text, e.g. `2*P + R - 1`. */
export const formatAffine = (expression: AffineExpression): string => {
  const parts: string[] = []
  for (const { rank, coefficient } of expression.terms) {
    const magnitude = Math.abs(coefficient)
    const body = magnitude === 1 ? rank : `${magnitude}*${rank}`
    parts.push(parts.length === 0 ? (coefficient < 0 ? `-${body}` : body) : `${coefficient < 0 ? "-" : "+"} ${body}`)
  }
  if (expression.constant !== 0 || parts.length === 0) {
    const c = expression.constant
    parts.push(parts.length === 0 ? String(c) : `${c < 0 ? "-" : "+"} ${Math.abs(c)}`)
  }
  return parts.join(" ")
}

/** Evaluate at a point (rank values looked up by name). */
export const evaluateAffine = (expression: AffineExpression, valueOf: (rank: string) => number): number => {
  let value = expression.constant
  for (const { rank, coefficient } of expression.terms) value += coefficient * valueOf(rank)
  return value
}
