/**
 * The report as a self-contained HTML page: the summary table and two
 * inline SVG plots drawn here (no scripts, no CDN): a histogram of the
 * latency error and a model-vs-simulator latency scatter on log axes.
 */
import { countMetrics } from "./compare.ts"
import type { LatencyPoint, Report } from "./report.ts"

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`

const width = 560
const height = 320
const margin = { left: 60, right: 20, top: 20, bottom: 46 }
const plotW = width - margin.left - margin.right
const plotH = height - margin.top - margin.bottom

/** Histogram of relative errors in 5 % bins up to 100 % (the last bin holds everything above). */
export const errorHistogram = (errors: ReadonlyArray<number>): string => {
  const binWidth = 0.05
  const bins = new Array<number>(21).fill(0)
  for (const e of errors) bins[Math.min(20, Math.floor(e / binWidth))]!++
  const top = Math.max(1, ...bins)
  const barW = plotW / bins.length
  const bars = bins
    .map((n, i) => {
      const h = (n / top) * plotH
      const label = i === 20 ? "≥ 100 %" : `${i * 5}–${i * 5 + 5} %`
      return `<rect x="${(margin.left + i * barW + 1).toFixed(1)}" y="${(margin.top + plotH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#4c78a8"><title>${label}: ${n} cases</title></rect>`
    })
    .join("")
  const ticks = [0, 5, 10, 15, 20]
    .map((i) => {
      const x = margin.left + i * barW
      return `<line x1="${x}" y1="${margin.top + plotH}" x2="${x}" y2="${margin.top + plotH + 5}" stroke="#333"/><text x="${x}" y="${margin.top + plotH + 18}" text-anchor="middle">${i * 5} %</text>`
    })
    .join("")
  const yTicks = [0, 0.5, 1]
    .map((f) => {
      const y = margin.top + plotH - f * plotH
      return `<text x="${margin.left - 8}" y="${y + 4}" text-anchor="end">${Math.round(f * top)}</text><line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#ddd"/>`
    })
    .join("")
  return svg(
    `${yTicks}${bars}${ticks}${axes()}<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">relative latency error |model − simulator| / simulator</text>` +
      `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">cases</text>`
  )
}

/** Model latency against simulator latency, log-log, with the diagonal. */
export const latencyScatter = (points: ReadonlyArray<LatencyPoint>): string => {
  const values = points.flatMap((p) => [p.model, p.simulator]).filter((v) => v > 0)
  const lo = values.length === 0 ? 0 : Math.floor(Math.log10(Math.max(1, Math.min(...values))))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values, 10))))
  const sx = (v: number) => margin.left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotW
  const sy = (v: number) => margin.top + plotH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotH
  const dots = points
    .map((p) => `<circle cx="${sx(p.simulator).toFixed(1)}" cy="${sy(p.model).toFixed(1)}" r="2.5" fill="#e45756" fill-opacity="0.6"><title>${escape(p.id)}: model ${p.model}, simulator ${p.simulator}</title></circle>`)
    .join("")
  const ticks: string[] = []
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e
    ticks.push(
      `<text x="${sx(v)}" y="${margin.top + plotH + 18}" text-anchor="middle">${v}</text><line x1="${sx(v)}" y1="${margin.top}" x2="${sx(v)}" y2="${margin.top + plotH}" stroke="#eee"/>`,
      `<text x="${margin.left - 8}" y="${sy(v) + 4}" text-anchor="end">${v}</text><line x1="${margin.left}" y1="${sy(v)}" x2="${margin.left + plotW}" y2="${sy(v)}" stroke="#eee"/>`
    )
  }
  const diagonal = `<line x1="${sx(10 ** lo)}" y1="${sy(10 ** lo)}" x2="${sx(10 ** hi)}" y2="${sy(10 ** hi)}" stroke="#888" stroke-dasharray="4 3"/>`
  return svg(
    `${ticks.join("")}${diagonal}${dots}${axes()}<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">simulator latency (cycles)</text>` +
      `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">model latency (cycles)</text>`
  )
}

const axes = (): string =>
  `<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="#333"/>` +
  `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#333"/>`

const svg = (body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">${body}</svg>`

export const renderHtml = (report: Report, points: ReadonlyArray<LatencyPoint>): string => {
  const rows: Array<[string, string]> = [
    ["cases", String(report.cases)],
    ["counts compared", String(report.compared)],
    ["agree exactly", String(report.agreements)],
    ["count mismatches", String(report.countMismatches)],
    ["both: does not fit", String(report.bothOverflow)],
    ["model declines (unsupported)", String(report.modelUnsupported)],
    ["engine errors / invalid cases", String(report.errors)],
    ...countMetrics.map((m): [string, string] => [`exact match: ${m}`, pct(report.exactMatchRate[m])]),
    ["latency error median / p95 / max", `${pct(report.latencyError.median)} / ${pct(report.latencyError.p95)} / ${pct(report.latencyError.max)}`],
    ["energy error median / p95 / max", `${pct(report.energyError.median)} / ${pct(report.energyError.p95)} / ${pct(report.energyError.max)}`],
    ["Kendall τ (latency ranking)", report.kendallTau === null ? "n/a" : `${report.kendallTau.toFixed(3)} over ${report.kendallGroups} workloads`],
    ["time", `${report.seconds.toFixed(1)} s (${Math.round(report.casesPerMinute)} cases/min, ${report.workers} workers)`]
  ]
  const failures = report.failures
    .slice(0, 50)
    .map((f) => `<tr><td>${escape(f.id)}</td><td>${f.verdict}</td><td>${f.mismatches.map((m) => escape(`${m.metric} ${m.key}: model ${String(m.model)}, simulator ${String(m.simulator)}`)).join("<br>")}</td></tr>`)
    .join("")
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fuselab validate: seed ${report.seed}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}table{border-collapse:collapse}td{padding:2px 12px;border-bottom:1px solid #eee;vertical-align:top}figure{display:inline-block;margin:1em}</style></head>
<body>
<h1>fuselab validate: analytical model vs simulator</h1>
<p>${report.cases} cases, seed ${report.seed}. Counts must match exactly; latency and energy are relative errors against the simulator, over the cases whose counts agree.</p>
<table>${rows.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${escape(v)}</td></tr>`).join("")}</table>
<figure>${errorHistogram(points.map((p) => p.error))}<figcaption>Latency error distribution</figcaption></figure>
<figure>${latencyScatter(points)}<figcaption>Model vs simulator latency (dashed: equal)</figcaption></figure>
${failures === "" ? "" : `<h2>Failed cases</h2><table>${failures}</table>`}
</body></html>
`
}
