/**
 * Loaded by ava before every test file. Property tests use one fixed seed so
 * that `npm test` is deterministic (a flaky CI would block every change);
 * `FC_SEED=<n>` or `FC_SEED=random` explores other cases locally, and a
 * counterexample found that way becomes a test of its own.
 */
import fc from "fast-check"

const requested = process.env.FC_SEED
if (requested !== "random") fc.configureGlobal({ seed: requested === undefined ? 20261125 : Number(requested) })
