/**
 * Trace events in cycle order. Pipeline stages run on their own clocks, so
 * the controller produces events out of cycle order; this sink passes them
 * through the kernel's event queue (a binary heap keyed by cycle, ties in
 * issue order) and releases the earliest once more than `window` are
 * waiting, so memory stays bounded and the output is in cycle order for
 * any run whose stages drift apart by fewer than `window` events.
 */
import type { TraceEvent, TraceSink } from "../traces/format.ts"
import { EventQueue } from "./event-queue.ts"

export class CycleOrderedSink implements TraceSink {
  private readonly queue = new EventQueue<TraceEvent>()
  private readonly target: TraceSink
  private readonly window: number
  constructor(target: TraceSink, window = 1 << 16) {
    this.target = target
    this.window = window
  }
  event(event: TraceEvent): void {
    this.queue.push(event.cycle, event)
    if (this.queue.length > this.window) this.target.event(this.queue.pop()!)
  }
  /** Release everything still queued, in cycle order. */
  drain(): void {
    while (this.queue.length > 0) this.target.event(this.queue.pop()!)
  }
}
