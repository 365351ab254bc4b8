/**
 * Time: memory ports with bandwidth, access latency and bursts, and the
 * clocks of the processes that use them. A port (one pool per physical
 * instance, docs/semantics.md 10.4) serves requests in the order they are
 * issued, each no earlier than its issue cycle; idle cycles are skipped, so
 * cost follows activity, not time. A request of k words holds the pool for
 * k/bw cycles (fractional, so a 64-word/cycle port serves 64 one-word
 * requests in a cycle) and is delivered at the next whole cycle plus the
 * level's latency.
 */
import type { MemoryLevel } from "../spec/architecture.ts"

export class Port {
  /** End of the latest reservation. */
  free = 0
  busy = 0
  words = 0
  readonly wordsPerCycle: number
  readonly latency: number
  readonly blockSize: number | null
  /**
   * Busy intervals, sorted and disjoint (a bounded calendar): a request
   * issued for an earlier cycle than the latest reservation (another
   * pipeline stage's clock) takes the first gap that fits, so concurrent
   * processes share the pool by time, not by the order the controller
   * happened to issue them.
   */
  private starts: number[] = []
  private ends: number[] = []
  constructor(wordsPerCycle: number, latency: number, blockSize: number | null) {
    this.wordsPerCycle = wordsPerCycle
    this.latency = latency
    this.blockSize = blockSize
  }
  private reserve(duration: number, at: number): number {
    const starts = this.starts
    const ends = this.ends
    const last = ends.length - 1
    // Fast path: the request comes after (or right at the end of) everything reserved.
    if (last >= 0 && at <= ends[last]! && at >= starts[last]!) {
      // Inside or at the end of the latest busy interval: it queues behind it.
      const end = ends[last]! + duration
      ends[last] = end
      this.free = Math.max(this.free, end)
      this.busy += duration
      return end
    }
    if (at >= this.free) {
      starts.push(at)
      ends.push(at + duration)
      if (starts.length > 256) {
        starts.splice(0, 128)
        ends.splice(0, 128)
      }
      this.free = at + duration
      this.busy += duration
      return at + duration
    }
    // Slow path: a request for an earlier cycle than the latest reservation (another process's clock,
    // or a sibling spatial instance simulated after the first). It takes the free time of the gaps from
    // `at` on, as a fluid would (a transfer may use several gaps), and ends where its last word is served.
    // Binary search: the first interval that ends after `at`.
    let low = 0
    let high = ends.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (ends[mid]! > at) high = mid
      else low = mid + 1
    }
    let i = low
    let cursor = at
    let remaining = duration
    let visits = 0
    while (remaining > 1e-12) {
      if (i > 0 && ends[i - 1]! > cursor) cursor = ends[i - 1]!
      if (i < starts.length && starts[i]! <= cursor) {
        cursor = Math.max(cursor, ends[i]!)
        i++
        continue
      }
      const gapEnd = i < starts.length && visits < 64 ? starts[i]! : Infinity
      const use = Math.min(remaining, gapEnd - cursor)
      const end = cursor + use
      if (i > 0 && ends[i - 1] === cursor) {
        ends[i - 1] = end
        if (i < starts.length && starts[i] === end) {
          ends[i - 1] = ends[i]!
          starts.splice(i, 1)
          ends.splice(i, 1)
        }
      } else if (i < starts.length && starts[i] === end) starts[i] = cursor
      else {
        starts.splice(i, 0, cursor)
        ends.splice(i, 0, end)
        i++
      }
      remaining -= use
      cursor = end
      visits++
    }
    if (starts.length > 256) {
      starts.splice(0, starts.length - 128)
      ends.splice(0, ends.length - 128)
    }
    this.free = Math.max(this.free, cursor)
    this.busy += duration
    return cursor
  }
  /** Reserve the port for `words` no earlier than `at`; returns the cycle the data is delivered. */
  transfer(words: number, at: number): number {
    if (words <= 0) return at
    this.words += words
    if (!Number.isFinite(this.wordsPerCycle)) return at + this.latency
    const moved = this.blockSize === null ? words : Math.ceil(words / this.blockSize) * this.blockSize
    return Math.ceil(this.reserve(moved / this.wordsPerCycle, at)) + this.latency
  }
  /** Operand reads feeding a compute step in the same cycle: the step may start in the cycle the last word is served. */
  serve(words: number, at: number): number {
    if (words <= 0) return at
    this.words += words
    if (!Number.isFinite(this.wordsPerCycle)) return at + this.latency
    const end = this.reserve(words / this.wordsPerCycle, at)
    return Math.max(at, Math.floor(end)) + this.latency
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

/** A process's clock: `t` is when its next action may start; `issue` is when its next fill may be requested (after the previous step's evictions, 10.4 rule 3). */
export interface Clock {
  t: number
  issue: number
  stall: number
}
