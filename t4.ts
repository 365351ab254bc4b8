import { loadSpec } from "./spec/load.ts"
const F = "../shared/fixtures"
const cases: [string[], Record<number,string>][] = [
  [[`${F}/looptree-tutorial/architecture.yaml`, `${F}/looptree-tutorial/two_fc.workload.yaml`, `${F}/looptree-tutorial/fused.mapping.yaml`], {0:"MainMemory",1:"GlobalBuffer",2:"MACC"}],
  [[`${F}/looptree-tutorial/architecture.yaml`, `${F}/looptree-tutorial/two_fc.workload.yaml`, `${F}/looptree-tutorial/layer-by-layer.mapping.yaml`], {0:"MainMemory",1:"GlobalBuffer",2:"MACC"}],
  [[`${F}/looptree-tests/three_level.arch.yaml`, `${F}/looptree-tests/cascaded_mm.workload.yaml`, `${F}/looptree-tests/looptree-test-fused.yaml`], {0:"MainMemory",1:"GlobalBuffer",2:"GlobalBuffer",3:"GlobalBuffer",4:"MACC"}],
  [[`${F}/looptree-tests/three_level.arch.yaml`, `${F}/looptree-tests/cascaded_mm.workload.yaml`, `${F}/looptree-tests/looptree-test-unfused.yaml`], {0:"MainMemory",1:"GlobalBuffer",2:"GlobalBuffer",3:"MACC"}],
]
for (const [files, bindings] of cases) {
  try { const s = await loadSpec(files, { looptree: { bindings } }); console.log("OK", s.levels.map(l=>l.name), s.notes, s.workload.tensors.map(t=>`${t.name}:${t.role}:${t.shape}`), JSON.stringify(s.architecture.levels.map(l=>[l.name,l.capacity,l.bandwidth,l.fanout]))) }
  catch (e) { console.log("ERR", (e as Error).message) }
}
