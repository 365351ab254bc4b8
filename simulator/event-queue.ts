/**
 * The discrete-event kernel's queue: a binary min-heap keyed by cycle, ties
 * broken by insertion order, so a run is deterministic. Typed arrays hold
 * the keys; payloads sit in a parallel array.
 */
export class EventQueue<T> {
  private cycles = new Float64Array(64)
  private seqs = new Float64Array(64)
  private items: Array<T | undefined> = new Array<T | undefined>(64)
  private size = 0
  private sequence = 0

  get length(): number {
    return this.size
  }

  push(cycle: number, item: T): void {
    if (this.size === this.cycles.length) this.grow()
    let i = this.size++
    const seq = this.sequence++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.before(cycle, seq, this.cycles[parent]!, this.seqs[parent]!)) {
        this.move(parent, i)
        i = parent
      } else break
    }
    this.cycles[i] = cycle
    this.seqs[i] = seq
    this.items[i] = item
  }

  /** Cycle of the earliest event, or Infinity. */
  peekCycle(): number {
    return this.size === 0 ? Infinity : this.cycles[0]!
  }

  pop(): T | undefined {
    if (this.size === 0) return undefined
    const top = this.items[0]
    const last = --this.size
    const cycle = this.cycles[last]!
    const seq = this.seqs[last]!
    const item = this.items[last]
    this.items[last] = undefined
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= this.size) break
      const right = left + 1
      const child = right < this.size && this.before(this.cycles[right]!, this.seqs[right]!, this.cycles[left]!, this.seqs[left]!) ? right : left
      if (this.before(this.cycles[child]!, this.seqs[child]!, cycle, seq)) {
        this.move(child, i)
        i = child
      } else break
    }
    if (this.size > 0) {
      this.cycles[i] = cycle
      this.seqs[i] = seq
      this.items[i] = item
    }
    return top
  }

  private before(c1: number, s1: number, c2: number, s2: number): boolean {
    return c1 < c2 || (c1 === c2 && s1 < s2)
  }

  private move(from: number, to: number): void {
    this.cycles[to] = this.cycles[from]!
    this.seqs[to] = this.seqs[from]!
    this.items[to] = this.items[from]
  }

  private grow(): void {
    const cycles = new Float64Array(this.cycles.length * 2)
    cycles.set(this.cycles)
    const seqs = new Float64Array(this.seqs.length * 2)
    seqs.set(this.seqs)
    this.cycles = cycles
    this.seqs = seqs
    this.items.length = cycles.length
  }
}
