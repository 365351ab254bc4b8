/**
 * The native input format, as effect Schemas. These describe what a user
 * writes (snake_case keys, levels by name); `resolve*` phases turn the decoded
 * values into the checked, derived `Spec`. `fuselab schema` prints the JSON
 * Schema generated from `NativeDocument`.
 */
import { Schema } from "effect"

const PositiveInt = Schema.Int.pipe(Schema.positive()).annotations({
  identifier: "PositiveInt",
  description: "a positive integer"
})
const NonNegative = Schema.Number.pipe(Schema.nonNegative()).annotations({
  identifier: "NonNegativeNumber",
  description: "a number >= 0"
})
const Positive = Schema.Number.pipe(Schema.positive()).annotations({
  identifier: "PositiveNumber",
  description: "a number > 0"
})
const Name = Schema.String.pipe(Schema.pattern(/^[A-Za-z_][\w.-]*$/)).annotations({
  identifier: "Name",
  description: "a name: a letter or _ followed by letters, digits, _ . -",
  message: () => "expected a name (a letter or _ followed by letters, digits, _ . -)"
})

// ---------------------------------------------------------------- workload

/** One index expression per tensor dimension: a rank, or an affine form such as `2*P + R`. */
export const Projection = Schema.Array(Schema.Union(Schema.String, Schema.Int)).annotations({
  identifier: "Projection",
  description: "one affine index expression per tensor dimension, e.g. [C, 2*P + R]"
})

export const NativeEinsum = Schema.Struct({
  name: Name,
  ranks: Schema.Record({ key: Schema.String, value: PositiveInt }).annotations({
    description: "rank name -> bound; the rank runs over [0, bound)"
  }),
  inputs: Schema.Record({ key: Schema.String, value: Projection }).annotations({
    description: "tensor name -> projection, for every tensor the Einsum reads"
  }),
  output: Schema.Record({ key: Schema.String, value: Projection }).annotations({
    description: "exactly one tensor name -> projection (plain ranks) that the Einsum writes"
  })
}).annotations({ identifier: "Einsum", description: "output[...] += product of inputs[...] over all rank points" })
export type NativeEinsum = typeof NativeEinsum.Type

export const NativeWorkload = Schema.Struct({
  einsums: Schema.Array(NativeEinsum).pipe(Schema.minItems(1))
}).annotations({ identifier: "Workload" })
export type NativeWorkload = typeof NativeWorkload.Type

// ------------------------------------------------------------ architecture

export const Bandwidth = Schema.Union(
  Positive,
  Schema.Struct({ read: Positive, write: Positive })
).annotations({
  identifier: "Bandwidth",
  description: "words per cycle: one number for a port shared by reads and writes, or {read, write}"
})

export const Fanout = Schema.Union(
  PositiveInt,
  Schema.Struct({
    x: PositiveInt,
    y: Schema.optionalWith(PositiveInt, { exact: true }),
    neighbor_links: Schema.optionalWith(Schema.Boolean, { exact: true }).annotations({
      description: "instances can forward data to their mesh neighbours (off by default)"
    })
  })
).annotations({
  identifier: "Fanout",
  description: "instances of the next level inward (or of the compute unit) per instance of this level: x, or {x, y}"
})

export const NativeLevel = Schema.Struct({
  name: Name,
  capacity: Schema.optionalWith(PositiveInt, { exact: true }).annotations({ description: "words per instance; omit for unbounded (DRAM)" }),
  bandwidth: Schema.optionalWith(Bandwidth, { exact: true }),
  latency: Schema.optionalWith(NonNegative, { exact: true }).annotations({ description: "access latency in cycles (default 0)" }),
  read_energy: Schema.optionalWith(NonNegative, { exact: true }).annotations({ description: "pJ per word read (default 0)" }),
  write_energy: Schema.optionalWith(NonNegative, { exact: true }).annotations({ description: "pJ per word written (default 0)" }),
  block_size: Schema.optionalWith(PositiveInt, { exact: true }).annotations({ description: "burst size in words (DRAM)" }),
  fanout: Schema.optionalWith(Fanout, { exact: true })
}).annotations({ identifier: "Level", description: "a memory level; levels are listed outermost (DRAM) first" })
export type NativeLevel = typeof NativeLevel.Type

export const NativeCompute = Schema.Struct({
  name: Name,
  ops_per_cycle: Schema.optionalWith(Positive, { exact: true }).annotations({ description: "MACs per cycle per unit (default 1)" }),
  energy_per_op: Schema.optionalWith(NonNegative, { exact: true }).annotations({ description: "pJ per MAC (default 0)" })
}).annotations({ identifier: "Compute" })

export const NativeArchitecture = Schema.Struct({
  levels: Schema.Array(NativeLevel).pipe(Schema.minItems(1)),
  compute: NativeCompute
}).annotations({ identifier: "Architecture" })
export type NativeArchitecture = typeof NativeArchitecture.Type

// ----------------------------------------------------------------- mapping

export interface StorageNode {
  readonly type: "storage"
  readonly level: string
  readonly tensors: ReadonlyArray<string>
  readonly exploits_reuse?: boolean
}
export interface TemporalNode {
  readonly type: "temporal"
  readonly rank: string
  readonly tile_shape: number
}
export interface SpatialNode {
  readonly type: "spatial"
  readonly rank: string
  readonly tile_shape: number
  readonly dim?: "x" | "y"
}
export interface BranchNode {
  readonly type: "sequential" | "pipeline"
  readonly branches: ReadonlyArray<ReadonlyArray<NativeNode>>
}
export interface ComputeNode {
  readonly type: "compute"
  readonly einsum: string
  readonly level: string
}
export type NativeNode = StorageNode | TemporalNode | SpatialNode | BranchNode | ComputeNode

const Storage = Schema.Struct({
  type: Schema.Literal("storage"),
  level: Schema.String.annotations({ description: "a level name, or Name#k for the k-th logical level of that buffer" }),
  tensors: Schema.Array(Schema.String).pipe(Schema.minItems(1)),
  exploits_reuse: Schema.optionalWith(Schema.Boolean, { exact: true }).annotations({
    description: "keep data across steps (default true); false refetches/recomputes every step"
  })
}).annotations({ identifier: "StorageNode", description: "keep tiles of these tensors in a level at this point of the loop nest" })

const Temporal = Schema.Struct({
  type: Schema.Literal("temporal"),
  rank: Schema.String,
  tile_shape: PositiveInt
}).annotations({ identifier: "TemporalNode", description: "visit tiles of tile_shape along rank one after another" })

const Spatial = Schema.Struct({
  type: Schema.Literal("spatial"),
  rank: Schema.String,
  tile_shape: PositiveInt,
  dim: Schema.optionalWith(Schema.Literal("x", "y"), { exact: true })
}).annotations({ identifier: "SpatialNode", description: "give tiles of tile_shape along rank to parallel instances" })

const Compute = Schema.Struct({
  type: Schema.Literal("compute"),
  einsum: Schema.String,
  level: Schema.String.annotations({ description: "the architecture's compute unit" })
}).annotations({ identifier: "ComputeNode" })

const Branch: Schema.Schema<BranchNode> = Schema.Struct({
  type: Schema.Literal("sequential", "pipeline"),
  branches: Schema.Array(Schema.Array(Schema.suspend((): Schema.Schema<NativeNode> => Node)).pipe(Schema.minItems(1))).pipe(
    Schema.minItems(1)
  )
}).annotations({ identifier: "BranchNode", description: "sequential: branches run one after another; pipeline: as concurrent stages" })

/** The schema of each node kind, keyed by its `type` (branch nodes: the shape without the recursion). */
export const NodeSchemas = {
  storage: Storage,
  temporal: Temporal,
  spatial: Spatial,
  sequential: Schema.Struct({ type: Schema.Literal("sequential"), branches: Schema.Array(Schema.Unknown) }) as Schema.Schema<{ readonly type: "sequential" | "pipeline"; readonly branches: ReadonlyArray<unknown> }>,
  pipeline: Schema.Struct({ type: Schema.Literal("pipeline"), branches: Schema.Array(Schema.Unknown) }) as Schema.Schema<{ readonly type: "sequential" | "pipeline"; readonly branches: ReadonlyArray<unknown> }>,
  compute: Compute
} as const

export const Node: Schema.Schema<NativeNode> = Schema.Union(Storage, Temporal, Spatial, Branch, Compute).annotations({
  identifier: "MappingNode"
})

export const NativeMapping = Schema.Struct({
  nodes: Schema.Array(Node).pipe(Schema.minItems(1))
}).annotations({ identifier: "Mapping", description: "the LoopTree, outermost node first" })
export type NativeMapping = typeof NativeMapping.Type

// ---------------------------------------------------------------- document

/** One native file: any of the three sections (several files are merged). */
export const NativeDocument = Schema.Struct({
  description: Schema.optionalWith(Schema.String, { exact: true }),
  workload: Schema.optionalWith(NativeWorkload, { exact: true }),
  architecture: Schema.optionalWith(NativeArchitecture, { exact: true }),
  mapping: Schema.optionalWith(NativeMapping, { exact: true })
}).annotations({
  identifier: "FuselabSpec",
  title: "fuselab spec",
  description: "A fuselab spec file: workload, architecture and LoopTree mapping (any subset; several files are merged)"
})
export type NativeDocument = typeof NativeDocument.Type
