import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { snapshotFromFiles } from "../../src/evidence/read.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { RULES } from "../../src/rules/index.js";
import { requireShared } from "../paths.js";
import { runs, seed, count } from "./fuzz-config.js";

const NOW = new Date("2026-11-28T12:00:00Z");

type File = { name: string; content: string };

function loadScenario(dir: string): File[] {
  return readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile() && f !== "expected.json").map((f) => ({ name: f, content: readFileSync(join(dir, f), "utf8") }));
}

function verdict(files: File[]): string[] {
  const report = evaluate(snapshotFromFiles(files, { now: NOW }), RULES);
  return report.findings.filter((f) => f.severity === "error").map((f) => f.code).sort();
}

// ───── semantics-preserving transforms: none of them may change what pulldoctor concludes ─────

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Transform { name: string; apply: (v: Json, rnd: () => number) => Json }

function mapDeep(v: Json, f: (v: Json, key?: string) => Json, key?: string): Json {
  const mapped = f(v, key);
  if (Array.isArray(mapped)) return mapped.map((x) => mapDeep(x, f));
  if (mapped && typeof mapped === "object") return Object.fromEntries(Object.entries(mapped).map(([k, x]) => [k, mapDeep(x, f, k)]));
  return mapped;
}

const TRANSFORMS: Transform[] = [
  // ARM ids and names in ids are case-insensitive (resource-name-rules.md): upper-case whole ids.
  { name: "upper-case ARM ids", apply: (v, rnd) => mapDeep(v, (x) => (typeof x === "string" && /^\/subscriptions\//i.test(x) && rnd() < 0.5 ? x.toUpperCase() : x)) },
  // Object ids are GUIDs, compared case-insensitively.
  { name: "upper-case GUIDs", apply: (v, rnd) => mapDeep(v, (x) => (typeof x === "string" && GUID.test(x) && rnd() < 0.5 ? x.toUpperCase() : x)) },
  // Newer API versions add fields; readers must ignore what they do not know.
  { name: "add unknown fields", apply: (v, rnd) => mapDeep(v, (x) => (x && typeof x === "object" && !Array.isArray(x) && rnd() < 0.3 ? { ...x, xPulldoctorFuzz: rnd() < 0.5 ? null : { nested: [1, "two"] } } : x)) },
  // List order carries no meaning.
  { name: "reverse arrays", apply: (v) => mapDeep(v, (x) => (Array.isArray(x) ? [...x].reverse() : x)) },
  // Key order carries no meaning.
  { name: "shuffle keys", apply: (v, rnd) => mapDeep(v, (x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(() => rnd() - 0.5)) : x)) },
  // An az list with one element and the single object are the same evidence; so is an ARM {"value": [...]} list.
  { name: "wrap top-level in value", apply: (v, _rnd) => (Array.isArray(v) ? { value: v } : v) },
];

function textForms(json: Json, rnd: () => number): string {
  const r = rnd();
  const body = r < 0.33 ? JSON.stringify(json) : r < 0.66 ? JSON.stringify(json, null, 4) : JSON.stringify(json, null, 2);
  return rnd() < 0.2 ? "\uFEFF" + body : body; // PowerShell's `>` writes a BOM
}

function mulberry32(a: number): () => number {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("fuzz: semantics-preserving transforms of every scenario never change its error verdict", (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const root = join(shared, "scenarios");
  const scenarios = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).map((d) => ({ name: d, files: loadScenario(join(root, d)) }));
  const baseline = new Map(scenarios.map((s) => [s.name, verdict(s.files)]));
  const n = runs(1800);
  count(n);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: scenarios.length - 1 }), fc.subarray(TRANSFORMS.map((_, i) => i), { minLength: 1 }), fc.integer(), fc.boolean(), fc.jsonValue({ maxDepth: 3 }), (si, tis, s, addNoise, noise) => {
      const sc = scenarios[si]!;
      const rnd = mulberry32(s);
      const files: File[] = sc.files.map((f) => {
        if (!f.name.endsWith(".json")) return f;
        let json = JSON.parse(f.content.replace(/^\uFEFF/, "")) as Json;
        for (const ti of tis) json = TRANSFORMS[ti]!.apply(json, rnd);
        return { name: f.name, content: textForms(json, rnd) };
      });
      if (addNoise) files.push({ name: "zz-unrelated.json", content: JSON.stringify({ fuzz: noise }) });
      const got = verdict(files);
      assert.deepEqual(got, baseline.get(sc.name), `${sc.name} with ${tis.map((i) => TRANSFORMS[i]!.name).join(", ")}`);
    }),
    { numRuns: n, seed: seed() },
  );
});

test("fuzz: arbitrary JSON and bytes never make the reader or the rules throw", () => {
  const n = runs(4000);
  count(n);
  const doc = fc.oneof(
    fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
    // plausible shapes with wrong types in known fields
    fc.record({ id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), type: fc.constantFrom("Microsoft.ContainerRegistry/registries", "Microsoft.ContainerService/managedClusters", "Microsoft.Authorization/roleAssignments", "Microsoft.Network/privateEndpoints"), properties: fc.jsonValue({ maxDepth: 3 }), loginServer: fc.oneof(fc.string(), fc.integer()), principalId: fc.anything(), scope: fc.anything() }).map((v) => JSON.stringify(v)),
    fc.record({ kind: fc.constantFrom("List", "EventList", "PodList"), apiVersion: fc.constant("v1"), items: fc.array(fc.record({ kind: fc.constantFrom("Event", "Pod", "Node", "Secret"), message: fc.string(), metadata: fc.jsonValue({ maxDepth: 2 }), spec: fc.jsonValue({ maxDepth: 3 }), status: fc.jsonValue({ maxDepth: 3 }), data: fc.dictionary(fc.string(), fc.string()) }), { maxLength: 4 }) }).map((v) => JSON.stringify(v)),
  );
  fc.assert(
    fc.property(fc.array(doc, { minLength: 1, maxLength: 4 }), (docs) => {
      const snapshot = snapshotFromFiles(docs.map((content, i) => ({ name: `f${i}.json`, content })), { now: NOW });
      const report = evaluate(snapshot, RULES);
      assert.ok(Array.isArray(report.findings));
      assert.equal(report.unknown.filter((u) => u.reason.startsWith("internal error")).length, 0, JSON.stringify(report.unknown.filter((u) => u.reason.startsWith("internal error"))));
    }),
    { numRuns: n, seed: seed() },
  );
});
