/**
 * Time: memory ports with bandwidth, access latency and bursts, and the
 * clocks of the processes that use them. A port serves requests in the
 * order they arrive at it, each no earlier than its issue cycle; idle
 * cycles are skipped, so cost follows activity, not time.
 */
import type { MemoryLevel } from "../spec/architecture.ts"

export class Port {
  /** First cycle the port is free. */
  free = 0
  busy = 0
  words = 0
  readonly wordsPerCycle: number
  readonly latency: number
  readonly blockSize: number | null
  constructor(wordsPerCycle: number, latency: number, blockSize: number | null) {
    this.wordsPerCycle = wordsPerCycle
    this.latency = latency
    this.blockSize = blockSize
  }
  /** Reserve the port for `words` no earlier than `at`; returns the cycle the data is delivered. */
  transfer(words: number, at: number): number {
    if (words <= 0) return at
    this.words += words
    if (!Number.isFinite(this.wordsPerCycle)) return at + this.latency
    const moved = this.blockSize === null ? words : Math.ceil(words / this.blockSize) * this.blockSize
    const duration = Math.ceil(moved / this.wordsPerCycle)
    const start = Math.max(at, this.free)
    this.free = start + duration
    this.busy += duration
    return this.free + this.latency
  }
}

/** The read and write ports of one instance of a memory level (the same port when bandwidth is shared). */
export interface Ports {
  readonly read: Port
  readonly write: Port
}

export const makePorts = (level: MemoryLevel): Ports => {
  const bandwidth = level.bandwidth
  if (bandwidth.kind === "unlimited") {
    const port = new Port(Infinity, level.latency, level.blockSize)
    return { read: port, write: port }
  }
  if (bandwidth.kind === "shared") {
    const port = new Port(bandwidth.wordsPerCycle, level.latency, level.blockSize)
    return { read: port, write: port }
  }
  return { read: new Port(bandwidth.read, level.latency, level.blockSize), write: new Port(bandwidth.write, level.latency, level.blockSize) }
}

/** A process's clock: `t` is when its next compute may start; `issue` is when its next fill may be requested (one tile of lookahead). */
export interface Clock {
  t: number
  issue: number
  stall: number
}
