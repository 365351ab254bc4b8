import test from "ava"
import { errorHistogram, latencyScatter, renderHtml } from "./html.ts"
import { buildReport } from "./report.ts"

const points = Array.from({ length: 50 }, (_, i) => ({ id: `random:1:${i}`, model: 100 + i * 7, simulator: 100 + i * 5, error: (2 * i) / (100 + i * 5) }))

test("the plots are standalone SVG with one mark per bin or point", (t) => {
  const histogram = errorHistogram(points.map((p) => p.error))
  t.regex(histogram, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  t.is(histogram.match(/<rect /g)?.length, 21)
  const scatter = latencyScatter(points)
  t.is(scatter.match(/<circle /g)?.length, 50)
  t.false(/NaN|Infinity/.test(histogram + scatter))
})

test("the page is self-contained: no scripts, no external resources", (t) => {
  const report = buildReport([], { seed: 1, workers: 1, seconds: 1 })
  const html = renderHtml(report, points)
  t.false(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html))
  t.regex(html, /<figure><svg/)
  t.false(/NaN|Infinity/.test(latencyScatter([])))
})
