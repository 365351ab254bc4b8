import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Encoder } from "@msgpack/msgpack"
import test from "ava"
import { Either } from "effect"
import { specFromSources } from "../spec/load.ts"
import { TRACE_MAGIC } from "./format.ts"
import { readTrace } from "./reader.ts"
import { openTraceWriter } from "./writer.ts"

const spec = (() => {
  const loaded = specFromSources([
    {
      file: "tiny.yaml",
      text: `
workload:
  einsums:
  - {name: mm, ranks: {M: 4, K: 3}, inputs: {A: [M, K], B: [K]}, output: {Z: [M]}}
architecture:
  levels:
  - {name: DRAM}
  compute: {name: MAC}
mapping:
  nodes:
  - {type: storage, level: DRAM, tensors: [A, B, Z]}
  - {type: temporal, rank: M, tile_shape: 1}
  - {type: compute, einsum: mm, level: MAC}
`
    }
  ])
  if (Either.isLeft(loaded)) throw loaded.left
  return loaded.right
})()

const directory = mkdtempSync(join(tmpdir(), "fuselab-trace-"))

test("a trace written in small chunks reads back event for event, with header and footer", async (t) => {
  const file = join(directory, "round-trip.fltrace")
  const writer = await openTraceWriter(file, spec, { seed: 3 }, 5)
  const events = Array.from({ length: 23 }, (_, i) => ({ cycle: i, component: "DRAM", action: "fill" as const, tensor: "A", einsum: "mm", count: i + 1, elements: [i, 1], iteration: [i], instance: 0 }))
  for (const event of events) writer.event(event)
  t.false(existsSync(file), "nothing under the final name until the footer is written")
  await writer.close({ ops: { mm: 12 } })
  const read = await readTrace(file)
  t.is(read.header.version, 1)
  t.is(read.header.spec, spec.hash)
  t.deepEqual(read.events, events)
  t.is(read.footer.eventCount, 23)
  t.is(read.footer.chunkCount, 5)
  t.deepEqual(read.footer.stats, { ops: { mm: 12 } })
  t.deepEqual(readdirSync(directory).filter((f) => f.startsWith(".fuselab-tmp")), [])
})

test("a truncated trace is rejected with the byte offset where it ends", async (t) => {
  const file = join(directory, "whole.fltrace")
  const writer = await openTraceWriter(file, spec, {}, 4)
  for (let i = 0; i < 10; i++) writer.event({ cycle: i, component: "MAC", action: "compute", einsum: "mm", count: 1 })
  await writer.close(null)
  const bytes = readFileSync(file)
  const cut = join(directory, "cut.fltrace")
  writeFileSync(cut, bytes.subarray(0, bytes.length - 7))
  const error = await t.throwsAsync(readTrace(cut))
  t.regex(error!.message, /byte \d+: .*truncated/)
  const headerOnly = join(directory, "header-only.fltrace")
  writeFileSync(headerOnly, bytes.subarray(0, 60))
  await t.throwsAsync(readTrace(headerOnly), { message: /byte \d+/ })
})

test("a newer format version and a file that is not a trace are rejected", async (t) => {
  const encoder = new Encoder()
  const body = encoder.encode({ kind: "header", format: "fuselab-trace", version: 99 })
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.byteLength, 0)
  const newer = join(directory, "newer.fltrace")
  writeFileSync(newer, Buffer.concat([Buffer.from(TRACE_MAGIC, "latin1"), length, body]))
  await t.throwsAsync(readTrace(newer), { message: /byte 12: trace format version 99 is newer/ })
  const other = join(directory, "other.fltrace")
  writeFileSync(other, "hello, world, this is not a trace")
  await t.throwsAsync(readTrace(other), { message: /byte 0: not a fuselab trace/ })
  const corrupt = join(directory, "corrupt.fltrace")
  writeFileSync(corrupt, Buffer.concat([Buffer.from(TRACE_MAGIC, "latin1"), length, Buffer.alloc(body.byteLength, 0xc1)]))
  await t.throwsAsync(readTrace(corrupt), { message: /byte 12: corrupt record 0/ })
})
