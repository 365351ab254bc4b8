/**
 * The workload: a DAG of Einsums over named ranks, reading and writing
 * tensors through affine projections. `resolveWorkload` checks a decoded
 * native workload and derives tensor shapes, the producer/consumer graph,
 * a topological order and ops per Einsum.
 */
import { Either } from "effect"
import { affineRange, type AffineExpression, parseAffine } from "./affine.ts"
import { didYouMean, type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import type { NativeWorkload } from "./native-schema.ts"

export interface Rank {
  readonly name: string
  /** The rank runs over [0, bound). */
  readonly bound: number
}

export interface TensorAccess {
  readonly tensor: string
  /** One affine expression per tensor dimension. */
  readonly projection: ReadonlyArray<AffineExpression>
}

export interface Einsum {
  readonly name: string
  readonly ranks: ReadonlyArray<Rank>
  readonly inputs: ReadonlyArray<TensorAccess>
  /** Plain ranks, one per dimension, all distinct (so each op writes one element and the producer of any element is known). */
  readonly output: TensorAccess
  /** MACs in one full evaluation: the product of the rank bounds. */
  readonly ops: number
}

export type TensorRole = "input" | "intermediate" | "output"

export interface Tensor {
  readonly name: string
  /** Extent per dimension: indices run over [0, shape[d]). */
  readonly shape: ReadonlyArray<number>
  /** Elements in the index box (the product of the shape). */
  readonly volume: number
  /** The Einsum that writes it, or null for a workload input. */
  readonly producer: string | null
  /** Einsums that read it, in topological order. */
  readonly consumers: ReadonlyArray<string>
  /** input: nobody writes it; output: nobody reads it; intermediate: both. */
  readonly role: TensorRole
}

export interface Workload {
  /** Topological order: every producer before its consumers (ties keep the written order). */
  readonly einsums: ReadonlyArray<Einsum>
  /** Tensors in order of first appearance. */
  readonly tensors: ReadonlyArray<Tensor>
}

export const findEinsum = (workload: Workload, name: string): Einsum | undefined =>
  workload.einsums.find((einsum) => einsum.name === name)

export const findTensor = (workload: Workload, name: string): Tensor | undefined =>
  workload.tensors.find((tensor) => tensor.name === name)

/** Every tensor access of an Einsum: inputs first, then the output. */
export const accessesOf = (einsum: Einsum): ReadonlyArray<TensorAccess> => [...einsum.inputs, einsum.output]

export const rankBound = (einsum: Einsum, rank: string): number | undefined =>
  einsum.ranks.find((r) => r.name === rank)?.bound

/** The rank names of an Einsum, for messages: `(P2, M2, C2)`. */
export const rankList = (einsum: Einsum): string => `(${einsum.ranks.map((r) => r.name).join(", ")})`

/**
 * Check and derive. `at` is where the workload section sits in its file
 * (`["workload"]` for native files).
 */
export const resolveWorkload = (
  raw: NativeWorkload,
  file: string,
  at: DocPath = ["workload"]
): Either.Either<Workload, SpecError> => {
  const issues: SpecIssue[] = []
  const issue = (path: DocPath, message: string) => issues.push({ file, path: [...at, ...path], message })
  const einsums: Einsum[] = []
  const seenEinsums = new Set<string>()

  raw.einsums.forEach((e, i) => {
    const here = ["einsums", i] as const
    if (seenEinsums.has(e.name)) issue([...here, "name"], `Einsum "${e.name}" is defined twice`)
    seenEinsums.add(e.name)
    const ranks: Rank[] = Object.entries(e.ranks).map(([name, bound]) => ({ name, bound }))
    const rankNames = ranks.map((r) => r.name)
    if (ranks.length === 0) issue([...here, "ranks"], "an Einsum needs at least one rank")
    const parseAccess = (section: "inputs" | "output", tensor: string, projection: ReadonlyArray<string | number>) => {
      const expressions: AffineExpression[] = []
      projection.forEach((term, d) => {
        const parsed = parseAffine(String(term))
        if (Either.isLeft(parsed)) {
          issue([...here, section, tensor, d], parsed.left)
          return
        }
        for (const { rank } of parsed.right.terms) {
          if (!rankNames.includes(rank)) {
            issue([...here, section, tensor, d], `"${rank}" is not a rank of ${e.name} (${rankNames.join(", ")})${didYouMean(rank, rankNames)}`)
          }
        }
        expressions.push(parsed.right)
      })
      return { tensor, projection: expressions }
    }
    const inputs = Object.entries(e.inputs).map(([tensor, projection]) => parseAccess("inputs", tensor, projection))
    const outputs = Object.entries(e.output)
    if (outputs.length !== 1) {
      issue([...here, "output"], `an Einsum writes exactly one tensor; found ${outputs.length}`)
      return
    }
    const [outName, outProjection] = outputs[0]!
    const output = parseAccess("output", outName, outProjection)
    if (e.inputs[outName] !== undefined) issue([...here, "inputs", outName], `${outName} is the output of ${e.name}; it cannot also be an input`)
    const seenOutputRanks = new Set<string>()
    output.projection.forEach((expression, d) => {
      const single = expression.terms.length === 1 && expression.terms[0]!.coefficient === 1 && expression.constant === 0
      if (!single) {
        issue([...here, "output", outName, d], `output index "${expression.text}" must be a plain rank (outputs are indexed by ranks, e.g. [M, P])`)
      } else if (seenOutputRanks.has(expression.terms[0]!.rank)) {
        issue([...here, "output", outName, d], `rank ${expression.terms[0]!.rank} indexes two dimensions of the output`)
      } else seenOutputRanks.add(expression.terms[0]!.rank)
    })
    einsums.push({ name: e.name, ranks, inputs, output, ops: ranks.reduce((n, r) => n * r.bound, 1) })
  })
  if (issues.length > 0) return Either.left(new SpecError({ issues }))

  const indexOf = new Map(raw.einsums.map((e, i) => [e.name, i]))
  const path = (einsum: string, ...rest: DocPath): DocPath => ["einsums", indexOf.get(einsum)!, ...rest]

  // Producers and consumers.
  const producer = new Map<string, string>()
  const consumers = new Map<string, string[]>()
  const order: string[] = []
  const dims = new Map<string, { count: number; where: DocPath }>()
  for (const e of einsums) {
    for (const access of accessesOf(e)) {
      if (!order.includes(access.tensor)) order.push(access.tensor)
      const section = access === e.output ? "output" : "inputs"
      const known = dims.get(access.tensor)
      if (known === undefined) dims.set(access.tensor, { count: access.projection.length, where: path(e.name, section, access.tensor) })
      else if (known.count !== access.projection.length) {
        issue(path(e.name, section, access.tensor), `${access.tensor} has ${known.count} dimensions elsewhere but ${access.projection.length} here`)
      }
    }
    const previous = producer.get(e.output.tensor)
    if (previous !== undefined) {
      issue(path(e.name, "output", e.output.tensor), `${e.output.tensor} is already written by ${previous}; a tensor has one producer`)
    }
    producer.set(e.output.tensor, e.name)
    for (const input of e.inputs) consumers.set(input.tensor, [...(consumers.get(input.tensor) ?? []), e.name])
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues }))

  // Topological order (Kahn, stable in written order); what is left is a cycle.
  const sorted: Einsum[] = []
  const done = new Set<string>()
  let progress = true
  while (progress && sorted.length < einsums.length) {
    progress = false
    for (const e of einsums) {
      if (done.has(e.name)) continue
      const ready = e.inputs.every((input) => {
        const p = producer.get(input.tensor)
        return p === undefined || done.has(p)
      })
      if (ready) {
        sorted.push(e)
        done.add(e.name)
        progress = true
      }
    }
  }
  if (sorted.length < einsums.length) {
    const stuck = einsums.filter((e) => !done.has(e.name))
    const cycle = findCycle(stuck, producer)
    issue(path(cycle[0]!), `the Einsum graph has a cycle: ${[...cycle, cycle[0]].join(" -> ")} (each writes a tensor the next one reads); it must be acyclic`)
    return Either.left(new SpecError({ issues }))
  }

  // Shapes: the bounding box of every access; reads of an intermediate must stay inside what its producer writes.
  const tensors: Tensor[] = []
  for (const name of order) {
    const writer = producer.get(name)
    const readers = sorted.filter((e) => e.inputs.some((input) => input.tensor === name)).map((e) => e.name)
    const shape: number[] = new Array<number>(dims.get(name)!.count).fill(0)
    const writerEinsum = writer === undefined ? undefined : einsums.find((e) => e.name === writer)
    if (writerEinsum !== undefined) {
      writerEinsum.output.projection.forEach((expression, d) => {
        shape[d] = writerEinsum.ranks.find((r) => r.name === expression.terms[0]!.rank)!.bound
      })
    }
    for (const reader of readers) {
      const e = einsums.find((x) => x.name === reader)!
      const access = e.inputs.find((input) => input.tensor === name)!
      access.projection.forEach((expression, d) => {
        const { min, max } = affineRange(expression, (rank) => e.ranks.find((r) => r.name === rank)!.bound)
        if (min < 0) {
          issue(path(reader, "inputs", name, d), `index "${expression.text}" reaches ${min}; indices start at 0 (fuselab has no implicit padding: make the input larger)`)
        }
        if (writerEinsum !== undefined) {
          if (max >= shape[d]!) {
            issue(
              path(reader, "inputs", name, d),
              `${reader} reads ${name} up to index ${max} in dimension ${d} ("${expression.text}"), but ${writer} only writes [0, ${shape[d]}); give ${writer} a larger bound or ${reader} a smaller one`
            )
          }
        } else shape[d] = Math.max(shape[d]!, max + 1)
      })
    }
    const role: TensorRole = writer === undefined ? "input" : readers.length === 0 ? "output" : "intermediate"
    tensors.push({ name, shape, volume: shape.reduce((n, s) => n * s, 1), producer: writer ?? null, consumers: readers, role })
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues }))
  return Either.right({ einsums: sorted, tensors })
}

const findCycle = (stuck: ReadonlyArray<Einsum>, producer: ReadonlyMap<string, string>): string[] => {
  const names = new Set(stuck.map((e) => e.name))
  const next = (name: string): string => {
    const e = stuck.find((x) => x.name === name)!
    for (const input of e.inputs) {
      const p = producer.get(input.tensor)
      if (p !== undefined && names.has(p)) return p
    }
    return name
  }
  const seen: string[] = []
  let at = stuck[0]!.name
  while (!seen.includes(at)) {
    seen.push(at)
    at = next(at)
  }
  return seen.slice(seen.indexOf(at)).reverse()
}
