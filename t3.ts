import { Either } from "effect"
import { parseSource } from "./spec/source.ts"
import { decodeNativeDocument as decodeWith2 } from "./spec/document.ts"

const text = `mapping:
  nodes:
  - type: storage
    level: DRAM
    tensors: [A]
  - type: sequential
    branches:
    - - type: temporal
        rnak: P
        tile_shape: 0
    - - type: computer
        einsum: X
workload:
  einsums:
  - name: X
    ranks: {P: -1}
    inputs: {A: [P]}
    output: {B: [P]}
    outptu: 3
`
const s = parseSource("x.yaml", text)
if (Either.isRight(s)) { const r = decodeWith2(s.right); if (Either.isLeft(r)) console.log(r.left.message) }
