#!/usr/bin/env node
// The installed `fuselab` command: run cli/main.ts under the tsx CLI, exactly
// as `npx tsx cli/main.ts` does, so worker threads (validate, explore) get
// tsx's hooks too (Node 20 does not pass --import hooks to workers).
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const tsx = fileURLToPath(import.meta.resolve("tsx/cli"))
const main = fileURLToPath(new URL("./main.ts", import.meta.url))
const child = spawn(process.execPath, [tsx, main, ...process.argv.slice(2)], { stdio: "inherit" })
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal))
child.on("exit", (code, signal) => {
  if (signal !== null) process.kill(process.pid, signal)
  else process.exitCode = code ?? 1
})
