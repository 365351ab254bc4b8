/**
 * Streaming trace writer: events are buffered up to a chunk and written
 * synchronously, so memory stays bounded whatever the run length. The file
 * is written under a temporary name and renamed when the footer is in, so
 * a reader never sees half a trace under the final name.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { Encoder } from "@msgpack/msgpack"
import type { Spec } from "../spec/spec.ts"
import { TRACE_MAGIC, TRACE_VERSION, type TraceEvent, type TraceHeader, type TraceRecord, type TraceSink } from "./format.ts"

export const DEFAULT_CHUNK_EVENTS = 4096

export interface TraceWriter extends TraceSink {
  /** Events written so far. */
  readonly eventCount: number
  /** Write the footer (with the run's Stats, or null and the error of a failed run) and move the file into place. */
  close(stats: unknown, error?: string): Promise<void>
  /** Remove the temporary file. */
  abort(): Promise<void>
}

export const openTraceWriter = async (
  file: string,
  spec: Spec,
  options: Readonly<Record<string, unknown>>,
  chunkEvents = DEFAULT_CHUNK_EVENTS
): Promise<TraceWriter> => {
  const temporary = join(dirname(file), `.fuselab-tmp-${process.pid}-${basename(file)}`)
  const fd = openSync(temporary, "w")
  const encoder = new Encoder({ ignoreUndefined: true })
  const writeRecord = (record: TraceRecord): void => {
    const body = encoder.encode(record)
    const length = Buffer.alloc(4)
    length.writeUInt32BE(body.byteLength, 0)
    writeSync(fd, length)
    writeSync(fd, body)
  }
  writeSync(fd, Buffer.from(TRACE_MAGIC, "latin1"))
  const header: TraceHeader = {
    kind: "header",
    format: "fuselab-trace",
    version: TRACE_VERSION,
    spec: spec.hash,
    options,
    tensors: spec.workload.tensors.map((t) => ({ name: t.name, shape: t.shape })),
    levels: spec.levels.map((l) => l.name),
    einsums: spec.workload.einsums.map((e) => e.name),
    createdBy: "fuselab simulator"
  }
  writeRecord(header)
  let buffer: TraceEvent[] = []
  let chunks = 0
  let events = 0
  let open = true
  const flushChunk = (): void => {
    if (buffer.length === 0) return
    writeRecord({ kind: "chunk", index: chunks++, events: buffer })
    buffer = []
  }
  return {
    get eventCount() {
      return events
    },
    event(event: TraceEvent): void {
      buffer.push(event)
      events++
      if (buffer.length >= chunkEvents) flushChunk()
    },
    async close(stats: unknown, error?: string): Promise<void> {
      if (!open) return
      flushChunk()
      writeRecord({ kind: "footer", eventCount: events, chunkCount: chunks, stats, ...(error !== undefined ? { error } : {}) })
      closeSync(fd)
      open = false
      renameSync(temporary, file)
    },
    async abort(): Promise<void> {
      if (open) closeSync(fd)
      open = false
      rmSync(temporary, { force: true })
    }
  }
}
