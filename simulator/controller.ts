/**
 * The controller: walks the LoopTree as a program. At every step of a
 * storage node it evicts what the new tile no longer holds (draining dirty
 * outputs to the parent) and fills what is missing (from the parent, or as
 * a placeholder an intermediate's producer will write); at every branch it
 * asks, from buffer contents, which elements of each intermediate the
 * consumers need that no buffer above holds, and makes their producers
 * compute exactly those (again, if they were computed before); at every
 * leaf it performs the real multiply-accumulates. All counts in the Stats
 * are tallied here, as the events happen.
 */
import type { TraceEvent, TraceSink } from "../traces/format.ts"
import { type PagedBytes, Physical, View, type ViewInstance, makeWindow, type Window } from "./buffers.ts"
import { boxIsEmpty, ElementList, footprint, Marker, type OpSet, toRuns } from "./elements.ts"
import type { BranchSim, ComputeSim, LoopSim, Program, SimNode, StorageSim } from "./program.ts"
import { elementName } from "./reference.ts"
import { type Clock, makePorts, type Ports } from "./timing.ts"

export class SimulationError extends Error {
  override readonly name = "SimulationError"
  readonly kind: "overflow" | "functional" | "unproduced" | "max-cycles" | "mapping"
  constructor(kind: "overflow" | "functional" | "unproduced" | "max-cycles" | "mapping", message: string) {
    super(message)
    this.kind = kind
  }
}

interface LeafSource {
  readonly view: View
  /** The holder's ports, cached when it has a single instance. */
  ports?: Ports
  readonly window: Window
  readonly intermediate: boolean
}

interface Production {
  readonly producer: number
  readonly tensor: number
  readonly elements: Int32Array
}

export interface RunOptions {
  readonly trace?: TraceSink | undefined
  readonly traceElements?: boolean
  readonly maxCycles?: number
  readonly onProgress?: (opsDone: number) => void
  /** Outputs are valued (zero) from the start: every update and re-entry reads (R7.2). */
  readonly countFirstOutputRead?: boolean
}

export interface ComponentActivity {
  readonly busyCycles: number
  readonly words: number
}

export class Controller {
  readonly opSets: OpSet[]
  readonly views: View[] = []
  readonly viewsOf: View[][]
  readonly physicals = new Map<string, Physical>()
  readonly ops: number[]
  readonly loopIndex: Int32Array
  readonly loopEpoch: Float64Array
  private epoch = 0
  private readonly markers: Marker[]
  private readonly scratch2 = new ElementList(1024)
  private readonly leafSources = new Map<ComputeSim, LeafSource[]>()
  private readonly ports = new Map<string, Ports>()
  /** Live words per physical level instance, and the peak per physical level. */
  private readonly live = new Map<string, number>()
  readonly peakCapacity: number[]
  private readonly listBranch = new Map<ReadonlyArray<SimNode>, BranchSim | null>()
  /** Node lists inside a pipeline stage, whose storage is kept across iterations (R4.4). */
  private readonly pipelineLists = new Set<ReadonlyArray<SimNode>>()
  private readonly branchStorages = new Map<ReadonlyArray<SimNode>, StorageSim[]>()
  private readonly joins: number[][] = []
  private readonly pipelineClocks = new Map<number, number[]>()
  private readonly pipelineEnds = new Map<number, number[]>()
  /** Storage nodes between a temporal loop and a pipeline node in one list: how many iterations are in flight, and their loop. */
  private readonly pipelineWindow = new Map<StorageSim, { width: number; loop: LoopSim }>()
  /** Per pipeline node: its width, the outermost loop of its chain and the storage nodes of its node list (R9.2). */
  private readonly chainWindows = new Map<number, { width: number; loop: LoopSim; storages: StorageSim[] }>()
  /** Per (storage, instance): the element sets of the previous steps still in flight, and the extra words they reserve. */
  private readonly windowState = new Map<string, { epoch: number; history: Int32Array[][]; extra: number }>()
  /** The innermost pipeline branch (pipeline id, branch index) a storage node lies in, if any. */
  private readonly pipelineOwner = new Map<StorageSim, { pipeline: number; branch: number }>()
  /** Live words per physical instance owned by each pipeline's branches: key -> pipeline id -> per branch. */
  private readonly ownedLive = new Map<string, Map<number, number[]>>()
  /** Running pipeline executions (R9.3): each branch reserves its peak over the execution from its start. */
  private readonly executions = new Map<number, { epoch: number; perKey: Map<string, { peak: number[]; maxOutside: number }> }>()
  /** The pipeline nodes inside each branch list (their executions end when a sequential branch ends). */
  private readonly pipelinesIn = new Map<ReadonlyArray<SimNode>, number[]>()
  private executionCounter = 0
  /** The loops above each branch node, outermost first. */
  private readonly branchLoops = new Map<number, LoopSim[]>()
  /** Holders with a spatial loop between them and a branch below: their instances' siblings share them (R8.2). */
  private readonly sharedHolders = new Set<StorageSim>()
  /** Per shared holder instance and element: when (loop indices) and how a sibling made it valued. */
  private readonly stamps = new Map<string, Map<number, { epoch: Float64Array; index: Float64Array; strict: boolean }>>()
  /** Drains at the end of a branch carry results of the current iteration (not visible to siblings). */
  private drainStrict = false
  /** Per loop, for stamps: its tile index while it runs, -1 before it starts, its radix once it has finished (in the enclosing iteration). */
  private readonly stampIndex: Float64Array
  private readonly loopsBelow: number[][]
  private readonly wantMasks = new Map<string, { mask: Uint8Array; list: ElementList }>()
  private readonly stampCounter = { next: 0 }
  /** Advances at every storage step; touch marks carry it so a node can tell what its step really touched. */
  private touchClock = 0
  private readonly readsBefore: number[] = []
  private readonly points: Int32Array[] = []
  private readonly leafInsts: ViewInstance[] = []
  private readonly leafKeys: number[] = []
  private readonly leafValids: Array<PagedBytes | null> = []
  private readonly leafInstIds: number[] = []
  private readonly leafPorts: Ports[] = []
  /** Storage nodes the current list is about to step (for the residency test before their step). */
  private steppingNow = new Set<StorageSim>()
  private steppedBelow = new Set<StorageSim>()
  private opsDone = 0
  private nextProgress = 1 << 16
  computeBusy = 0
  computeStall = 0
  finish = 0
  private pendingCompute = new Map<ComputeSim, { ops: number; cycle: number; cycles: number }>()

  readonly program: Program
  readonly inputs: ReadonlyArray<Float64Array | null>
  readonly options: RunOptions
  constructor(program: Program, inputs: ReadonlyArray<Float64Array | null>, options: RunOptions) {
    this.program = program
    this.inputs = inputs
    this.options = options
    const { einsums, tensors, storages, loops, computes } = program
    this.opSets = einsums.map((e) => ({ lo: new Int32Array(e.bounds.length), hi: Int32Array.from(e.bounds), mask: null, maskList: null, active: true }))
    this.ops = einsums.map(() => 0)
    this.loopIndex = new Int32Array(loops.length)
    this.loopEpoch = new Float64Array(loops.length)
    this.stampIndex = new Float64Array(loops.length).fill(-1)
    const below = loops.map(() => new Set<number>())
    for (const compute of computes) {
      const chain = compute.path.filter((n): n is LoopSim => n.kind === "loop")
      chain.forEach((loop, i) => {
        for (const inner of chain.slice(i + 1)) below[loop.id]!.add(inner.id)
      })
    }
    this.loopsBelow = below.map((set) => [...set])
    this.markers = tensors.map((t) => new Marker(t.volume))
    this.peakCapacity = program.spec.architecture.levels.map(() => 0)
    this.viewsOf = storages.map(() => [])
    // Peer forwarding (docs/semantics.md R5.4) is not simulated: say so rather than count parent reads instead.
    const linked = program.spec.architecture.levels.find((l) => l.fanout.neighborLinks && l.fanout.x * l.fanout.y > 1)
    if (linked !== undefined && loops.some((l) => l.spatial)) {
      throw new SimulationError("mapping", `${linked.name} declares neighbor_links: true; peer forwarding (R5.4) is not simulated yet`)
    }
    // One view per (storage node, tensor, Einsum below it that uses the tensor).
    for (const storage of storages) {
      for (const t of storage.tensors) {
        const tensor = tensors[t]!
        const physical = new Physical(storage, tensor, tensor.producer >= 0)
        this.physicals.set(`${storage.id}:${t}`, physical)
        for (const e of storage.einsums) {
          const einsum = einsums[e]!
          const isOutput = einsum.output.tensor === t
          const access = isOutput ? einsum.output : einsum.inputs.find((a) => a.tensor === t)
          if (access === undefined) continue
          const view = new View(storage, tensor, einsum, access, isOutput, physical)
          this.views.push(view)
          this.viewsOf[storage.id]!.push(view)
        }
      }
    }
    // Parents: the nearest storage above on the Einsum's path holding the tensor.
    for (const compute of computes) {
      const path = compute.path
      let lastHolder = new Map<number, { storage: StorageSim; at: number }>()
      path.forEach((node, at) => {
        if (node.kind !== "storage") return
        for (const t of node.tensors) {
          const view = this.viewFor(node, t, compute.einsum)
          if (view === undefined) continue
          const above = lastHolder.get(t)
          if (above !== undefined) {
            view.parent = this.viewFor(above.storage, t, compute.einsum) ?? null
            if (view.parent !== null) view.parent.child = view
            view.window = makeWindow(path.slice(above.at + 1, at).filter((n): n is LoopSim => n.kind === "loop"))
          }
          lastHolder.set(t, { storage: node, at })
        }
      })
      const einsum = einsums[compute.einsum]!
      const sources: LeafSource[] = [...einsum.inputs, einsum.output].map((access) => {
        const holder = lastHolder.get(access.tensor)
        if (holder === undefined) throw new SimulationError("mapping", `${einsum.name} uses ${tensors[access.tensor]!.name} but no storage node above its compute leaf holds it`)
        const view = this.viewFor(holder.storage, access.tensor, compute.einsum)!
        const window = makeWindow(path.slice(holder.at + 1).filter((n): n is LoopSim => n.kind === "loop"))
        return { view, window, intermediate: tensors[access.tensor]!.role === "intermediate" && access !== einsum.output }
      })
      this.leafSources.set(compute, sources)
      lastHolder = new Map()
    }
    const indexLists = (list: ReadonlyArray<SimNode>, inPipeline: boolean): void => {
      const last = list[list.length - 1]
      this.listBranch.set(list, last !== undefined && (last.kind === "sequential" || last.kind === "pipeline") ? last : null)
      if (inPipeline) this.pipelineLists.add(list)
      for (const node of list) if (node.kind === "sequential" || node.kind === "pipeline") node.branches.forEach((b) => indexLists(b, inPipeline || node.kind === "pipeline"))
    }
    indexLists(program.root, false)
    const windows = (list: ReadonlyArray<SimNode>): void => {
      const last = list[list.length - 1]
      if (last !== undefined && last.kind === "pipeline") {
        // The chain: the temporal loops of the pipeline's node list; every storage node of the list
        // holds the union of its tiles over the iterations in flight (R9.2).
        const chain = list.filter((n): n is LoopSim => n.kind === "loop" && !n.spatial)
        const storages = list.filter((n): n is StorageSim => n.kind === "storage")
        const loop = chain[0]
        if (loop !== undefined && storages.length > 0) {
          this.chainWindows.set(last.id, { width: last.branches.length, loop, storages })
          for (const node of storages) this.pipelineWindow.set(node, { width: last.branches.length, loop })
        }
      }
      for (const node of list) if (node.kind === "sequential" || node.kind === "pipeline") node.branches.forEach(windows)
    }
    windows(program.root)
    const owners = (list: ReadonlyArray<SimNode>, owner: { pipeline: number; branch: number } | null, into: number[][]): void => {
      for (const node of list) {
        if (node.kind === "storage" && owner !== null) this.pipelineOwner.set(node, owner)
        if (node.kind === "sequential" || node.kind === "pipeline") {
          if (node.kind === "pipeline") for (const acc of into) acc.push(node.id)
          node.branches.forEach((b, k) => {
            const inside: number[] = []
            this.pipelinesIn.set(b, inside)
            owners(b, node.kind === "pipeline" ? { pipeline: node.id, branch: k } : owner, [...into, inside])
          })
        }
      }
    }
    owners(program.root, null, [])
    const loopsOf = (list: ReadonlyArray<SimNode>, above: LoopSim[]): void => {
      const path = [...above]
      for (const node of list) {
        if (node.kind === "loop") path.push(node)
        if (node.kind === "sequential" || node.kind === "pipeline") {
          this.branchLoops.set(node.id, [...path])
          for (const storage of node.storageAbove) {
            if (path.some((l) => l.spatial && !storage.loopsAbove.includes(l))) this.sharedHolders.add(storage)
          }
          node.branches.forEach((b) => loopsOf(b, path))
        }
      }
    }
    loopsOf(program.root, [])
    const collect = (list: ReadonlyArray<SimNode>, into: StorageSim[]): void => {
      for (const node of list) {
        if (node.kind === "storage") into.push(node)
        if (node.kind === "sequential" || node.kind === "pipeline") for (const b of node.branches) collect(b, into)
      }
    }
    for (const branch of program.branches) {
      for (const b of branch.branches) {
        const into: StorageSim[] = []
        collect(b, into)
        this.branchStorages.set(b, into.reverse())
      }
    }
  }

  private viewFor(storage: StorageSim, tensor: number, einsum: number): View | undefined {
    return this.viewsOf[storage.id]!.find((v) => v.tensor.id === tensor && v.einsum.id === einsum)
  }

  private instanceOf(storage: StorageSim): number {
    const loops = storage.spatialLoops
    let id = 0
    for (let i = 0; i < loops.length; i++) id = id * loops[i]!.radix + this.loopIndex[loops[i]!.id]!
    return id
  }

  private windowKey(window: Window): number {
    if (window.multicast.length === 0) return -1
    let local = 0
    for (const loop of window.temporal) local = local * loop.radix + this.loopIndex[loop.id]!
    return this.loopEpoch[window.multicast[0]!.id]! * window.radix + local
  }

  private portsOf(level: number, instance: number): Ports {
    const byInstance = (this.portsByLevel[level] ??= [])
    let found = byInstance[instance]
    if (found === undefined) {
      found = makePorts(this.program.spec.architecture.levels[level]!)
      byInstance[instance] = found
      this.ports.set(`${level}:${instance}`, found)
    }
    return found
  }
  private readonly portsByLevel: Ports[][] = []

  activity(): Map<string, ComponentActivity> {
    const out = new Map<string, { busyCycles: number; words: number }>()
    const levels = this.program.spec.architecture.levels
    for (const [key, ports] of this.ports) {
      const name = levels[Number(key.split(":")[0])]!.name
      const entry = out.get(name) ?? { busyCycles: 0, words: 0 }
      const unique = ports.read === ports.write ? [ports.read] : [ports.read, ports.write]
      for (const port of unique) {
        entry.busyCycles = Math.max(entry.busyCycles, Math.ceil(port.busy))
        entry.words += port.words
      }
      out.set(name, entry)
    }
    return out
  }

  latestPortCycle(): number {
    let latest = 0
    for (const ports of this.ports.values()) latest = Math.max(latest, ports.read.free, ports.write.free)
    return latest
  }

  private emit(event: TraceEvent): void {
    this.options.trace?.event(event)
  }

  private iterationOf(loops: ReadonlyArray<LoopSim>): number[] {
    return loops.map((l) => this.loopIndex[l.id]!)
  }

  // ---------------------------------------------------------------- walk

  run(): number {
    const clock: Clock = { t: 0, issue: 0, stall: 0 }
    this.joins.push([])
    this.runList(this.program.root, 0, clock)
    for (const end of this.joins.pop()!) clock.t = Math.max(clock.t, end)
    this.flushCompute(clock)
    // The end of the program: everything still on chip drains to its parent.
    const all = [...this.program.storages].reverse()
    this.flush(all, true, clock, true)
    this.computeStall = clock.stall
    this.finish = Math.max(clock.t, this.latestPortCycle())
    return this.finish
  }

  private runList(list: ReadonlyArray<SimNode>, start: number, clock: Clock): void {
    // Entering a pipeline's node list: a new run of its chain, a new execution (R9.3).
    if (start === 0) {
      const branch = this.listBranch.get(list)
      if (branch !== null && branch !== undefined && branch.kind === "pipeline") this.executions.delete(branch.id)
    }
    for (let i = start; i < list.length; i++) {
      const node = list[i]!
      switch (node.kind) {
        case "loop":
          this.runLoop(list, i, node, clock)
          return
        case "storage": {
          const branch = this.listBranch.get(list)
          let keep: Map<View, ElementList> | null = null
          if (branch !== null && branch !== undefined && node.einsums.length > 1) {
            this.steppingNow = new Set(list.slice(i).filter((n): n is StorageSim => n.kind === "storage"))
            // What this step may touch: data held further down may be gone before the finer steps need it,
            // so elements are kept unless no finer step could need them (the superset)...
            // (Only nodes below a loop of this list step again within this step; the others step once, right after.)
            const firstLoop = list.findIndex((n, k) => k > i && n.kind === "loop")
            this.steppedBelow = new Set(firstLoop < 0 ? [] : list.slice(firstLoop).filter((n): n is StorageSim => n.kind === "storage"))
          }
          if (branch !== null && branch !== undefined && node.einsums.length > 1 && this.steppedBelow.size > 0) {
            this.infer(branch, false)
            keep = new Map()
            for (const view of this.viewsOf[node.id]!) {
              const superset = (view.superset ??= new ElementList())
              footprint(view.einsum, this.opSets[view.einsum.id]!, view.access, view.tensor, superset, this.markers[view.tensor.id]!)
              keep.set(view, superset)
            }
            this.steppedBelow = new Set()
          }
          if (branch !== null && branch !== undefined && node.einsums.length > 1) {
            // ...and filled with what the step needs given what is available now; finer steps fill the rest late.
            this.steppedBelow = new Set()
            this.infer(branch, false)
            this.steppingNow = new Set()
          }
          this.stepStorage(node, clock, keep)
          break
        }
        case "sequential":
        case "pipeline":
          this.runBranch(node, clock)
          return
        case "compute":
          this.runLeaf(node, clock)
          return
      }
    }
  }

  private runLoop(list: ReadonlyArray<SimNode>, at: number, loop: LoopSim, clock: Clock): void {
    const set = this.opSets[loop.einsum]!
    if (boxIsEmpty(set)) return
    const r = loop.rank
    const lo = set.lo[r]!
    const hi = set.hi[r]!
    // A masked (non-box) op set: the loop's range is the wanted ops' range in the box, and empty tiles are skipped (R2.2).
    let occupied: Uint8Array | null = null
    let from0 = lo
    let to = hi
    if (set.mask !== null) {
      const scan = this.scanMask(loop.einsum, set, r)
      if (scan === null) return
      from0 = scan.min
      to = scan.max + 1
      occupied = scan.occupied(loop.tile, from0)
    }
    this.loopEpoch[loop.id] = ++this.epoch
    for (const inner of this.loopsBelow[loop.id]!) this.stampIndex[inner] = -1
    // Pipeline stages below this loop finish after its last iteration; the loop waits for them (a join).
    const joins = this.hasPipelineBelow(list, at)
    if (joins) this.joins.push([])
    if (loop.spatial && !this.pipelineLists.has(list)) {
      // (Not in a pipeline stage, whose storage is kept across iterations, R4.4.)
      // Instances this loop's tiles do not reach still take the step, with an empty tile (R3.1): what they
      // hold leaves, at the same transition as their siblings' steps (before any of them computes).
      set.lo[r] = hi
      set.hi[r] = hi
      for (let idle = Math.ceil((to - from0) / loop.tile); idle < loop.radix; idle++) {
        this.loopIndex[loop.id] = idle
        this.emptyStep(list, at + 1, loop.einsum, clock)
      }
      set.lo[r] = lo
      set.hi[r] = hi
      this.loopIndex[loop.id] = 0
    }
    const start = clock.t
    let latest = start
    let k = 0
    for (let from = from0; from < to; from += loop.tile, k++) {
      if (occupied !== null && occupied[k] !== 1) continue
      set.lo[r] = from
      set.hi[r] = Math.min(from + loop.tile, to)
      this.loopIndex[loop.id] = k
      this.stampIndex[loop.id] = k
      if (loop.spatial) clock.t = start
      this.runList(list, at + 1, clock)
      if (loop.spatial) latest = Math.max(latest, clock.t)
    }
    if (loop.spatial) clock.t = latest
    set.lo[r] = lo
    set.hi[r] = hi
    this.loopIndex[loop.id] = 0
    this.stampIndex[loop.id] = loop.radix
    if (joins) for (const end of this.joins.pop()!) clock.t = Math.max(clock.t, end)
  }

  /**
   * An instance with no ops in this step: its one-Einsum storage nodes down to the next temporal loop
   * or branch step with an empty tile, so everything they hold leaves (R4.6). Only instances that hold something.
   */
  private emptyStep(list: ReadonlyArray<SimNode>, from: number, einsum: number, clock: Clock): void {
    for (let i = from; i < list.length; i++) {
      const node = list[i]!
      if (node.kind === "storage") {
        if (node.einsums.length !== 1 || node.einsums[0] !== einsum || this.pipelineWindow.has(node)) return
        // (A node without reuse lets everything go at the end of each step anyway, R4.5.)
        if (!node.exploitsReuse) continue
        const inst = this.instanceOf(node)
        if (this.viewsOf[node.id]!.some((v) => (v.instances.get(inst)?.list.length ?? 0) > 0)) this.stepStorage(node, clock)
        continue
      }
      if (node.kind === "loop" && node.spatial) {
        for (let idle = 0; idle < node.radix; idle++) {
          this.loopIndex[node.id] = idle
          this.emptyStep(list, i + 1, einsum, clock)
        }
        this.loopIndex[node.id] = 0
      }
      return
    }
  }

  /** The range of rank r over the wanted ops inside the current box, or null when none is inside. */
  private scanMask(e: number, set: OpSet, r: number): { min: number; max: number; occupied: (tile: number, from: number) => Uint8Array } | null {
    const einsum = this.program.einsums[e]!
    const tensor = this.program.tensors[einsum.output.tensor]!
    const list = set.maskList!
    const dims = tensor.shape.length
    const rankOfDim = new Int32Array(dims)
    for (let q = 0; q < einsum.bounds.length; q++) if (einsum.outputDimOfRank[q]! >= 0) rankOfDim[einsum.outputDimOfRank[q]!] = q
    const d = einsum.outputDimOfRank[r]!
    const inside: number[] = []
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < list.length; i++) {
      let rest = list.data[i]!
      let ok = true
      let value = -1
      for (let k = 0; k < dims; k++) {
        const c = Math.floor(rest / tensor.strides[k]!)
        rest -= c * tensor.strides[k]!
        const q = rankOfDim[k]!
        if (c < set.lo[q]! || c >= set.hi[q]!) {
          ok = false
          break
        }
        if (k === d) value = c
      }
      if (!ok) continue
      if (d < 0) return { min: set.lo[r]!, max: set.hi[r]! - 1, occupied: () => new Uint8Array(Math.ceil((set.hi[r]! - set.lo[r]!) / 1) + 1).fill(1) }
      inside.push(value)
      if (value < min) min = value
      if (value > max) max = value
    }
    if (inside.length === 0) return null
    return {
      min,
      max,
      occupied: (tile, from) => {
        const flags = new Uint8Array(Math.ceil((max - from + 1) / tile))
        for (const v of inside) flags[Math.floor((v - from) / tile)] = 1
        return flags
      }
    }
  }

  private readonly pipelineBelow = new Map<ReadonlyArray<SimNode>, boolean>()

  private hasPipelineBelow(list: ReadonlyArray<SimNode>, at: number): boolean {
    let found = this.pipelineBelow.get(list)
    if (found === undefined) {
      const walk = (nodes: ReadonlyArray<SimNode>): boolean =>
        nodes.some((n) => n.kind === "pipeline" || (n.kind === "sequential" && n.branches.some(walk)))
      found = walk(list.slice(at))
      this.pipelineBelow.set(list, found)
    }
    return found
  }

  // ---------------------------------------------------------------- inference

  /** A shared holder's element made valued by a sibling instance: record when (R8.2). */
  private stamp(storage: StorageSim, tensor: number, inst: number, x: number, strict: boolean): void {
    if (!this.sharedHolders.has(storage)) return
    const key = `${storage.id}:${tensor}:${inst}`
    let byElement = this.stamps.get(key)
    if (byElement === undefined) {
      byElement = new Map()
      this.stamps.set(key, byElement)
    }
    byElement.set(x, { epoch: Float64Array.from(this.loopEpoch), index: Float64Array.from(this.stampIndex), strict })
  }

  /**
   * Whether a reader below `readerLoops` sees an element of a shared holder (R8.2, per instance):
   * what a sibling instance of a spatial loop between them produced in the same iteration sits in
   * the sibling's buffers; only what reached the holder at an earlier step is there for this one.
   * Instances run one after another here, so "the same iteration" compares the loop indices.
   */
  private visible(storage: StorageSim, tensor: number, inst: number, x: number, readerLoops: ReadonlyArray<LoopSim>): boolean {
    if (!this.sharedHolders.has(storage)) return true
    const stamp = this.stamps.get(`${storage.id}:${tensor}:${inst}`)?.get(x)
    if (stamp === undefined) return true
    let sibling = false
    for (const loop of readerLoops) {
      if (storage.loopsAbove.includes(loop)) continue
      if (!sibling) {
        if (loop.spatial && stamp.epoch[loop.id] === this.loopEpoch[loop.id] && stamp.index[loop.id] !== this.loopIndex[loop.id]) sibling = true
        continue
      }
      if (loop.spatial) continue
      const writer = stamp.index[loop.id]!
      const reader = this.loopIndex[loop.id]!
      if (writer !== reader) return writer < reader
    }
    return !sibling || !stamp.strict
  }

  private validAbove(branch: BranchSim, tensor: number, x: number, instances: Map<StorageSim, number>): boolean {
    let keptAbove = false
    for (const storage of branch.storageAbove) {
      if (!storage.tensors.includes(tensor)) continue
      // A node that keeps nothing across steps, about to take its next step, retains nothing for it.
      // (The outermost level is a backing store: what it holds is never gone.) What it holds with a
      // complete value goes up to a holder above that keeps its content, though (drained, R4.7), and is valued there.
      const mayLose = storage.physical !== 0 && ((!storage.exploitsReuse && this.steppingNow.has(storage)) || this.steppedBelow.has(storage))
      if (mayLose && !keptAbove) continue
      const physical = this.physicals.get(`${storage.id}:${tensor}`)!
      const inst = physical.instances.get(instances.get(storage)!)
      if (inst !== undefined && inst.valid.get(x) === 1 && this.visible(storage, tensor, instances.get(storage)!, x, this.branchLoops.get(branch.id)!)) return true
      if (!mayLose) keptAbove = true
    }
    return false
  }

  /**
   * Decide each producer's op set in the branch's group: the elements of
   * its output that the group's consumers need now and no buffer above the
   * branch holds with a complete value. With `commit`, record the
   * productions (their outputs start again from zero).
   */
  private infer(branch: BranchSim, commit: boolean): Production[] {
    const { einsums, tensors } = this.program
    const group = branch.einsums
    const inGroup = new Set(group)
    const instances = new Map<StorageSim, number>()
    for (const s of branch.storageAbove) instances.set(s, this.instanceOf(s))
    const consumedInGroup = new Set<number>()
    for (const e of group) for (const a of einsums[e]!.inputs) if (inGroup.has(tensors[a.tensor]!.producer)) consumedInGroup.add(tensors[a.tensor]!.producer)
    const productions: Production[] = []
    const wanted = new Map<number, { mask: Uint8Array; list: ElementList }>()
    for (let g = group.length - 1; g >= 0; g--) {
      const e = group[g]!
      const einsum = einsums[e]!
      if (consumedInGroup.has(e)) {
        // A producer: its op set follows from what was wanted of its output.
        const want = wanted.get(e)
        const set = this.opSets[e]!
        if (want === undefined || want.list.length === 0) {
          set.active = false
          continue
        }
        const tensor = tensors[einsum.output.tensor]!
        const dims = tensor.shape.length
        const min = new Int32Array(dims).fill(2147483647)
        const max = new Int32Array(dims).fill(-1)
        for (let i = 0; i < want.list.length; i++) {
          let rest = want.list.data[i]!
          for (let d = 0; d < dims; d++) {
            const c = Math.floor(rest / tensor.strides[d]!)
            rest -= c * tensor.strides[d]!
            if (c < min[d]!) min[d] = c
            if (c > max[d]!) max[d] = c
          }
        }
        let boxVolume = 1
        for (let r = 0; r < einsum.bounds.length; r++) {
          const d = einsum.outputDimOfRank[r]!
          if (d >= 0) {
            set.lo[r] = min[d]!
            set.hi[r] = max[d]! + 1
            boxVolume *= max[d]! + 1 - min[d]!
          } else {
            set.lo[r] = 0
            set.hi[r] = einsum.bounds[r]!
          }
        }
        set.active = true
        set.mask = boxVolume === want.list.length ? null : want.mask
        set.maskList = set.mask === null ? null : want.list
        if (commit) productions.push({ producer: e, tensor: tensor.id, elements: want.list.toArray() })
      }
      const set = this.opSets[e]!
      if (boxIsEmpty(set)) continue
      for (const access of einsum.inputs) {
        const tensor = tensors[access.tensor]!
        if (!inGroup.has(tensor.producer)) continue
        let want = wanted.get(tensor.producer)
        if (want === undefined) {
          const key = `${branch.id}:${tensor.id}:${commit ? 1 : 0}`
          let pooled = this.wantMasks.get(key)
          if (pooled === undefined) {
            pooled = { mask: new Uint8Array(tensor.volume), list: new ElementList() }
            this.wantMasks.set(key, pooled)
          }
          for (let i = 0; i < pooled.list.length; i++) pooled.mask[pooled.list.data[i]!] = 0
          pooled.list.clear()
          want = pooled
          wanted.set(tensor.producer, want)
        }
        footprint(einsum, set, access, tensor, this.scratch2, this.markers[tensor.id]!)
        for (let i = 0; i < this.scratch2.length; i++) {
          const x = this.scratch2.data[i]!
          if (want.mask[x] === 1) continue
          if (this.validAbove(branch, tensor.id, x, instances)) continue
          want.mask[x] = 1
          want.list.push(x)
        }
      }
    }
    return productions
  }

  /** A new production of these elements (they entered their buffers zero-pending, so their first updates read nothing). */
  private startProduction(branch: BranchSim, production: Production, clock: Clock): void {
    const { elements, tensor, producer } = production
    // Whatever partial or stale value of these elements a buffer still holds is discarded: they are computed from zero.
    // Where the producer writes, even a complete copy made by a sibling instance in this same
    // iteration (not available here, R8.2) is computed again from zero: the same value, not a sum.
    const compute = this.program.computes.find((c) => c.einsum === producer)!
    const target = this.leafSources.get(compute)!.find((source) => source.view.isOutput)!.view
    const targetId = this.instanceOf(target.storage)
    const targetInst = branch.storageAbove.includes(target.storage) ? target.physical.instances.get(targetId) : undefined
    const loops = this.branchLoops.get(branch.id)!
    for (const physical of this.physicals.values()) {
      if (physical.tensor.id !== tensor) continue
      for (const inst of physical.instances.values()) {
        for (const x of elements) {
          if (inst.count.get(x) === 0) continue
          if (inst.valid.get(x) === 1 && (inst !== targetInst || this.visible(target.storage, tensor, targetId, x, loops))) continue
          inst.valid.set(x, 0)
          physical.values[x] = 0
          if (physical.drained !== null) physical.drained[x] = 0
          inst.valued.set(x, 0)
        }
      }
    }
    if (this.options.trace !== undefined) {
      this.emit({
        cycle: clock.t,
        component: this.program.einsums[producer]!.name,
        action: "produce",
        tensor: this.program.tensors[tensor]!.name,
        einsum: this.program.einsums[producer]!.name,
        count: elements.length,
        elements: toRuns(elements)
      })
    }
  }

  /** After a producer's branch: what it produced is complete wherever it now sits above the branch. */
  private completeProduction(branch: BranchSim, production: Production): void {
    // The finished values sit in the lowest holder above the branch (the producer's branch drained
    // into it); holders further up get them only when they are drained there (see drain).
    let lowest: StorageSim | undefined
    for (const storage of branch.storageAbove) if (storage.tensors.includes(production.tensor)) lowest = storage
    if (lowest === undefined) return
    const physical = this.physicals.get(`${lowest.id}:${production.tensor}`)!
    const inst = physical.instances.get(this.instanceOf(lowest))
    if (inst === undefined) return
    const id = this.instanceOf(lowest)
    for (const x of production.elements) {
      if (inst.count.get(x) === 0) continue
      inst.valid.set(x, 1)
      this.stamp(lowest, production.tensor, id, x, true)
    }
  }

  // ---------------------------------------------------------------- branches

  private runBranch(branch: BranchSim, clock: Clock): void {
    if (branch.kind === "pipeline") this.startExecution(branch)
    // A pipeline iteration enters: the chain's storage nodes reserve the tiles of the iterations in flight (R9.2).
    const chain = this.chainWindows.get(branch.id)
    if (chain !== undefined) {
      for (const storage of chain.storages) {
        const inst = this.instanceOf(storage)
        this.reserveWindow(storage, inst, chain)
        this.checkCapacity(storage, inst, clock)
      }
    }
    const productions = this.infer(branch, true)
    for (const production of productions) this.startProduction(branch, production, clock)
    const childEinsums = branch.branches.map((b) => new Set(branchEinsums(b)))
    if (branch.kind === "sequential") {
      branch.branches.forEach((list, b) => {
        this.runList(list, 0, clock)
        this.flushCompute(clock)
        this.flush(this.branchStorages.get(list)!, true, clock)
        // Pipelines inside the branch are over: their reservations end with it.
        for (const id of this.pipelinesIn.get(list)!) this.executions.delete(id)
        for (const p of productions) if (childEinsums[b]!.has(p.producer)) this.completeProduction(branch, p)
      })
      return
    }
    // Pipeline: each stage is a process with its own clock; stage b's step waits for stage b-1's.
    let clocks = this.pipelineClocks.get(branch.id)
    if (clocks === undefined) {
      clocks = branch.branches.map(() => 0)
      this.pipelineClocks.set(branch.id, clocks)
    }
    const enter = clock.t
    let previous = enter
    let firstEnd = enter
    // Iteration t is admitted only after iteration t - n has left the pipeline (docs/semantics.md 10.4 rule 5).
    let ends = this.pipelineEnds.get(branch.id)
    if (ends === undefined) {
      ends = []
      this.pipelineEnds.set(branch.id, ends)
    }
    const n = branch.branches.length
    const admitted = ends.length >= n ? ends[ends.length - n]! : 0
    branch.branches.forEach((list, b) => {
      const begin = Math.max(enter, clocks[b]!, previous, b === 0 ? admitted : 0)
      const stage: Clock = { t: begin, issue: Math.max(clock.issue, clocks[b]!), stall: 0 }
      this.runList(list, 0, stage)
      this.flushCompute(stage)
      // A stage hands on what later stages read (intermediates); its other contents stay until evicted (R4.4).
      this.flush(this.branchStorages.get(list)!, false, stage, false, true)
      for (const p of productions) if (childEinsums[b]!.has(p.producer)) this.completeProduction(branch, p)
      clocks[b] = stage.t
      clock.stall += stage.stall
      previous = stage.t
      if (b === 0) firstEnd = stage.t
    })
    ends.push(previous)
    if (ends.length > 2 * n) ends.splice(0, ends.length - n)
    clock.t = firstEnd
    clock.issue = enter
    const frame = this.joins[this.joins.length - 1]!
    frame.push(Math.max(...clocks))
  }

  // ---------------------------------------------------------------- storage steps

  private stepStorage(storage: StorageSim, clock: Clock, keep: Map<View, ElementList> | null = null): void {
    this.flushCompute(clock)
    const inst = this.instanceOf(storage)
    // A chain node's window is reserved anew when the pipeline iteration enters (R9.2): its new tile replaces the old union.
    if (this.pipelineWindow.has(storage)) this.dropWindowExtra(storage, inst)
    const ports = this.portsOf(storage.physical, this.physicalInstanceOf(storage, inst))
    let ready = clock.t
    let touched = false
    const stepKey = -1 - ++this.stampCounter.next
    this.touchClock++
    const views = this.viewsOf[storage.id]!
    const evictions: Array<{ count: number; words: number; list: ElementList | null }> = []
    for (const view of views) footprint(view.einsum, this.opSets[view.einsum.id]!, view.access, view.tensor, view.next, this.markers[view.tensor.id]!)
    // The node holds the union over Einsums (R3.2): an element another Einsum's view still holds and
    // this view takes now stays resident, though the other view lets it go (no new entry, R4.2).
    const early: number[] = views.map(() => 0)
    if (views.length > 1) {
      views.forEach((view, v) => {
        const vi = view.instance(inst)
        const pi = view.physical.instance(inst)
        const next = view.next
        const parentInst = view.parent === null ? -1 : this.instanceOf(view.parent.storage)
        for (let i = 0; i < next.length; i++) {
          const x = next.data[i]!
          if (vi.held.get(x) === 1 || pi.count.get(x) === 0) continue
          this.fill(view, vi, inst, x, parentInst, this.windowKey(view.window))
          early[v]!++
        }
      })
    }
    // Evict first, for every view of the node, so that what leaves frees room before anything arrives.
    for (const view of views) {
      const vi = view.instance(inst)
      const next = view.next
      const marker = this.markers[view.tensor.id]!
      marker.next()
      const keepTile = keep?.get(view) ?? next
      for (let i = 0; i < keepTile.length; i++) marker.mark(keepTile.data[i]!)
      // An element kept over the previous step (the superset) that nothing below touched in it was not in
      // that step's occupancy (R3.1): it left at that step's start (R4.2, R4.6) and leaves now, late.
      // (Not intermediates: the step's inference already counted on what they hold, R8.2.)
      const since = storage.einsums.length > 1 && view.tensor.role !== "intermediate" ? vi.stepStart : -1
      vi.stepStart = this.touchClock
      const parentInst = view.parent === null ? -1 : this.instanceOf(view.parent.storage)
      const key = this.windowKey(view.window)
      let evicted = 0
      let drainedWords = 0
      const evictedList = this.options.trace !== undefined && this.options.traceElements !== false ? new ElementList() : null
      const kept = vi.list
      let keptLength = 0
      for (let i = 0; i < kept.length; i++) {
        const x = kept.data[i]!
        if (storage.exploitsReuse && marker.has(x) && (since < 0 || this.touchedSince(view, inst, x, since))) {
          kept.data[keptLength++] = x
          continue
        }
        evicted++
        evictedList?.push(x)
        drainedWords += this.evict(view, vi, inst, x, parentInst, key, stepKey)
      }
      kept.length = keptLength
      evictions.push({ count: evicted, words: drainedWords, list: evictedList })
    }
    views.forEach((view, v) => {
      const vi = view.instance(inst)
      const next = view.next
      const parentInst = view.parent === null ? -1 : this.instanceOf(view.parent.storage)
      const key = this.windowKey(view.window)
      const { count: evicted, words: drainedWords, list: evictedList } = evictions[v]!
      // Fill what is missing.
      let filled = 0
      let fromParent = 0
      let delivered = 0
      let elided = 0
      let shared = 0
      const filledList = evictedList === null ? null : new ElementList()
      for (let i = 0; i < next.length; i++) {
        const x = next.data[i]!
        if (vi.held.get(x) === 1) continue
        const outcome = this.fill(view, vi, inst, x, parentInst, key)
        filled++
        filledList?.push(x)
        if (outcome === 1) fromParent++
        if (outcome === 1 || outcome === 4) delivered++
        else if (outcome === 2) elided++
        else if (outcome === 3) shared++
      }
      if (vi.list.length > view.occupancy) view.occupancy = vi.list.length
      if (evicted > 0 || filled > 0) touched = true
      // Time: the parent's read port serves the fills (issued a tile ahead); drains use its write port.
      if (view.parent !== null) {
        const parentLevel = view.parent.storage.physical
        const parentPorts = this.portsOf(parentLevel, this.physicalInstanceOf(view.parent.storage, parentInst))
        if (drainedWords > 0) parentPorts.write.transfer(drainedWords, clock.t)
        if (delivered > 0) {
          const arrive = parentPorts.read.transfer(fromParent, clock.t)
          ready = Math.max(ready, ports.write.transfer(delivered, clock.t), arrive)
        }
      }
      if (this.options.trace !== undefined) {
        const iteration = this.iterationOf(storage.loopsAbove)
        if (evicted > 0) {
          this.emit({
            cycle: clock.t,
            component: storage.level,
            action: "evict",
            tensor: view.tensor.name,
            einsum: view.einsum.name,
            count: evicted,
            ...(evictedList !== null ? { elements: toRuns(evictedList) } : {}),
            iteration,
            instance: inst,
            detail: { writeback: drainedWords }
          })
        }
        if (filled > 0) {
          this.emit({
            cycle: clock.t,
            component: storage.level,
            action: "fill",
            tensor: view.tensor.name,
            einsum: view.einsum.name,
            count: filled,
            ...(filledList !== null ? { elements: toRuns(filledList) } : {}),
            iteration,
            instance: inst,
            detail: { fromParent, delivered, elided, shared }
          })
        }
      }
    })
    if (touched) this.checkCapacity(storage, inst, clock)
    if (ready > clock.t) {
      const waited = ready - clock.t
      clock.stall += waited
      this.emit({ cycle: clock.t, component: storage.level, action: "stall", count: waited, detail: { until: ready } })
      clock.t = ready
    }
    clock.issue = clock.t
    if (this.options.maxCycles !== undefined && clock.t > this.options.maxCycles) {
      throw new SimulationError("max-cycles", `the simulation passed --max-cycles ${this.options.maxCycles} (at cycle ${clock.t}); stopped`)
    }
  }

  /**
   * An element enters a view (docs/semantics.md 4.3). Returns 1: a fill with value read from the
   * parent; 4: a fill with value another instance's read delivered (multicast); 2: zero-pending;
   * 3: already in this buffer instance (another Einsum's view holds it, no entry); 0: entered
   * at the topmost holder.
   */
  private fill(view: View, vi: ViewInstance, inst: number, x: number, parentInst: number, key: number): number {
    vi.held.set(x, 1)
    vi.list.push(x)
    const physical = view.physical
    const pi = physical.instance(inst)
    let outcome: number
    if (pi.count.get(x) > 0) {
      outcome = 3
      // Already here, but only as another Einsum's zero-pending or partial copy: a reader needs the
      // complete value, so it comes down from the parent if the parent has it (R4.3 case 2).
      const parent = view.parent
      if (!view.isOutput && pi.valid.get(x) !== 1 && parent !== null) {
        const parentPhysical = parent.physical.instance(parentInst)
        if (parentPhysical.valued.get(x) === 1 && (parentPhysical.valid.get(x) === 1 || view.tensor.producer < 0) && this.visible(parent.storage, view.tensor.id, parentInst, x, view.storage.loopsAbove)) {
          outcome = this.readParent(view, parentInst, x, key) ? 1 : 4
          view.writes++
          view.delivered++
          physical.values[x] = parent.physical.values[x]!
          if (physical.drained !== null) physical.drained[x] = physical.values[x]!
          pi.valid.set(x, 1)
          pi.valued.set(x, 1)
        }
      }
    } else {
      // One physical entry, counted under the first Einsum (in leaf order) that takes it.
      view.fills++
      const parent = view.parent
      const countFirst = this.options.countFirstOutputRead === true
      if (parent === null) {
        outcome = 0
        const data = this.inputs[view.tensor.id]
        if (data !== null && data !== undefined) {
          physical.values[x] = data[x]!
          pi.valid.set(x, 1)
          pi.valued.set(x, 1)
        } else if (countFirst && view.isOutput) pi.valued.set(x, 1)
      } else {
        const parentPhysical = parent.physical.instance(parentInst)
        if (view.isOutput) {
          // The first instance to enter the element in a window decides for the window: a partial sum
          // goes down to it; every other instance starts from zero (reduced on drain). Deciding once per
          // window also keeps the decision at the window's time when instances run one after another.
          const first = key < 0 || parent.instance(parentInst).firstInWindow("read", x, key, view.window, view.tensor.volume)
          if (first && (parentPhysical.valued.get(x) === 1 || countFirst)) {
            parent.reads++
            view.servedByParent++
            view.writes++
            view.delivered++
            pi.valued.set(x, 1)
            outcome = 1
          } else outcome = 2
        } else if (parentPhysical.valued.get(x) === 1 && (parentPhysical.valid.get(x) === 1 || view.tensor.producer < 0) && this.visible(parent.storage, view.tensor.id, parentInst, x, view.storage.loopsAbove)) {
          outcome = this.readParent(view, parentInst, x, key) ? 1 : 4
          view.writes++
          view.delivered++
          physical.values[x] = parent.physical.values[x]!
          pi.valid.set(x, 1)
          pi.valued.set(x, 1)
        } else outcome = 2
      }
    }
    const count = pi.count.get(x)
    pi.count.set(x, count + 1)
    if (count === 0) this.addLive(view.storage, inst, 1)
    physical.total[x]!++
    return outcome
  }

  /** Count a parent read unless another instance in the same window already received the element (multicast). */
  private readParent(view: View, parentInst: number, x: number, key: number): boolean {
    const parent = view.parent!
    if (key >= 0 && !parent.instance(parentInst).firstInWindow("read", x, key, view.window, view.tensor.volume)) return false
    parent.reads++
    view.servedByParent++
    return true
  }

  /** Drop one element from a view; a dirty output drains to the parent. Returns the words written to the parent. */
  private evict(view: View, vi: ViewInstance, inst: number, x: number, parentInst: number, key: number, pullKey: number): number {
    // A buffer below that still holds a newer partial sum of this element hands it up first.
    if (view.isOutput && view.child !== null) this.pullDirty(view, inst, x, pullKey)
    vi.held.set(x, 0)
    let words = 0
    const physical = view.physical
    if (view.isOutput && vi.dirty!.get(x) === 1) {
      vi.dirty!.set(x, 0)
      words = this.drain(view, x, inst, parentInst, key)
    }
    const pi = physical.instance(inst)
    // The outermost level is a backing store: it never loses a value (R4.9).
    const backing = view.storage.physical === 0
    const count = pi.count.get(x) - 1
    pi.count.set(x, count)
    if (count === 0) {
      if (!backing) {
        pi.valid.set(x, 0)
        pi.valued.set(x, 0)
      }
      this.addLive(view.storage, inst, -1)
    }
    if (--physical.total[x]! === 0 && !backing) {
      physical.values[x] = 0
      if (physical.drained !== null) physical.drained[x] = 0
    }
    return words
  }

  /**
   * An element a finer step needs that the view's tile (decided at its coarser step) does not
   * hold enters now, from the parent (itself filled late if need be). It is a fill like any
   * other: counted, charged to the ports, and evicted at the node's next step.
   */
  private lateFill(view: View, inst: number, x: number, clock: Clock | null): void {
    const parent = view.parent
    let parentInst = -1
    if (parent !== null) {
      parentInst = this.parentInstanceFor(view, inst)
      if (parent.instance(parentInst).held.get(x) !== 1) this.lateFill(parent, parentInst, x, clock)
    }
    const vi = view.instance(inst)
    vi.touched[x] = this.touchClock
    const outcome = this.fill(view, vi, inst, x, parentInst, this.windowKey(view.window))
    if (vi.list.length > view.occupancy) view.occupancy = vi.list.length
    if (clock !== null) {
      if (parent !== null && (outcome === 1 || outcome === 4)) {
        const arrive = this.portsOf(parent.storage.physical, this.physicalInstanceOf(parent.storage, parentInst)).read.transfer(outcome === 1 ? 1 : 0, clock.t)
        const stored = this.portsOf(view.storage.physical, this.physicalInstanceOf(view.storage, inst)).write.transfer(1, clock.t)
        const ready = Math.max(arrive, stored)
        if (ready > clock.t) {
          clock.stall += ready - clock.t
          clock.t = ready
        }
      }
      this.checkCapacity(view.storage, inst, clock)
    }
  }

  private pullDirty(view: View, inst: number, x: number, key: number): void {
    const child = view.child!
    for (const [ci, cvi] of child.instances) {
      if (cvi.held.get(x) !== 1) continue
      if (this.parentInstanceFor(child, ci) !== inst) continue
      // The newest partial sum may sit further down: bring it up level by level.
      if (child.child !== null) this.pullDirty(child, ci, x, key)
      if (cvi.dirty!.get(x) !== 1) continue
      cvi.dirty!.set(x, 0)
      this.drain(child, x, ci, inst, child.window.multicast.length === 0 ? -1 : -key)
    }
  }

  private drain(view: View, x: number, childInst: number, parentInst: number, key: number): number {
    const physical = view.physical
    const parent = view.parent
    if (parent === null) return 0
    const delta = physical.values[x]! - physical.drained![x]!
    physical.drained![x] = physical.values[x]!
    const parentPhysical = parent.physical.instance(parentInst)
    // A complete intermediate recomputed elsewhere (a sibling's halo) brings the same value again:
    // the shared holder receives the element once, neither a sum nor a second write (9, redundant production).
    if (view.tensor.role === "intermediate" && parentPhysical.valid.get(x) === 1) return 0
    parent.physical.values[x]! += delta
    let pvi = parent.instance(parentInst)
    // A coarser buffer's tile was decided before the finer steps below it ran; what they touched beyond it enters now.
    if (pvi.held.get(x) !== 1) {
      this.lateFill(parent, parentInst, x, null)
      pvi = parent.instance(parentInst)
    }
    pvi.dirty!.set(x, 1)
    parentPhysical.valued.set(x, 1)
    // A complete value arriving makes the parent's copy complete too.
    if (physical.instances.get(childInst)?.valid.get(x) === 1 && parentPhysical.valid.get(x) !== 1) {
      parentPhysical.valid.set(x, 1)
      this.stamp(parent.storage, view.tensor.id, parentInst, x, this.drainStrict)
    }
    if (key >= 0 && !pvi.firstInWindow("write", x, key, view.window, view.tensor.volume)) return 0
    parent.writes++
    return 1
  }

  /** Write back (and with `evict`, drop) everything the storage nodes hold, innermost first. */
  private flush(storages: ReadonlyArray<StorageSim>, evict: boolean, clock: Clock, final = false, intermediatesOnly = false): void {
    this.drainStrict = true
    try {
      this.flushAll(storages, evict, clock, final, intermediatesOnly)
    } finally {
      this.drainStrict = false
    }
  }

  private flushAll(storages: ReadonlyArray<StorageSim>, evict: boolean, clock: Clock, final: boolean, intermediatesOnly: boolean): void {
    const key = -1 - ++this.stampCounter.next
    for (const storage of storages) {
      if (evict && this.pipelineWindow.has(storage)) this.releaseWindow(storage)
      for (const view of this.viewsOf[storage.id]!) {
        // At the end, the outermost copy of every tensor stays: that is where the results are.
        if (final && view.parent === null) continue
        if (intermediatesOnly && view.tensor.role !== "intermediate") continue
        for (const [inst, vi] of view.instances) {
          if (vi.list.length === 0) continue
          const parentInst = view.parent === null ? -1 : this.parentInstanceFor(view, inst)
          let words = 0
          const count = vi.list.length
          if (evict) {
            for (let i = 0; i < vi.list.length; i++) words += this.evict(view, vi, inst, vi.list.data[i]!, parentInst, this.flushKey(view, key, final), key)
            vi.list.clear()
          } else if (view.isOutput) {
            for (let i = 0; i < vi.list.length; i++) {
              const x = vi.list.data[i]!
              if (vi.dirty!.get(x) !== 1) continue
              vi.dirty!.set(x, 0)
              words += this.drain(view, x, inst, parentInst, this.flushKey(view, key, final))
            }
          }
          if (words > 0 && view.parent !== null) this.portsOf(view.parent.storage.physical, this.physicalInstanceOf(view.parent.storage, parentInst)).write.transfer(words, clock.t)
          if (this.options.trace !== undefined && (evict || words > 0)) {
            this.emit({
              cycle: clock.t,
              component: storage.level,
              action: evict ? "evict" : "writeback",
              tensor: view.tensor.name,
              einsum: view.einsum.name,
              count: evict ? count : words,
              instance: inst,
              detail: { writeback: words }
            })
          }
        }
      }
    }
  }

  /** Flushes of all instances at once form one reduction window (when spatial loops separate them from the parent). */
  private flushKey(view: View, key: number, final: boolean): number {
    if (view.window.multicast.length === 0) return -1
    // Sibling instances end their branch at the same step, one after another here: one window per step (R4.7, R5.3).
    // (Half-integer keys: a branch end is its own transition, apart from the node's step transitions.)
    return final ? -key : this.windowKey(view.window) + 0.5
  }

  /** The parent instance of a child instance: the parent's spatial loops are a prefix of the child's. */
  /** Whether ops below `view`'s instance touched `x` since step clock `since`: in it or in a child instance under it. */
  private touchedSince(view: View, inst: number, x: number, since: number): boolean {
    if (view.instance(inst).touched[x]! >= since) return true
    const child = view.child
    if (child === null) return false
    for (const [ci, cvi] of child.instances) {
      if (cvi.touched[x]! < since && child.child === null) continue
      if (this.parentInstanceFor(child, ci) !== inst) continue
      if (this.touchedSince(child, ci, x, since)) return true
    }
    return false
  }

  private parentInstanceFor(view: View, childInst: number): number {
    const parentSpatial = view.parent!.storage.loopsAbove.filter((l) => l.spatial)
    const childSpatial = view.storage.loopsAbove.filter((l) => l.spatial)
    let divisor = 1
    for (let i = parentSpatial.length; i < childSpatial.length; i++) divisor *= childSpatial[i]!.radix
    return Math.floor(childInst / divisor)
  }

  /** The physical instance a logical instance lives in: partitions of one buffer above a fanout share it (R5.1). */
  private physicalInstanceOf(storage: StorageSim, inst: number): number {
    const spatial = storage.spatialLoops
    if (spatial.length === storage.physicalLoops.length) return inst
    // Decompose the logical instance (mixed radix over all spatial loops above) and keep the physical digits.
    const digits: number[] = []
    let rest = inst
    for (let i = spatial.length - 1; i >= 0; i--) {
      digits[i] = rest % spatial[i]!.radix
      rest = Math.floor(rest / spatial[i]!.radix)
    }
    let id = 0
    spatial.forEach((loop, i) => {
      if (storage.physicalLoops.includes(loop)) id = id * loop.radix + digits[i]!
    })
    return id
  }

  /**
   * Pipelined iterations overlap, so a storage node of the chain reserves the union of its tiles
   * over the iterations in flight (R9.2), not just the current one. Called once per iteration of
   * the chain: iterations that differ only in loops below the node repeat its tile.
   */
  private reserveWindow(storage: StorageSim, inst: number, window: { width: number; loop: LoopSim }): void {
    const key = `${storage.id}:${inst}`
    let state = this.windowState.get(key)
    const epoch = this.loopEpoch[window.loop.id]!
    if (state === undefined) {
      state = { epoch, history: [], extra: 0 }
      this.windowState.set(key, state)
    }
    if (state.epoch !== epoch) {
      state.epoch = epoch
      state.history = []
    }
    const current: Int32Array[] = []
    let extra = 0
    storage.tensors.forEach((t, k) => {
      const marker = this.markers[t]!
      marker.next()
      const list = new ElementList()
      for (const view of this.viewsOf[storage.id]!) {
        if (view.tensor.id !== t) continue
        const vi = view.instances.get(inst)
        if (vi === undefined) continue
        for (let i = 0; i < vi.list.length; i++) if (marker.mark(vi.list.data[i]!)) list.push(vi.list.data[i]!)
      }
      current.push(list.toArray())
      for (const past of state!.history) {
        const elements = past[k]!
        for (let i = 0; i < elements.length; i++) if (marker.mark(elements[i]!)) extra++
      }
    })
    state.history.push(current)
    if (state.history.length > window.width - 1) state.history.splice(0, state.history.length - (window.width - 1))
    if (window.width <= 1) state.history = []
    this.addLive(storage, inst, extra - state.extra)
    state.extra = extra
  }

  private dropWindowExtra(storage: StorageSim, inst: number): void {
    const state = this.windowState.get(`${storage.id}:${inst}`)
    if (state === undefined || state.extra === 0) return
    this.addLive(storage, inst, -state.extra)
    state.extra = 0
  }

  private releaseWindow(storage: StorageSim): void {
    for (const [key, state] of this.windowState) {
      const [id, inst] = key.split(":").map(Number) as [number, number]
      if (id !== storage.id || state.extra === 0) continue
      this.addLive(storage, inst, -state.extra)
      state.extra = 0
      state.history = []
    }
  }

  /**
   * A pipeline iteration enters. A new run of its chain is a new execution: from its start each
   * branch reserves its peak over the execution (static partitioning among concurrent stages, R9.3).
   */
  private startExecution(branch: BranchSim): void {
    if (!this.executions.has(branch.id)) this.executions.set(branch.id, { epoch: ++this.executionCounter, perKey: new Map() })
  }

  private addLive(storage: StorageSim, inst: number, delta: number): void {
    const key = `${storage.physical}:${this.physicalInstanceOf(storage, inst)}`
    this.live.set(key, (this.live.get(key) ?? 0) + delta)
    const owner = this.pipelineOwner.get(storage)
    if (owner === undefined) return
    let byPipeline = this.ownedLive.get(key)
    if (byPipeline === undefined) {
      byPipeline = new Map()
      this.ownedLive.set(key, byPipeline)
    }
    let owned = byPipeline.get(owner.pipeline)
    if (owned === undefined) {
      owned = this.program.branches[owner.pipeline]!.branches.map(() => 0)
      byPipeline.set(owner.pipeline, owned)
    }
    const execution = this.executions.get(owner.pipeline)
    if (execution !== undefined) {
      let reserved = execution.perKey.get(key)
      if (reserved === undefined) {
        // First change at this instance in this execution: the branches hold what they held at its start.
        reserved = { peak: [...owned], maxOutside: this.live.get(key)! - delta - owned.reduce((a, b) => a + b, 0) }
        execution.perKey.set(key, reserved)
      }
      owned[owner.branch]! += delta
      if (owned[owner.branch]! > reserved.peak[owner.branch]!) reserved.peak[owner.branch] = owned[owner.branch]!
    } else owned[owner.branch]! += delta
  }

  /** Words reserved in a physical instance: live words, plus what running pipeline branches reserve beyond their current residency (R9.3). */
  private reserved(key: string): number {
    let words = this.live.get(key) ?? 0
    if (this.executions.size === 0) return words
    const byPipeline = this.ownedLive.get(key)
    if (byPipeline === undefined) return words
    for (const [id, execution] of this.executions) {
      const reserved = execution.perKey.get(key)
      const owned = byPipeline.get(id)
      if (reserved === undefined || owned === undefined) continue
      owned.forEach((n, b) => (words += reserved.peak[b]! - n))
    }
    // The reservation is made at the start for the whole execution: the words outside the
    // branches at any time of it coexist with every branch's final peak.
    let result = words
    for (const [id, execution] of this.executions) {
      const reserved = execution.perKey.get(key)
      if (reserved === undefined || !byPipeline.has(id)) continue
      const peak = reserved.peak.reduce((x, y) => x + y, 0)
      reserved.maxOutside = Math.max(reserved.maxOutside, words - peak)
      result = Math.max(result, reserved.maxOutside + peak)
    }
    return result
  }

  private checkCapacity(storage: StorageSim, inst: number, clock: Clock): void {
    const physicalInstance = this.physicalInstanceOf(storage, inst)
    const key = `${storage.physical}:${physicalInstance}`
    const live = this.reserved(key)
    if (live > this.peakCapacity[storage.physical]!) this.peakCapacity[storage.physical] = live
    const level = this.program.spec.architecture.levels[storage.physical]!
    if (level.capacity === null || live <= level.capacity) return
    const resident: Record<string, number> = {}
    for (const physical of this.physicals.values()) {
      if (physical.storage.physical !== storage.physical) continue
      let n = 0
      for (const [id, pi] of physical.instances) {
        if (this.physicalInstanceOf(physical.storage, id) !== physicalInstance) continue
        n += pi.count.countNonzero()
      }
      if (n > 0) resident[`${physical.storage.level}:${physical.tensor.name}`] = (resident[`${physical.storage.level}:${physical.tensor.name}`] ?? 0) + n
    }
    this.emit({
      cycle: clock.t,
      component: storage.level,
      action: "overflow",
      count: live,
      iteration: this.iterationOf(storage.loopsAbove),
      instance: physicalInstance,
      detail: { capacity: level.capacity, resident }
    })
    const list = Object.entries(resident).map(([k, n]) => `${k} ${n}`).join(", ")
    throw new SimulationError(
      "overflow",
      `${level.name} overflows at cycle ${clock.t}: instance ${physicalInstance} would hold ${live} words, capacity ${level.capacity} (resident: ${list}); give it more capacity or use smaller tiles`
    )
  }

  // ---------------------------------------------------------------- compute

  private runLeaf(compute: ComputeSim, clock: Clock): void {
    const e = compute.einsum
    const set = this.opSets[e]!
    if (boxIsEmpty(set)) return
    const einsum = this.program.einsums[e]!
    const sources = this.leafSources.get(compute)!
    const ranks = einsum.bounds.length
    const lo = set.lo
    const hi = set.hi
    const mask = set.mask
    let boxOps = 1
    for (let r = 0; r < ranks; r++) boxOps *= hi[r]! - lo[r]!
    const single = boxOps === 1 && mask === null
    const inputs = einsum.inputs
    const nIn = inputs.length
    const out = sources[nIn]!
    const outTensor = out.view.tensor
    const volume = outTensor.volume
    // Per-call state of every source (arrays reused across calls: no allocation per leaf step).
    const insts = this.leafInsts
    const keys = this.leafKeys
    const valids = this.leafValids
    const instIds = this.leafInstIds
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!
      const inst = this.instanceOf(source.view.storage)
      instIds[i] = inst
      insts[i] = source.view.instance(inst)
      keys[i] = this.windowKey(source.window)
      valids[i] = source.intermediate ? source.view.physical.instance(inst).valid : null
    }
    const outValued = out.view.physical.instance(this.instanceOf(out.view.storage)).valued
    const readsBefore = this.readsBefore
    const leafPorts = this.leafPorts
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!
      readsBefore[i] = source.view.reads
      if (source.view.storage.spatialLoops.length === 0) leafPorts[i] = source.ports ??= this.portsOf(source.view.storage.physical, 0)
      else leafPorts[i] = this.portsOf(source.view.storage.physical, this.physicalInstanceOf(source.view.storage, instIds[i]!))
    }
    const writesBefore = out.view.writes
    const countFirst = this.options.countFirstOutputRead === true
    const outValues = out.view.physical.values
    const outVi = insts[nIn]!
    const outDirty = outVi.dirty!
    if (!single) for (const source of sources) this.markers[source.view.tensor.id]!.next()
    const touchClock = this.touchClock
    const point = (this.points[e] ??= new Int32Array(ranks))
    point.set(lo)
    let done = 0
    for (;;) {
      let o = einsum.output.base
      for (let r = 0; r < ranks; r++) o += einsum.output.linear[r]! * point[r]!
      if (mask === null || mask[o] === 1) {
        let product = 1
        for (let i = 0; i < nIn; i++) {
          const access = inputs[i]!
          const source = sources[i]!
          let x = access.base
          for (let r = 0; r < ranks; r++) x += access.linear[r]! * point[r]!
          const vi = insts[i]!
          vi.touched[x] = touchClock
          if (vi.held.get(x) !== 1) this.lateFill(source.view, instIds[i]!, x, clock)
          const valid = valids[i]!
          if (valid !== null && valid.get(x) !== 1) this.unproduced(source.view, einsum.name, x)
          product *= source.view.physical.values[x]!
          if (single || this.markers[access.tensor]!.mark(x)) {
            const key = keys[i]!
            if (key < 0 || vi.firstInWindow("read", x, key, source.window, source.view.tensor.volume)) source.view.reads++
          }
        }
        outVi.touched[o] = touchClock
        if (outVi.held.get(o) !== 1) this.lateFill(out.view, instIds[nIn]!, o, clock)
        outValues[o]! += product
        outDirty.set(o, 1)
        if (single || this.markers[outTensor.id]!.mark(o)) {
          // Zero-pending elements are not read (the elided first read); after the update they are valued.
          // Partials of one element from several units in one window reduce into one update (R5.3).
          const key = keys[nIn]!
          let counted = true
          if (key >= 0 && !outVi.firstInWindow("write", o, key, out.window, volume)) counted = false
          if (counted) {
            out.view.writes++
            if (outValued.get(o) === 1 || countFirst) out.view.reads++
          }
          outValued.set(o, 1)
        }
        done++
      }
      if (single) break
      let r = ranks - 1
      while (r >= 0) {
        point[r]!++
        if (point[r]! < hi[r]!) break
        point[r] = lo[r]!
        r--
      }
      if (r < 0) break
    }
    this.ops[e]! += done
    // The leaf step starts when its holder reads are served; its updates then go to the holder's write pool.
    let start = clock.t
    for (let i = 0; i < sources.length; i++) {
      const view = sources[i]!.view
      const words = view.reads - readsBefore[i]!
      if (words > 0) start = Math.max(start, this.leafPorts[i]!.read.serve(words, clock.t))
    }
    if (start > clock.t) {
      clock.stall += start - clock.t
      clock.t = start
    }
    const cycles = Math.ceil(done / this.program.spec.architecture.compute.opsPerCycle)
    const updates = out.view.writes - writesBefore
    if (updates > 0) this.leafPorts[nIn]!.write.transfer(updates, clock.t)
    this.computeBusy += done
    const pending = this.pendingCompute.get(compute)
    if (pending === undefined) this.pendingCompute.set(compute, { ops: done, cycle: clock.t, cycles })
    else {
      pending.ops += done
      pending.cycles += cycles
    }
    clock.t += cycles
    this.opsDone += done
    if (this.opsDone >= this.nextProgress) {
      this.nextProgress = this.opsDone + (1 << 16)
      this.options.onProgress?.(this.opsDone)
    }
  }

  private flushCompute(clock: Clock): void {
    if (this.pendingCompute.size === 0) return
    if (this.options.trace !== undefined) {
      for (const [compute, pending] of this.pendingCompute) {
        if (pending.ops === 0) continue
        const einsum = this.program.einsums[compute.einsum]!
        this.emit({
          cycle: pending.cycle,
          component: this.program.spec.architecture.compute.name,
          action: "compute",
          einsum: einsum.name,
          count: pending.ops,
          iteration: this.iterationOf(compute.path.filter((n): n is LoopSim => n.kind === "loop")),
          detail: { cycles: pending.cycles, until: clock.t }
        })
      }
    }
    this.pendingCompute.clear()
  }

  private unproduced(view: View, consumer: string, x: number): never {
    throw new SimulationError(
      "unproduced",
      `${consumer} reads ${elementName(view.tensor.name, view.tensor.shape, x)} from ${view.storage.level} before its producer has computed it; the stages would wait forever`
    )
  }
}

const branchEinsums = (list: ReadonlyArray<SimNode>): number[] => {
  const out: number[] = []
  const walk = (nodes: ReadonlyArray<SimNode>): void => {
    for (const node of nodes) {
      if (node.kind === "compute") out.push(node.einsum)
      if (node.kind === "sequential" || node.kind === "pipeline") node.branches.forEach(walk)
    }
  }
  walk(list)
  return out
}
