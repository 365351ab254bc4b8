/**
 * The `fuselab` command. Parsing lives here; each command is a plain
 * function over loaded specs. Results go to stdout (JSON with --json),
 * diagnostics to stderr. Exit codes: 0 ok, 1 a check failed, 2 bad input.
 */
import yargs from "yargs"
import { hideBin } from "yargs/helpers"
import { SpecError } from "../spec/errors.ts"
import { checkCommand } from "./check-command.ts"
import { modelCommand } from "./model-command.ts"
import { simulateCommand } from "./simulate-command.ts"
import { validateCommand } from "./validate-command.ts"
import { runExamples } from "./examples.ts"
import { UsageError } from "./options.ts"
import { nativeJsonSchema } from "./schema.ts"

import { print } from "./output.ts"

export const main = async (args: ReadonlyArray<string>): Promise<number> => {
  let exitCode = 0
  const parser = yargs([...args])
    .scriptName("fuselab")
    .usage("$0 <command> [options]\n\nFused-layer DNN accelerator dataflows in the LoopTree formulation.")
    .command(checkCommand)
    .command(modelCommand)
    .command(simulateCommand)
    .command(validateCommand)
    .command(
      "schema",
      "print the JSON Schema of the native spec format (for editors)",
      (y) => y,
      () => {
        print(JSON.stringify(nativeJsonSchema(), null, 2))
      }
    )
    .command(
      "examples",
      "check every built-in example (what `npm start` runs)",
      (y) => y.option("json", { type: "boolean", default: false, describe: "print JSON on stdout" }),
      async (argv) => {
        exitCode = await runExamples({ json: argv.json, print })
      }
    )
    .demandCommand(1, "Give a command; see fuselab --help")
    .strict()
    .help()
    .alias("h", "help")
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message)
    })
  await parser.parseAsync()
  return exitCode
}

/** Run the command line and set the process exit code; never throws. */
export const run = async (args: ReadonlyArray<string>): Promise<void> => {
  try {
    const code = await main(args)
    // A command handler may have set a failing exit code itself (validate: 1 on a mismatch).
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code
  } catch (error: unknown) {
    if (error instanceof SpecError) {
      for (const line of error.message.split("\n")) process.stderr.write(`error: ${line}\n`)
      process.exitCode = 2
    } else if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\nRun fuselab --help for usage.\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`internal error (a bug in fuselab, please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exitCode = 70
    }
  }
}

if (process.argv[1] !== undefined && /cli[\\/]main\.ts$/.test(process.argv[1])) await run(hideBin(process.argv))
