/**
 * Streaming trace reader: reads a trace file record by record with bounded
 * memory. Rejects a file that is not a fuselab trace, a newer format
 * version, and a truncated or corrupt file, naming the byte offset.
 */
import { open } from "node:fs/promises"
import { Decoder } from "@msgpack/msgpack"
import { TRACE_MAGIC, TRACE_VERSION, type TraceEvent, type TraceFooter, type TraceHeader, type TraceRecord } from "./format.ts"

export class TraceFormatError extends Error {
  override readonly name = "TraceFormatError"
  readonly file: string
  readonly offset: number
  constructor(file: string, offset: number, message: string) {
    super(`${file}: byte ${offset}: ${message}`)
    this.file = file
    this.offset = offset
  }
}

/** Largest record the reader accepts (a chunk of events is far smaller). */
const MAX_RECORD = 256 * 1024 * 1024

/** Every record of a trace, in order: the header, the chunks, the footer. */
export async function* readTraceRecords(file: string): AsyncGenerator<TraceRecord> {
  const handle = await open(file, "r")
  try {
    const decoder = new Decoder()
    let offset = 0
    const readExactly = async (length: number, what: string): Promise<Buffer> => {
      const buffer = Buffer.alloc(length)
      let got = 0
      while (got < length) {
        const { bytesRead } = await handle.read(buffer, got, length - got, offset + got)
        if (bytesRead === 0) throw new TraceFormatError(file, offset + got, `the file ends inside ${what} (truncated trace)`)
        got += bytesRead
      }
      offset += length
      return buffer
    }
    const magic = await readExactly(TRACE_MAGIC.length, "the magic number").catch((error: unknown) => {
      if (error instanceof TraceFormatError) throw new TraceFormatError(file, 0, "not a fuselab trace (too short)")
      throw error
    })
    if (magic.toString("latin1") !== TRACE_MAGIC) throw new TraceFormatError(file, 0, "not a fuselab trace (bad magic number)")
    let index = 0
    let sawFooter = false
    for (;;) {
      const at = offset
      const lengthBytes = Buffer.alloc(4)
      const { bytesRead } = await handle.read(lengthBytes, 0, 4, offset)
      if (bytesRead === 0) break
      if (bytesRead < 4) throw new TraceFormatError(file, at, "the file ends inside a record length (truncated trace)")
      offset += 4
      const length = lengthBytes.readUInt32BE(0)
      if (length === 0 || length > MAX_RECORD) throw new TraceFormatError(file, at, `corrupt record length ${length}`)
      const body = await readExactly(length, `record ${index}`)
      let record: TraceRecord
      try {
        record = decoder.decode(body) as TraceRecord
      } catch (error) {
        throw new TraceFormatError(file, at + 4, `corrupt record ${index}: ${(error as Error).message}`)
      }
      if (typeof record !== "object" || record === null || !("kind" in record)) throw new TraceFormatError(file, at + 4, `corrupt record ${index}: not a trace record`)
      if (index === 0) {
        if (record.kind !== "header" || record.format !== "fuselab-trace") throw new TraceFormatError(file, at + 4, "the first record is not a trace header")
        if (typeof record.version !== "number" || record.version > TRACE_VERSION) {
          throw new TraceFormatError(file, at + 4, `trace format version ${String(record.version)} is newer than this fuselab reads (${TRACE_VERSION}); upgrade fuselab`)
        }
      } else if (record.kind === "header") throw new TraceFormatError(file, at + 4, `a second header at record ${index}`)
      if (sawFooter) throw new TraceFormatError(file, at, "data after the footer")
      if (record.kind === "footer") sawFooter = true
      yield record
      index++
    }
    if (!sawFooter) throw new TraceFormatError(file, offset, "no footer (truncated trace)")
  } finally {
    await handle.close()
  }
}

export interface OpenedTrace {
  readonly header: TraceHeader
  /** Events in file order; the footer is available once they are consumed. */
  readonly events: AsyncGenerator<TraceEvent>
  /** Resolves after `events` is exhausted. */
  readonly footer: Promise<TraceFooter>
}

/** Open a trace: the header now, the events as a stream, the footer at the end. */
export const openTrace = async (file: string): Promise<OpenedTrace> => {
  const records = readTraceRecords(file)
  const first = await records.next()
  if (first.done === true || first.value.kind !== "header") throw new TraceFormatError(file, TRACE_MAGIC.length, "no header")
  let resolveFooter!: (footer: TraceFooter) => void
  let rejectFooter!: (error: unknown) => void
  const footer = new Promise<TraceFooter>((resolve, reject) => {
    resolveFooter = resolve
    rejectFooter = reject
  })
  footer.catch(() => undefined)
  async function* events(): AsyncGenerator<TraceEvent> {
    try {
      for await (const record of records) {
        if (record.kind === "chunk") yield* record.events
        else if (record.kind === "footer") resolveFooter(record)
      }
    } catch (error) {
      rejectFooter(error)
      throw error
    }
  }
  return { header: first.value, events: events(), footer }
}

/** Read a whole trace into memory (for tests and small traces). */
export const readTrace = async (file: string): Promise<{ header: TraceHeader; events: TraceEvent[]; footer: TraceFooter }> => {
  const opened = await openTrace(file)
  const events: TraceEvent[] = []
  for await (const event of opened.events) events.push(event)
  return { header: opened.header, events, footer: await opened.footer }
}
