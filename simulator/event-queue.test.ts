import test from "ava"
import fc from "fast-check"
import { EventQueue } from "./event-queue.ts"

test("the event queue pops by cycle, ties in insertion order", (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (cycles) => {
      const queue = new EventQueue<number>()
      cycles.forEach((cycle, i) => queue.push(cycle, i))
      const popped: number[] = []
      while (queue.length > 0) popped.push(queue.pop()!)
      const expected = cycles.map((cycle, i) => ({ cycle, i })).sort((a, b) => a.cycle - b.cycle || a.i - b.i).map((e) => e.i)
      return JSON.stringify(popped) === JSON.stringify(expected)
    })
  )
  t.pass()
})
