/**
 * `fuselab check SPEC...`: the pattern every spec-taking command follows:
 * a yargs CommandModule built on `withSpecOptions` and `loadOptionsFrom`.
 */
import type { CommandModule } from "yargs"
import { loadSpec } from "../spec/load.ts"
import { renderCheck, summarize } from "./check.ts"
import { loadOptionsFrom, withSpecOptions } from "./options.ts"
import { print } from "./output.ts"

export const checkCommand: CommandModule = {
  command: "check <spec..>",
  describe: "load and check a spec (native, or LoopTree files with --looptree --bindings)",
  builder: (y) => withSpecOptions(y),
  handler: async (argv) => {
    const args = argv as unknown as { spec: string[]; json: boolean; looptree: boolean; bindings?: string; define?: string }
    const spec = await loadSpec(args.spec, loadOptionsFrom(args))
    if (args.json) print(JSON.stringify(summarize(spec), null, 2))
    else print(renderCheck(spec))
  }
}
