/** stdout carries results; stderr carries progress and diagnostics. */
export const print = (text: string): void => {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`)
}

export const note = (text: string): void => {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`)
}
