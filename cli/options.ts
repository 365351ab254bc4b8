/**
 * Options shared by the commands that load a spec (check, model, simulate):
 * `--looptree --bindings 0=MainMemory,1=GlobalBuffer,2=MACC [--define B=2]`.
 */
import type { Argv } from "yargs"
import type { LoadOptions } from "../spec/load.ts"

export class UsageError extends Error {
  override readonly name = "UsageError"
}

export const withSpecOptions = <T>(yargs: Argv<T>) =>
  yargs
    .positional("spec", { describe: "the files of ONE spec (YAML or JSON), merged by section (workload, architecture, mapping); in any order", type: "string", array: true, demandOption: true })
    .option("looptree", { type: "boolean", default: false, describe: "read the original LoopTree files (problem / Timeloop v0.4 architecture / fused mapping)" })
    .option("bindings", { type: "string", describe: "LoopTree level ids to components, e.g. 0=MainMemory,1=GlobalBuffer,2=MACC" })
    .option("define", { type: "string", describe: "values for {NAME} placeholders in LoopTree workload templates, e.g. B=1,M=64" })
    .option("json", { type: "boolean", default: false, describe: "print machine-readable JSON on stdout" })

const parsePairs = (text: string, flag: string, keyPattern: RegExp): Array<[string, string]> =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((pair) => {
      const match = /^([^=]+)=(.+)$/.exec(pair)
      if (match === null || !keyPattern.test(match[1]!.trim())) {
        throw new UsageError(`--${flag}: cannot read "${pair}"; expected KEY=VALUE pairs separated by commas`)
      }
      return [match[1]!.trim(), match[2]!.trim()]
    })

/** Parse `0=MainMemory,1=GlobalBuffer` into `{0: "MainMemory", 1: "GlobalBuffer"}`. */
export const parseBindings = (text: string): Record<number, string> => {
  const out: Record<number, string> = {}
  for (const [key, value] of parsePairs(text, "bindings", /^\d+$/)) {
    if (out[Number(key)] !== undefined) throw new UsageError(`--bindings: level ${key} is bound twice`)
    out[Number(key)] = value
  }
  return out
}

export const parseDefines = (text: string): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const [key, value] of parsePairs(text, "define", /^\w+$/)) {
    if (!/^-?\d+$/.test(value)) throw new UsageError(`--define: ${key}=${value} is not an integer`)
    out[key] = Number(value)
  }
  return out
}

export const loadOptionsFrom = (argv: { looptree: boolean; bindings?: string | undefined; define?: string | undefined }): LoadOptions => {
  if (!argv.looptree) {
    if (argv.bindings !== undefined) throw new UsageError("--bindings only applies with --looptree")
    return {}
  }
  if (argv.bindings === undefined) throw new UsageError("--looptree needs --bindings, e.g. --bindings 0=MainMemory,1=GlobalBuffer,2=MACC")
  return {
    looptree: {
      bindings: parseBindings(argv.bindings),
      ...(argv.define !== undefined ? { variables: parseDefines(argv.define) } : {})
    }
  }
}
