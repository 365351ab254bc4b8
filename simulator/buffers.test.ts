import test from "ava"
import fc from "fast-check"
import { PagedBytes } from "./buffers.ts"

test("paged bytes behave like a plain byte array, and count what is non-zero", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4999 }), fc.integer({ min: 0, max: 3 })), { maxLength: 400 }), (writes) => {
      const paged = new PagedBytes(5000)
      const plain = new Uint8Array(5000)
      for (const [x, v] of writes) {
        paged.set(x, v)
        plain[x] = v
      }
      for (let x = 0; x < 5000; x++) if (paged.get(x) !== plain[x]) return false
      return paged.countNonzero() === plain.reduce((n, v) => n + (v === 0 ? 0 : 1), 0)
    })
  )
  t.pass()
})
