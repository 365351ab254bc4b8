/** One measured figure: what was measured, its value and unit (e.g. evaluations/s). */
export interface BenchFigure {
  readonly name: string
  readonly value: number
  readonly unit: string
}
