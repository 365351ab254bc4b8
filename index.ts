/**
 * The fuselab library API: plain functions (Promises and values, not
 * Effects) for users who script fuselab.
 *
 *   import { loadSpec } from "fuselab"
 *   const spec = await loadSpec(["examples/two-fc-fused.yaml"])
 */
export { loadSpec, specFromSources, type LoadOptions, type SourceText } from "./spec/load.ts"
export { SpecError, formatIssue, type SpecIssue } from "./spec/errors.ts"
export type { Spec } from "./spec/spec.ts"
export type { Workload, Einsum, Tensor, TensorAccess, Rank } from "./spec/workload.ts"
export type { Architecture, MemoryLevel, ComputeUnit } from "./spec/architecture.ts"
export type { Mapping, MappingNode, LogicalLevel } from "./spec/mapping.ts"
export { evaluate } from "./analytical/mod.ts"
export { simulate, SimulationError, type SimulateOptions } from "./simulator/mod.ts"
export { Stats, AccessStats, accessKey, type EngineOptions } from "./spec/stats.ts"
