/**
 * `unnamed(f)` is `f`. tsx compiles with esbuild's `keepNames`, which gives
 * every function bound to a name its name again each time it is created (an
 * `Object.defineProperty` per closure, slow and bad for the engine's shapes).
 * A closure passed through a call is not bound to a name, so it is left
 * alone: used for the closures made once per evaluation or per call on a
 * hot path.
 */
export const unnamed = <F>(f: F): F => f
