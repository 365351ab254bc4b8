/**
 * Rank bounds from the ISL `instance` constraints of LoopTree workloads,
 * e.g. `0 <= P1 < 128 and 0 <= M1 < 64`. Only what those files use is
 * accepted: conjunctions of (chained) comparisons between one rank and
 * integer constants, with every rank starting at 0.
 */
import { Either } from "effect"

/** Replace `{NAME}` template placeholders; fails naming the first one without a value. */
export const substituteTemplate = (
  text: string,
  variables: Readonly<Record<string, number>>
): Either.Either<string, string> => {
  const missing = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((name) => variables[name] === undefined)
  if (missing.length > 0) {
    const names = [...new Set(missing)]
    return Either.left(
      `this is a template: give values for ${names.map((n) => `{${n}}`).join(", ")} with --define ${names.map((n) => `${n}=...`).join(",")}`
    )
  }
  return Either.right(text.replace(/\{(\w+)\}/g, (_, name: string) => String(variables[name])))
}

/** Parse the constraints into `rank -> bound` (the rank runs over [0, bound)). */
export const parseIslBounds = (text: string): Either.Either<Map<string, number>, string> => {
  const lower = new Map<string, number>()
  const upper = new Map<string, number>()
  const clauses = text.replace(/^\s*\{?\s*(?:\[[^\]]*\]\s*:)?/, "").replace(/\}\s*$/, "").split(/\band\b/)
  for (const raw of clauses) {
    const clause = raw.trim()
    if (clause === "") return Either.left(`empty constraint in "${text.trim()}"`)
    const parts = clause.split(/(<=|>=|<|>|=)/).map((p) => p.trim())
    if (parts.length < 3 || parts.length % 2 === 0) return Either.left(`cannot read constraint "${clause}"`)
    for (let i = 0; i + 2 < parts.length; i += 2) {
      const [left, op, right] = [parts[i]!, parts[i + 1]!, parts[i + 2]!]
      const leftNumber = /^-?\d+$/.test(left) ? Number(left) : undefined
      const rightNumber = /^-?\d+$/.test(right) ? Number(right) : undefined
      const isName = (s: string) => /^[A-Za-z_]\w*$/.test(s)
      if (leftNumber !== undefined && isName(right)) bound(right, flip(op), leftNumber)
      else if (rightNumber !== undefined && isName(left)) bound(left, op, rightNumber)
      else return Either.left(`cannot read "${left} ${op} ${right}" in "${clause}": fuselab reads comparisons of one rank with an integer`)
    }
  }
  function bound(rank: string, op: string, value: number) {
    // rank op value
    if (op === "<") upper.set(rank, Math.min(upper.get(rank) ?? Infinity, value))
    else if (op === "<=") upper.set(rank, Math.min(upper.get(rank) ?? Infinity, value + 1))
    else if (op === ">") lower.set(rank, Math.max(lower.get(rank) ?? -Infinity, value + 1))
    else if (op === ">=") lower.set(rank, Math.max(lower.get(rank) ?? -Infinity, value))
    else {
      lower.set(rank, value)
      upper.set(rank, value + 1)
    }
  }
  const bounds = new Map<string, number>()
  for (const rank of new Set([...lower.keys(), ...upper.keys()])) {
    const lo = lower.get(rank)
    const hi = upper.get(rank)
    if (lo !== 0) return Either.left(`rank ${rank} must start at 0 (found ${lo === undefined ? "no lower bound" : `lower bound ${lo}`})`)
    if (hi === undefined) return Either.left(`rank ${rank} has no upper bound`)
    if (hi <= 0) return Either.left(`rank ${rank} is empty (0 <= ${rank} < ${hi})`)
    bounds.set(rank, hi)
  }
  return Either.right(bounds)
}

const flip = (op: string): string => ({ "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=" })[op]!
