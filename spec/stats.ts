/**
 * The one result shape both engines produce, so every comparison is like
 * with like. Counts are exact integers (words or MACs); latency is in
 * cycles; energy in pJ. Keys may be added over time; existing keys never
 * change meaning.
 */
import { Schema } from "effect"

export const AccessStats = Schema.Struct({
  /** Logical level name (`GlobalBuffer`, `GlobalBuffer#2`, ...). */
  level: Schema.String,
  tensor: Schema.String,
  einsum: Schema.String,
  /** Words read from this level (serving child fills, compute operands, read-for-update of outputs). */
  reads: Schema.Number,
  /** Words written into this level (its own fills, except at the topmost holder; updates drained from below). */
  writes: Schema.Number,
  /** Words filled into this level from its parent, summed over instances. */
  fills: Schema.Number,
  /** Peak words of the tensor held at this level for this Einsum, per instance. */
  occupancy: Schema.Number
}).annotations({ identifier: "AccessStats" })
export type AccessStats = typeof AccessStats.Type

export const Stats = Schema.Struct({
  /** Every MAC executed per Einsum, recomputation included. */
  ops: Schema.Record({ key: Schema.String, value: Schema.Number }),
  accesses: Schema.Array(AccessStats),
  /** Peak live words per physical level (logical levels of one buffer add up). */
  capacity: Schema.Record({ key: Schema.String, value: Schema.Number }),
  /** Cycles. */
  latency: Schema.Number,
  energy: Schema.Struct({
    total: Schema.Number,
    byLevel: Schema.Record({ key: Schema.String, value: Schema.Number })
  }),
  meta: Schema.Struct({
    engine: Schema.Literal("analytical", "simulator"),
    /** Hash of the spec evaluated. */
    spec: Schema.String,
    options: Schema.Record({ key: Schema.String, value: Schema.Unknown })
  }),
  /** Human-readable findings, e.g. a level whose capacity the mapping exceeds. */
  warnings: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
}).annotations({ identifier: "Stats" })
export type Stats = typeof Stats.Type

/** Options both engines accept. */
export interface EngineOptions {
  /** Count the first read of every output element from its parent (the LoopTree tutorial's convention). Default false: elided. */
  readonly countFirstOutputRead?: boolean
}

/** `level|tensor|einsum`, the key both engines and the validator compare by. */
export const accessKey = (access: Pick<AccessStats, "level" | "tensor" | "einsum">): string =>
  `${access.level}|${access.tensor}|${access.einsum}`

/** Sort accesses into a canonical order (level order given, then tensor, einsum). */
export const sortAccesses = (
  accesses: ReadonlyArray<AccessStats>,
  levelOrder: ReadonlyArray<string>
): AccessStats[] => {
  const rank = new Map(levelOrder.map((name, i) => [name, i]))
  return [...accesses].sort(
    (a, b) =>
      (rank.get(a.level) ?? 1e9) - (rank.get(b.level) ?? 1e9) ||
      a.tensor.localeCompare(b.tensor) ||
      a.einsum.localeCompare(b.einsum)
  )
}
