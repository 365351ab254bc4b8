/**
 * `fuselab schema`: the JSON Schema of the native format, generated from the
 * effect Schema so the two cannot drift.
 */
import { JSONSchema } from "effect"
import { NativeDocument } from "../spec/native-schema.ts"

export const nativeJsonSchema = (): object => ({
  ...JSONSchema.make(NativeDocument),
  $id: "https://fuselab.dev/schema/spec.json"
})
