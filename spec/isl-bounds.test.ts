import test from "ava"
import { Either } from "effect"
import { parseIslBounds, substituteTemplate } from "./isl-bounds.ts"

test("parseIslBounds reads LoopTree instance constraints", (t) => {
  const result = parseIslBounds("0 <= P1 < 128 and 0 <= M1 < 64 and 0 <= C1 < 64")
  t.deepEqual(Either.getOrThrow(result), new Map([["P1", 128], ["M1", 64], ["C1", 64]]))
  t.deepEqual(Either.getOrThrow(parseIslBounds("P >= 0 and P <= 8 and 0 <= Q < 3")), new Map([["P", 9], ["Q", 3]]))
})

test("parseIslBounds rejects what it cannot read", (t) => {
  t.regex(Either.flip(parseIslBounds("1 <= P < 4")).pipe(Either.getOrThrow), /must start at 0/)
  t.regex(Either.flip(parseIslBounds("0 <= P")).pipe(Either.getOrThrow), /no upper bound/)
  t.regex(Either.flip(parseIslBounds("0 <= P + Q < 4")).pipe(Either.getOrThrow), /one rank with an integer/)
})

test("substituteTemplate fills placeholders and names the missing ones", (t) => {
  t.is(Either.getOrThrow(substituteTemplate("0 <= B < {B}", { B: 2 })), "0 <= B < 2")
  t.regex(Either.flip(substituteTemplate("0 <= B < {B} and 0 <= M < {M}", { B: 2 })).pipe(Either.getOrThrow), /--define M=/)
})
