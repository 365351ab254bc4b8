/**
 * spec/: the input language (workload, architecture, LoopTree mapping),
 * its loading and checks, the LoopTree importer, and the `Stats` shape.
 */
export * from "./affine.ts"
export * from "./architecture.ts"
export * from "./errors.ts"
export { loadSpec, loadSpecEffect, specFromSources, type LoadOptions, type SourceText } from "./load.ts"
export { defaultEnergies, type LoopTreeOptions } from "./looptree-import.ts"
export * from "./mapping.ts"
export { NativeDocument } from "./native-schema.ts"
export * from "./spec.ts"
export * from "./stats.ts"
export * from "./workload.ts"
