/**
 * A one-line progress bar on stderr, for a person watching: only on a TTY,
 * never under CI, and only once the work has taken longer than `after` ms
 * (so quick runs print nothing). stdout stays clean for results.
 */
export interface ProgressBar {
  /** Record progress; `total` may change as the work becomes known. */
  readonly update: (done: number, total?: number) => void
  /** Clear the line. */
  readonly done: () => void
}

export interface ProgressOptions {
  readonly label: string
  /** What is counted, e.g. "cases" or "MACs". */
  readonly unit: string
  readonly total: number
  /** Milliseconds before the bar first appears (default 1000). */
  readonly after?: number
  readonly stream?: NodeJS.WriteStream
}

export const progressBar = (options: ProgressOptions): ProgressBar => {
  const stream = options.stream ?? process.stderr
  const enabled = stream.isTTY === true && (process.env.CI === undefined || process.env.CI === "false")
  const started = Date.now()
  let total = options.total
  let shown = false
  let last = 0
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) total = newTotal
      if (!enabled) return
      const now = Date.now()
      if (now - started < (options.after ?? 1000) || now - last < 100) return
      last = now
      shown = true
      const fraction = total > 0 ? Math.min(1, done / total) : 0
      const width = 30
      const filled = Math.round(fraction * width)
      const rate = done / ((now - started) / 1000)
      stream.write(
        `\r${options.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${formatCount(done)}/${formatCount(total)} ${options.unit}, ${formatCount(rate)}/s \x1b[K`
      )
    },
    done() {
      if (shown) stream.write("\r\x1b[K")
    }
  }
}

const formatCount = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0))
