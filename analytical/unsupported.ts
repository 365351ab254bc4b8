/**
 * The one error the model raises on its own: a mapping it cannot evaluate
 * exactly. It is a `SpecError` (bad input for this engine), so the CLI prints
 * the node's path and the reason and exits 2; the model never returns a
 * number it cannot stand behind.
 */
import type { DocPath } from "../spec/errors.ts"
import { SpecError } from "../spec/errors.ts"
import type { Spec } from "../spec/spec.ts"

export const unsupported = (spec: Spec, path: DocPath, reason: string): SpecError =>
  new SpecError({
    issues: [{ file: spec.source.files.join(", ") || "(spec)", path, message: `the analytical model cannot evaluate this exactly: ${reason}` }]
  })
