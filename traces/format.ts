/**
 * The fuselab trace format, version 1: what the simulator records, for
 * `fuselab trace` tools (show, diff, explain, Perfetto export) to read.
 *
 * File layout (all integers big-endian):
 *
 *   magic    8 bytes  "FLTRACE\n"
 *   records  repeated: uint32 length, then `length` bytes of one msgpack value
 *
 * The first record is the {@link TraceHeader}, then any number of
 * {@link TraceChunk}s (events in the order the simulator produced them),
 * then one {@link TraceFooter} with the run's Stats. A file without a
 * footer is truncated (the writer writes to a temporary file and renames
 * it only after the footer, so a finished trace always has one). Readers
 * reject a header whose `version` is newer than {@link TRACE_VERSION}.
 *
 * Element sets are flat row-major indices into the tensor (shape in the
 * header), encoded as runs `[start, length, start, length, ...]`.
 */

export const TRACE_MAGIC = "FLTRACE\n"
export const TRACE_VERSION = 1

/**
 * What happened. Counts are words (elements) unless noted.
 * - `fill`: elements entered a buffer instance (`component` = logical level). `count` = elements
 *   new to this (level, tensor, einsum) buffer; `detail.fromParent` = words read from the parent
 *   for it (after multicast), `detail.elided` = output elements that started at zero,
 *   `detail.shared` = elements another Einsum's view of the same buffer already held.
 * - `evict`: elements left a buffer instance; `detail.writeback` = dirty output words drained
 *   to the parent (after reduction).
 * - `writeback`: dirty output words drained to the parent without leaving (a pipeline stage
 *   handing its results on).
 * - `compute`: `count` MACs of `einsum` executed since the last compute event of that leaf
 *   (batched per tile step); `detail.cycles` = compute cycles, `detail.reads.<level>` operand
 *   words read, `detail.updates.<level>` output words updated.
 * - `produce`: a producer was scheduled to (re)compute `count` elements of the intermediate
 *   `tensor` that its consumers need and no buffer holds (`elements` lists them).
 * - `stall`: the process waited `count` cycles for data (`detail.until`).
 * - `overflow`: a buffer instance exceeded its capacity (`count` = live words,
 *   `detail.capacity`, `detail.resident` = words per tensor). The run fails after it.
 */
export type TraceAction = "fill" | "evict" | "writeback" | "compute" | "produce" | "stall" | "overflow"

export interface TraceEvent {
  /** Cycle at which the action starts (per process clock; pipeline stages interleave). */
  readonly cycle: number
  /** Logical level name (`GlobalBuffer#2`) or the compute unit's name. */
  readonly component: string
  readonly action: TraceAction
  readonly tensor?: string
  readonly einsum?: string
  readonly count: number
  /** Flat element indices as runs [start, length, ...]; omitted for batched compute events. */
  readonly elements?: ReadonlyArray<number>
  /** Tile index of every loop above the component, outermost first. */
  readonly iteration?: ReadonlyArray<number>
  /** Instance number of the buffer (mixed radix over the spatial loops above it). */
  readonly instance?: number
  readonly detail?: Readonly<Record<string, unknown>>
}

export interface TraceHeader {
  readonly kind: "header"
  readonly format: "fuselab-trace"
  readonly version: number
  /** Hash of the spec simulated. */
  readonly spec: string
  readonly options: Readonly<Record<string, unknown>>
  readonly tensors: ReadonlyArray<{ readonly name: string; readonly shape: ReadonlyArray<number> }>
  readonly levels: ReadonlyArray<string>
  readonly einsums: ReadonlyArray<string>
  readonly createdBy: string
}

export interface TraceChunk {
  readonly kind: "chunk"
  /** 0, 1, 2, ... */
  readonly index: number
  readonly events: ReadonlyArray<TraceEvent>
}

export interface TraceFooter {
  readonly kind: "footer"
  readonly eventCount: number
  readonly chunkCount: number
  /** The run's `Stats` (spec/stats.ts), or null when the run failed (`error` says why). */
  readonly stats: unknown
  readonly error?: string
}

export type TraceRecord = TraceHeader | TraceChunk | TraceFooter

/** Where a simulator sends events; `traces/writer.ts` implements it for files. */
export interface TraceSink {
  event(event: TraceEvent): void
}
