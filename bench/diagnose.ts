// Benchmark: offline diagnose (read evidence folder + evaluate every rule + render JSON) per scenario, in-process,
// so the figure is pulldoctor's own work without Node's start-up. Usage: node dist/bench/diagnose.js [SCENARIOS_DIR] [RUNS]
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { readEvidenceFolder } from "../src/evidence/read.js";
import { evaluate } from "../src/engine/evaluate.js";
import { RULES } from "../src/rules/index.js";
import { renderJson } from "../src/reporters/json.js";

const dir = resolve(process.argv[2] ?? "../shared/scenarios");
const runs = Number(process.argv[3] ?? "30");
const now = new Date("2026-11-28T12:00:00Z");
const rows: { name: string; bytes: number; medianMs: number; p95Ms: number }[] = [];
for (const name of readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort()) {
  const folder = join(dir, name);
  const bytes = readdirSync(folder).reduce((n, f) => n + statSync(join(folder, f)).size, 0);
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = performance.now();
    const snapshot = await readEvidenceFolder(folder, { now });
    renderJson(evaluate(snapshot, RULES));
    if (i >= 3) times.push(performance.now() - t0); // the first runs warm the JIT
  }
  times.sort((a, b) => a - b);
  rows.push({ name, bytes, medianMs: times[Math.floor(times.length / 2)]!, p95Ms: times[Math.floor(times.length * 0.95)]! });
}
console.log("scenario".padEnd(46), "bytes".padStart(8), "median ms".padStart(10), "p95 ms".padStart(8));
for (const r of rows) console.log(r.name.padEnd(46), String(r.bytes).padStart(8), r.medianMs.toFixed(2).padStart(10), r.p95Ms.toFixed(2).padStart(8));
const largest = rows.reduce((a, b) => (b.bytes > a.bytes ? b : a));
console.log(`largest scenario ${largest.name} (${largest.bytes} bytes): median ${largest.medianMs.toFixed(2)} ms over ${runs} runs`);
