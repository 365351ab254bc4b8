/**
 * A memo keyed by a few small integers and a prefix of loop indices, stored
 * as a trie of Maps: no key strings are built on the hot path.
 */
export class IterationMemo<T> {
  private readonly root = new Map<number, unknown>()

  private leaf(heads: ReadonlyArray<number>, it: ReadonlyArray<number>, n: number, create: boolean): Map<number, unknown> | undefined {
    let map = this.root
    const depth = heads.length + n
    for (let k = 0; k < depth - 1; k++) {
      const key = k < heads.length ? heads[k]! : it[k - heads.length]!
      let next = map.get(key) as Map<number, unknown> | undefined
      if (next === undefined) {
        if (!create) return undefined
        next = new Map()
        map.set(key, next)
      }
      map = next
    }
    return map
  }

  get(heads: ReadonlyArray<number>, it: ReadonlyArray<number>, n: number): T | undefined {
    const map = this.leaf(heads, it, n, false)
    if (map === undefined) return undefined
    const depth = heads.length + n
    return map.get(n > 0 ? it[n - 1]! : heads[depth - 1]!) as T | undefined
  }

  set(heads: ReadonlyArray<number>, it: ReadonlyArray<number>, n: number, value: T): void {
    const map = this.leaf(heads, it, n, true)!
    const depth = heads.length + n
    map.set(n > 0 ? it[n - 1]! : heads[depth - 1]!, value)
  }
}
