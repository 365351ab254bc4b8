/**
 * Buffer state. A `Physical` is one storage node's copy of one tensor: the
 * values (shared by its instances: inputs are identical everywhere, and
 * partial sums of outputs add up, so draining deltas keeps totals exact),
 * and per instance which elements are present and which hold a complete
 * (valid) value. A `View` is the logical buffer (storage node, tensor,
 * Einsum) the Stats are keyed by: per instance, which elements this Einsum's
 * tile holds and which of its outputs are dirty. Whether an output element
 * is valued or zero-pending (docs/semantics.md 4.2) is physical state.
 */
import { ElementList } from "./elements.ts"
import type { AccessInfo, EinsumInfo, LoopSim, StorageSim, TensorInfo } from "./program.ts"

const PAGE_SHIFT = 10
const PAGE_SIZE = 1 << PAGE_SHIFT
const PAGE_MASK = PAGE_SIZE - 1
/** Emptied pages (all zero) kept for reuse: instances moving across a tensor free and take pages all the time. */
const sparePages: Uint8Array[] = []
const SPARE_LIMIT = 8192

/**
 * A byte per element of a tensor, stored in pages allocated on the first
 * non-zero write and freed when they are all zero again. A buffer instance
 * holds a small tile of a large tensor at any time, so a PE array of
 * hundreds of instances costs what they hold, not hundreds of tensor copies.
 */
export class PagedBytes {
  private readonly pages: Array<Uint8Array | undefined>
  private readonly nonzero: Int32Array
  constructor(length: number) {
    const count = Math.ceil(length / PAGE_SIZE)
    this.pages = new Array<Uint8Array | undefined>(count)
    this.nonzero = new Int32Array(count)
  }
  get(x: number): number {
    const page = this.pages[x >>> PAGE_SHIFT]
    return page === undefined ? 0 : page[x & PAGE_MASK]!
  }
  set(x: number, value: number): void {
    const i = x >>> PAGE_SHIFT
    let page = this.pages[i]
    if (page === undefined) {
      if (value === 0) return
      page = sparePages.pop() ?? new Uint8Array(PAGE_SIZE)
      this.pages[i] = page
    }
    const old = page[x & PAGE_MASK]!
    if (old === value) return
    page[x & PAGE_MASK] = value
    if (old === 0) this.nonzero[i]!++
    else if (value === 0 && --this.nonzero[i]! === 0) {
      this.pages[i] = undefined
      if (sparePages.length < SPARE_LIMIT) sparePages.push(page)
    }
  }
  /** Elements with a non-zero byte. */
  countNonzero(): number {
    let n = 0
    for (let i = 0; i < this.nonzero.length; i++) n += this.nonzero[i]!
    return n
  }
}

export class PhysicalInstance {
  /** Views of this instance holding each element. */
  readonly count: PagedBytes
  /** The element holds a complete value (an input, or an intermediate its producer has finished). */
  readonly valid: PagedBytes
  /** The element has a value here (not zero-pending): a compute update or a read-for-update must read it. */
  readonly valued: PagedBytes
  constructor(volume: number) {
    this.count = new PagedBytes(volume)
    this.valid = new PagedBytes(volume)
    this.valued = new PagedBytes(volume)
  }
}

export class Physical {
  readonly values: Float64Array
  /** What has already been drained to the parent, per element (outputs only). */
  readonly drained: Float64Array | null
  /** Instances holding each element. */
  readonly total: Uint16Array
  readonly instances = new Map<number, PhysicalInstance>()
  readonly storage: StorageSim
  readonly tensor: TensorInfo
  constructor(storage: StorageSim, tensor: TensorInfo, isProduced: boolean) {
    this.storage = storage
    this.tensor = tensor
    this.values = new Float64Array(tensor.volume)
    this.drained = isProduced ? new Float64Array(tensor.volume) : null
    this.total = new Uint16Array(tensor.volume)
  }
  instance(id: number): PhysicalInstance {
    let found = this.instances.get(id)
    if (found === undefined) {
      found = new PhysicalInstance(this.tensor.volume)
      this.instances.set(id, found)
    }
    return found
  }
}

export class ViewInstance {
  readonly held: PagedBytes
  readonly list = new ElementList()
  readonly dirty: PagedBytes | null
  /** Multicast / reduction windows of the last parent read / write served to children, per element. */
  readStamp: Float64Array | null = null
  writeStamp: Float64Array | null = null
  /** When each element was last touched (by ops below, a fill or a late fill), on the controller's step clock. */
  touched: Float64Array
  /** The step clock at this instance's current step: elements touched since then belong to its occupancy (R3.1). */
  stepStart = -1
  constructor(volume: number, isOutput: boolean) {
    this.touched = new Float64Array(volume).fill(-1)
    this.held = new PagedBytes(volume)
    this.dirty = isOutput ? new PagedBytes(volume) : null
  }
  stamps(kind: "read" | "write", volume: number): Float64Array {
    if (kind === "read") return (this.readStamp ??= new Float64Array(volume).fill(-1))
    return (this.writeStamp ??= new Float64Array(volume).fill(-1))
  }
  /** Windows of the current run of the outermost multicast loop, when they interleave (temporal loops below it). */
  private windowSets: { read: { epoch: number; sets: Map<number, Set<number>> }; write: { epoch: number; sets: Map<number, Set<number>> } } | null = null
  /**
   * True the first time element `x` is served (read) or received (write) in window `key`. With
   * temporal loops below the outermost multicast loop, one instance runs all its windows before
   * the next instance starts, so windows interleave and a last-key stamp is not enough.
   */
  firstInWindow(kind: "read" | "write", x: number, key: number, window: Window, volume: number): boolean {
    if (window.temporal.length === 0) {
      const stamps = this.stamps(kind, volume)
      if (stamps[x] === key) return false
      stamps[x] = key
      return true
    }
    this.windowSets ??= { read: { epoch: -1, sets: new Map() }, write: { epoch: -1, sets: new Map() } }
    const state = this.windowSets[kind]
    const epoch = Math.floor(key / window.radix)
    if (state.epoch !== epoch) {
      state.epoch = epoch
      state.sets.clear()
    }
    let set = state.sets.get(key)
    if (set === undefined) {
      set = new Set()
      state.sets.set(key, set)
    }
    if (set.has(x)) return false
    set.add(x)
    return true
  }
}

/** Spatial loops between a parent node and a child, and the temporal loops that tell their windows apart. */
export interface Window {
  /** Spatial loops between parent and child: instances under them share one parent access per element. */
  readonly multicast: ReadonlyArray<LoopSim>
  /** Temporal loops below the outermost multicast loop and above the child. */
  readonly temporal: ReadonlyArray<LoopSim>
  readonly radix: number
}

export const makeWindow = (between: ReadonlyArray<LoopSim>): Window => {
  const first = between.findIndex((l) => l.spatial)
  if (first < 0) return { multicast: [], temporal: [], radix: 1 }
  const multicast = between.filter((l) => l.spatial)
  const temporal = between.slice(first).filter((l) => !l.spatial)
  const radix = temporal.reduce((n, l) => n * l.radix, 1)
  return { multicast, temporal, radix }
}

export class View {
  readonly instances = new Map<number, ViewInstance>()
  reads = 0
  writes = 0
  fills = 0
  occupancy = 0
  /** Words delivered into this view from its parent (each receiving instance counted). */
  delivered = 0
  /** Words the parent served for this view's fills (after multicast). */
  servedByParent = 0
  parent: View | null = null
  /** The view below this one on the same Einsum's path for the same tensor (whose fills this one serves). */
  child: View | null = null
  /** This step's tile (reused between steps). */
  readonly next = new ElementList()
  /** What the step may touch, when finer steps below decide it (evictions keep these). */
  superset: ElementList | null = null
  window: Window = { multicast: [], temporal: [], radix: 1 }
  readonly storage: StorageSim
  readonly tensor: TensorInfo
  readonly einsum: EinsumInfo
  readonly access: AccessInfo
  readonly isOutput: boolean
  readonly physical: Physical
  constructor(storage: StorageSim, tensor: TensorInfo, einsum: EinsumInfo, access: AccessInfo, isOutput: boolean, physical: Physical) {
    this.storage = storage
    this.tensor = tensor
    this.einsum = einsum
    this.access = access
    this.isOutput = isOutput
    this.physical = physical
  }
  get key(): string {
    return `${this.storage.level}|${this.tensor.name}|${this.einsum.name}`
  }
  instance(id: number): ViewInstance {
    let found = this.instances.get(id)
    if (found === undefined) {
      found = new ViewInstance(this.tensor.volume, this.isOutput)
      this.instances.set(id, found)
    }
    return found
  }
}
