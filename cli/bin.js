#!/usr/bin/env node
// The installed `fuselab` command: run the TypeScript sources through tsx.
import { register } from "tsx/esm/api"

register()
const { run } = await import("./main.ts")
await run(process.argv.slice(2))
