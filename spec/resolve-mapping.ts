/**
 * Check a decoded mapping against the workload and architecture and build
 * the resolved `Mapping`. Every message names the node's path in its file.
 */
import { Either } from "effect"
import { type Architecture, instancesOf } from "./architecture.ts"
import { didYouMean, type DocPath, type SpecIssue, SpecError } from "./errors.ts"
import {
  isBranch,
  isLoop,
  leafPaths,
  type LogicalLevel,
  logicalName,
  type Mapping,
  type MappingNode,
  parseLogicalLevel,
  type StorageNode,
  walkMapping
} from "./mapping.ts"
import type { NativeMapping, NativeNode } from "./native-schema.ts"
import { type SpatialUse, spatialInstancesUsed } from "./tile-extents.ts"
import { accessesOf, type Einsum, findEinsum, rankList, type Workload } from "./workload.ts"

export interface ResolvedMapping {
  readonly mapping: Mapping
  /** Logical levels, outermost first: each physical level, then its `#k` copies that the mapping uses. */
  readonly levels: ReadonlyArray<LogicalLevel>
  /** Every spatial loop on every path, with the instances it needs (for `checkFanout` / `sizeFanout`). */
  readonly spatialUses: ReadonlyArray<SpatialUse>
}

export const resolveMapping = (
  raw: NativeMapping,
  workload: Workload,
  architecture: Architecture,
  file: string,
  at: DocPath = ["mapping"]
): Either.Either<ResolvedMapping, SpecError> => {
  const issues: SpecIssue[] = []
  const issue = (path: DocPath, message: string) => issues.push({ file, path, message })
  const einsumNames = workload.einsums.map((e) => e.name)
  const tensorNames = workload.tensors.map((t) => t.name)
  const levelNames = architecture.levels.map((l) => l.name)
  const copies = new Map<string, number>(levelNames.map((name) => [name, 1]))
  const topoIndex = new Map(einsumNames.map((name, i) => [name, i]))

  // Pass 1: structure, names, and the Einsums below every node.
  const build = (list: ReadonlyArray<NativeNode>, path: DocPath): MappingNode[] => {
    const out: MappingNode[] = []
    list.forEach((node, i) => {
      const here = [...path, i]
      const last = i === list.length - 1
      if (last && node.type !== "compute" && node.type !== "sequential" && node.type !== "pipeline") {
        issue(here, `a node list must end with a compute leaf or a sequential/pipeline branch; this ${node.type} node has nothing below it`)
      }
      if (!last && (node.type === "compute" || node.type === "sequential" || node.type === "pipeline")) {
        issue([...path, i + 1], `nothing may follow a ${node.type} node in the same list`)
      }
      out.push(buildNode(node, here))
    })
    // Einsums below each node: everything below it in this list.
    const below: string[] = []
    for (let i = out.length - 1; i >= 0; i--) {
      const node = out[i]!
      const own = isBranch(node) ? node.branches.flatMap((b) => b[0]?.einsums ?? []) : node.kind === "compute" ? [node.einsum] : []
      for (const e of own) if (!below.includes(e)) below.push(e)
      below.sort((a, b) => (topoIndex.get(a) ?? 0) - (topoIndex.get(b) ?? 0))
      out[i] = { ...node, einsums: [...below] } as MappingNode
    }
    return out
  }

  const buildNode = (node: NativeNode, here: DocPath): MappingNode => {
    switch (node.type) {
      case "storage": {
        const parsed = parseLogicalLevel(node.level)
        if (parsed === undefined || !copies.has(parsed.physical)) {
          const physical = parsed?.physical ?? node.level
          issue([...here, "level"], `"${node.level}" is not a memory level (${levelNames.join(", ")})${didYouMean(physical, levelNames)}`)
        } else copies.set(parsed.physical, Math.max(copies.get(parsed.physical)!, parsed.copy))
        node.tensors.forEach((tensor, t) => {
          if (!tensorNames.includes(tensor)) {
            issue([...here, "tensors", t], `"${tensor}" is not a tensor of the workload${didYouMean(tensor, tensorNames)}`)
          }
          if (node.tensors.indexOf(tensor) !== t) issue([...here, "tensors", t], `${tensor} is listed twice`)
        })
        return { kind: "storage", path: here, einsums: [], level: node.level, tensors: node.tensors, exploitsReuse: node.exploits_reuse ?? true }
      }
      case "temporal":
      case "spatial":
        return { kind: node.type, path: here, einsums: [], einsum: "", rank: node.rank, tileShape: node.tile_shape, dim: node.type === "spatial" ? (node.dim ?? "x") : "x" }
      case "sequential":
      case "pipeline":
        return { kind: node.type, path: here, einsums: [], branches: node.branches.map((branch, b) => build(branch, [...here, "branches", b])) }
      case "compute":
        if (!einsumNames.includes(node.einsum)) {
          issue([...here, "einsum"], `"${node.einsum}" is not an Einsum of the workload (${einsumNames.join(", ")})${didYouMean(node.einsum, einsumNames)}`)
        }
        if (node.level !== architecture.compute.name) {
          issue([...here, "level"], `"${node.level}" is not the compute unit; the architecture's compute unit is "${architecture.compute.name}"`)
        }
        return { kind: "compute", path: here, einsums: [node.einsum], einsum: node.einsum, level: node.level }
    }
  }

  let nodes = build(raw.nodes, [...at, "nodes"])
  if (issues.length > 0) return Either.left(new SpecError({ issues }))

  // Every Einsum has exactly one compute leaf.
  const leaves = new Map<string, DocPath[]>()
  walkMapping(nodes, (node) => {
    if (node.kind === "compute") leaves.set(node.einsum, [...(leaves.get(node.einsum) ?? []), node.path])
  })
  for (const e of workload.einsums) {
    const found = leaves.get(e.name) ?? []
    if (found.length === 0) issue([...at, "nodes"], `Einsum ${e.name} has no compute leaf: the mapping must compute every Einsum exactly once`)
    for (const extra of found.slice(1)) issue(extra, `Einsum ${e.name} is computed twice (first at ${formatShort(found[0]!)}); map each Einsum exactly once`)
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues }))

  // Loops tile the head of the group below them.
  const headsOf = (group: ReadonlyArray<string>): string[] =>
    group.filter((name) => {
      const e = findEinsum(workload, name)!
      return !group.some((other) => other !== name && findEinsum(workload, other)!.inputs.some((i) => i.tensor === e.output.tensor))
    })
  const attachHeads = (list: ReadonlyArray<MappingNode>): MappingNode[] =>
    list.map((node) => {
      if (isBranch(node)) return { ...node, branches: node.branches.map(attachHeads) }
      if (!isLoop(node)) return node
      const heads = headsOf(node.einsums)
      if (heads.length !== 1) {
        issue(node.path, `a ${node.kind} loop must tile one last consumer, but ${heads.join(" and ")} below it are independent; move the loop into their branches`)
        return node
      }
      const head = findEinsum(workload, heads[0]!)!
      if (!head.ranks.some((r) => r.name === node.rank)) {
        issue([...node.path, "rank"], `"${node.rank}" is not a rank of ${head.name} ${rankList(head)}${didYouMean(node.rank, head.ranks.map((r) => r.name))}`)
      }
      return { ...node, einsum: head.name }
    })
  nodes = attachHeads(nodes)
  if (issues.length > 0) return Either.left(new SpecError({ issues }))

  const levels: LogicalLevel[] = architecture.levels.flatMap((level) =>
    Array.from({ length: copies.get(level.name)! }, (_, k) => ({ name: logicalName(level.name, k + 1), physical: level.name, physicalIndex: level.index, copy: k + 1 }))
  )
  const order = new Map(levels.map((level, i) => [level.name, i]))
  const mapping: Mapping = { nodes }

  // Logical copies are numbered in order: Buf#3 needs Buf#2.
  const usedCopies = new Map<string, Set<number>>()
  walkMapping(nodes, (node) => {
    if (node.kind !== "storage") return
    const parsed = parseLogicalLevel(node.level)!
    usedCopies.set(parsed.physical, (usedCopies.get(parsed.physical) ?? new Set()).add(parsed.copy))
  })
  walkMapping(nodes, (node) => {
    if (node.kind !== "storage") return
    const parsed = parseLogicalLevel(node.level)!
    const missing = Array.from({ length: parsed.copy - 1 }, (_, k) => k + 1).filter((k) => !usedCopies.get(parsed.physical)!.has(k))
    if (missing.length > 0) {
      issue([...node.path, "level"], `${node.level} skips ${missing.map((k) => logicalName(parsed.physical, k)).join(", ")}; number the logical levels of ${parsed.physical} in order from the outermost`)
    }
  })
  if (issues.length > 0) return Either.left(new SpecError({ issues: dedupe(issues) }))

  // Storage nodes: each tensor must be used below; per path, levels go inward and do not repeat.
  walkMapping(nodes, (node) => {
    if (node.kind !== "storage") return
    node.tensors.forEach((tensor, t) => {
      const used = node.einsums.some((name) => accessesOf(findEinsum(workload, name)!).some((a) => a.tensor === tensor))
      if (!used) issue([...node.path, "tensors", t], `no Einsum below this node (${node.einsums.join(", ")}) reads or writes ${tensor}`)
    })
  })
  const outermost = levels[0]!.name
  const paths = leafPaths(mapping)
  const unheld = new Set<string>()
  for (const path of paths) {
    const leaf = path[path.length - 1]!
    if (leaf.kind !== "compute") continue
    const einsum = findEinsum(workload, leaf.einsum)!
    for (const access of accessesOf(einsum)) {
      const holders = path.filter((n): n is StorageNode => n.kind === "storage" && n.tensors.includes(access.tensor))
      if (holders.length === 0) {
        unheld.add(access.tensor)
        issue(leaf.path, `${einsum.name} uses ${access.tensor} but no storage node above this compute leaf holds it`)
        continue
      }
      for (let k = 1; k < holders.length; k++) {
        const outer = holders[k - 1]!
        const inner = holders[k]!
        if (order.get(inner.level)! <= order.get(outer.level)!) {
          issue(
            [...inner.path, "level"],
            inner.level === outer.level
              ? `${access.tensor} is already stored in ${outer.level} above (${formatShort(outer.path)}); use ${nextCopyName(inner.level)} for a second logical level of that buffer`
              : `${access.tensor} is stored in ${inner.level} below ${outer.level} (${formatShort(outer.path)}); levels must go inward (${levels.map((l) => l.name).join(" > ")})`
          )
        }
      }
      const tensor = workload.tensors.find((t) => t.name === access.tensor)!
      if (tensor.role !== "intermediate" && holders[0]!.level !== outermost) {
        issue(
          [...holders[0]!.path, "level"],
          `${tensor.name} is a workload ${tensor.role}, so its outermost storage must be ${outermost}, not ${holders[0]!.level}`
        )
      }
    }
  }
  // An intermediate must be held by a node above both its producer and each consumer.
  const pathOf = (einsum: string) => paths.find((p) => (p[p.length - 1] as { einsum: string }).einsum === einsum)!
  for (const tensor of workload.tensors) {
    if (tensor.role !== "intermediate" || unheld.has(tensor.name)) continue
    const producerPath = pathOf(tensor.producer!)
    for (const consumer of tensor.consumers) {
      const consumerPath = pathOf(consumer)
      const shared = producerPath.filter((n) => n.kind === "storage" && n.tensors.includes(tensor.name) && consumerPath.includes(n))
      if (shared.length === 0) {
        // The branch node that separates the two leaves: the last node both paths share.
        const split = [...producerPath].reverse().find((n) => consumerPath.includes(n))
        issue(
          split?.path ?? producerPath[0]!.path,
          `intermediate ${tensor.name} passes from ${tensor.producer} to ${consumer}, but no storage node above both holds it; add ${tensor.name} to a storage node above this ${split?.kind ?? "node"}`
        )
      }
    }
  }
  // Branches run in list order, so a producer's branch must come before its consumers' branches.
  walkMapping(nodes, (node) => {
    if (!isBranch(node)) return
    const branchOf = (einsum: string) => node.branches.findIndex((b) => b[0]!.einsums.includes(einsum))
    for (const name of node.einsums) {
      const einsum = findEinsum(workload, name)!
      for (const consumer of workload.tensors.find((t) => t.name === einsum.output.tensor)!.consumers) {
        const from = branchOf(name)
        const to = branchOf(consumer)
        if (to >= 0 && to < from) {
          issue(
            [...node.path, "branches", to],
            `${consumer} (branch ${to}) reads ${einsum.output.tensor}, which ${name} produces in a later branch (${from}); put the producer's branch first`
          )
        }
      }
    }
  })
  issues.push(...outsideConsumerCoverage(workload, nodes, file))
  if (issues.length > 0) return Either.left(new SpecError({ issues: dedupe(issues) }))

  return Either.right({ mapping, levels, spatialUses: spatialInstancesUsed(mapping, workload, levels) })
}

/** Spatial loops must fit the instances the architecture has. */
export const checkFanout = (
  uses: ReadonlyArray<SpatialUse>,
  architecture: Architecture,
  file: string
): Either.Either<void, SpecError> => {
  const issues: SpecIssue[] = []
  const issue = (path: DocPath, message: string) => issues.push({ file, path, message })
  for (const use of uses) {
    const target = use.targetLevelIndex
    const available = instancesOf(architecture, target)
    const name = target === architecture.levels.length ? architecture.compute.name : architecture.levels[target]!.name
    for (const dim of ["x", "y"] as const) {
      if (use.instances[dim] > available[dim]) {
        issue(
          use.loop.path,
          `spatial fanout does not fit: ${use.instances[dim]} instances of ${name} needed along ${dim} (this loop: ${use.count}), the architecture has ${available[dim]}`
        )
      }
    }
  }
  if (issues.length > 0) return Either.left(new SpecError({ issues: dedupeByPath(issues) }))
  return Either.right(undefined)
}

/**
 * For architectures that declare no fanout (LoopTree's Timeloop files often
 * do not): give each level the fanout the mapping's spatial loops need.
 * Returns the sized architecture and a note per level that was sized.
 */
export const sizeFanout = (
  uses: ReadonlyArray<SpatialUse>,
  architecture: Architecture
): { architecture: Architecture; notes: string[] } => {
  const count = architecture.levels.length
  // Instances needed of each level (index count = compute), per dimension; monotone inward.
  const need = Array.from({ length: count + 1 }, () => ({ x: 1, y: 1 }))
  for (const use of uses) {
    need[use.targetLevelIndex]!.x = Math.max(need[use.targetLevelIndex]!.x, use.instances.x)
    need[use.targetLevelIndex]!.y = Math.max(need[use.targetLevelIndex]!.y, use.instances.y)
  }
  for (let i = 1; i <= count; i++) {
    need[i]!.x = lcmAtLeast(need[i - 1]!.x, need[i]!.x)
    need[i]!.y = lcmAtLeast(need[i - 1]!.y, need[i]!.y)
  }
  const notes: string[] = []
  const levels = architecture.levels.map((level, i) => {
    const x = need[i + 1]!.x / need[i]!.x
    const y = need[i + 1]!.y / need[i]!.y
    if (x === level.fanout.x && y === level.fanout.y) return level
    const below = i + 1 === count ? architecture.compute.name : architecture.levels[i + 1]!.name
    notes.push(`${level.name}: fanout sized from the mapping to ${x}${y > 1 ? `x${y}` : ""} ${below} instances (the architecture declares none)`)
    return { ...level, fanout: { ...level.fanout, x, y } }
  })
  return { architecture: { ...architecture, levels }, notes }
}

/** The smallest multiple of `outer` (the instances of the level above) that is at least `inner`. */
const lcmAtLeast = (outer: number, inner: number): number => Math.ceil(Math.max(outer, inner) / outer) * outer

/**
 * A producer fused with some of its consumers computes only what those need
 * (docs/semantics.md R8.1). A consumer outside the group must not read
 * anything beyond that: per dimension, the indices it reads must be among
 * those the in-group consumers read.
 */
const outsideConsumerCoverage = (workload: Workload, nodes: ReadonlyArray<MappingNode>, file: string): SpecIssue[] => {
  const issues: SpecIssue[] = []
  walkMapping(nodes, (node) => {
    if (!isBranch(node)) return
    for (const name of node.einsums) {
      const producer = findEinsum(workload, name)!
      const tensor = workload.tensors.find((t) => t.name === producer.output.tensor)!
      const inside = tensor.consumers.filter((c) => node.einsums.includes(c))
      const outside = tensor.consumers.filter((c) => !node.einsums.includes(c))
      if (inside.length === 0 || outside.length === 0) continue
      const covered = tensor.shape.map((_, d) => new Set(inside.flatMap((c) => indicesRead(findEinsum(workload, c)!, tensor.name, d))))
      for (const consumer of outside) {
        tensor.shape.forEach((_, d) => {
          const missing = indicesRead(findEinsum(workload, consumer)!, tensor.name, d).filter((i) => !covered[d]!.has(i))
          if (missing.length > 0) {
            issues.push({
              file,
              path: node.path,
              message: `${consumer} reads ${tensor.name} at index ${missing[0]} of dimension ${d}, which ${name} never computes here (it only computes what ${inside.join(", ")} need); store ${tensor.name} for ${consumer} or fuse it into this branch`
            })
          }
        })
      }
    }
  })
  return issues
}

/** The distinct indices an Einsum reads along one dimension of a tensor. */
const indicesRead = (einsum: Einsum, tensor: string, dimension: number): number[] => {
  const expression = einsum.inputs.find((input) => input.tensor === tensor)!.projection[dimension]!
  let values = new Set([expression.constant])
  for (const { rank, coefficient } of expression.terms) {
    const bound = einsum.ranks.find((r) => r.name === rank)!.bound
    const next = new Set<number>()
    for (const v of values) for (let r = 0; r < bound; r++) next.add(v + coefficient * r)
    values = next
  }
  return [...values]
}

const nextCopyName = (level: string): string => {
  const parsed = parseLogicalLevel(level)!
  return logicalName(parsed.physical, parsed.copy + 1)
}

const formatShort = (path: DocPath): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")

/** The same problem seen from several leaf paths is reported once. */
const dedupe = (issues: SpecIssue[]): SpecIssue[] => {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const key = JSON.stringify(i.path) + i.message
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

const dedupeByPath = (issues: SpecIssue[]): SpecIssue[] => {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const key = JSON.stringify(i.path)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
