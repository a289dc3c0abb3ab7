import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { CAUSES, CAUSE_CODES } from "../codes/causes.js";
import { STAGES } from "../engine/types.js";
import { failingReport, healthyReport } from "./fixtures.js";
import { REPORT_SCHEMA_ID, renderJson } from "./json.js";

const SCHEMA_FILE = join("schema", "report.schema.json");

/** The repository root: walk up from this file to a directory with package.json and the schema, else $PULLDOCTOR_REPO_DIR. */
function repoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, SCHEMA_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const env = process.env["PULLDOCTOR_REPO_DIR"];
  if (env !== undefined && existsSync(join(env, SCHEMA_FILE))) return env;
  throw new Error(`cannot find ${SCHEMA_FILE} above ${fileURLToPath(import.meta.url)}; set PULLDOCTOR_REPO_DIR`);
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function obj(v: unknown, what: string): JsonObject {
  assert.ok(isObject(v), `${what} is an object`);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(v), `${what} is an array`);
  return v;
}

const REPO = repoDir();
const schema = obj(JSON.parse(readFileSync(join(REPO, SCHEMA_FILE), "utf8")), "schema");

// ajv is resolved from the repository, so that the test also runs when compiled to a directory outside it
const { Ajv2020 } = createRequire(join(REPO, "package.json"))("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
const defs = obj(schema["$defs"], "$defs");

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

function check(value: unknown): string {
  const ok = validate(value);
  return ok ? "" : ajv.errorsText(validate.errors);
}

function parsed(text: string): JsonObject {
  return obj(JSON.parse(text), "report");
}

function firstFinding(doc: JsonObject): JsonObject {
  return obj(arr(doc["findings"], "findings")[0], "finding");
}

describe("report.schema.json", () => {
  it("is a draft 2020-12 schema with the agreed $id", () => {
    assert.equal(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert.equal(schema["$id"], "https://pulldoctor.dev/schema/report.schema.json");
    assert.equal(schema["$id"], REPORT_SCHEMA_ID);
  });

  it("enumerates exactly the cause codes of src/codes/causes.ts", () => {
    assert.deepEqual(obj(defs["code"], "code")["enum"], CAUSE_CODES);
  });

  it("enumerates exactly the severities, categories and stages", () => {
    const severities = [...new Set(Object.values(CAUSES).map((c) => c.severity))].sort();
    const categories = [...new Set(Object.values(CAUSES).map((c) => c.category))].sort();
    assert.deepEqual([...arr(obj(defs["severity"], "severity")["enum"], "enum")].sort(), severities);
    assert.deepEqual([...arr(obj(defs["category"], "category")["enum"], "enum")].sort(), categories);
    assert.deepEqual(obj(defs["stage"], "stage")["enum"], [...STAGES]);
  });

  it("requires the contract fields", () => {
    assert.deepEqual(schema["required"], ["schemaVersion", "findings", "unknown"]);
    assert.deepEqual(obj(defs["finding"], "finding")["required"], [
      "code",
      "severity",
      "category",
      "title",
      "message",
      "subject",
      "evidence",
      "remediation",
    ]);
    assert.deepEqual(obj(defs["evidence"], "evidence")["required"], ["source", "path", "observed"]);
    assert.deepEqual(obj(defs["unknown"], "unknown")["required"], ["check", "reason"]);
  });
});

describe("renderJson", () => {
  it("validates against the schema (failing and healthy reports)", () => {
    assert.equal(check(parsed(renderJson(failingReport()))), "");
    assert.equal(check(parsed(renderJson(healthyReport()))), "");
  });

  it("prints two-space indented JSON with a trailing newline", () => {
    const text = renderJson(failingReport());
    assert.ok(text.endsWith("}\n"));
    assert.ok(!text.endsWith("\n\n"));
    assert.match(text, /^\{\n {2}"schemaVersion": 1,\n/);
  });

  it("carries every field of the report, unchanged and in the engine's order", () => {
    const report = failingReport();
    const before = structuredClone(report);
    assert.deepStrictEqual(JSON.parse(renderJson(report)), report); // key order aside, the same data
    assert.deepStrictEqual(report, before, "the reporter does not mutate its input");
  });

  it("writes keys in a stable order, contract fields first", () => {
    const doc = parsed(renderJson(failingReport()));
    assert.deepEqual(Object.keys(doc), [
      "schemaVersion",
      "tool",
      "generatedAt",
      "subjects",
      "summary",
      "findings",
      "unknown",
      "passed",
      "inputs",
    ]);
    const finding = firstFinding(doc);
    assert.deepEqual(Object.keys(finding), [
      "code",
      "severity",
      "category",
      "stage",
      "rule",
      "title",
      "message",
      "subject",
      "evidence",
      "remediation",
      "docs",
    ]);
    assert.deepEqual(Object.keys(obj(arr(finding["evidence"], "evidence")[1], "evidence[1]")), ["source", "path", "observed", "expected"]);
    assert.deepEqual(Object.keys(obj(arr(doc["unknown"], "unknown")[0], "unknown[0]")), ["check", "reason", "stage", "rule", "subject"]);
    // optional fields are left out, not written as null
    assert.deepEqual(Object.keys(obj(arr(doc["unknown"], "unknown")[1], "unknown[1]")), ["check", "reason", "stage", "rule"]);
    assert.equal(renderJson(failingReport()), renderJson(failingReport()), "deterministic");
  });

  it("keeps hostile text as data (escaped by JSON, no raw control characters)", () => {
    const report = failingReport();
    const f = report.findings[0];
    assert.ok(f);
    f.message = "boom\u001b[2J\u001b]0;owned\u0007 <script>";
    const text = renderJson(report);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f]/);
    assert.equal(firstFinding(parsed(text))["message"], f.message);
  });
});

describe("schema rejects what breaks the contract", () => {
  function mutated(edit: (doc: JsonObject) => void): JsonObject {
    const doc = parsed(renderJson(failingReport()));
    edit(doc);
    return doc;
  }

  it("rejects a bogus code", () => {
    assert.notEqual(check(mutated((d) => (firstFinding(d)["code"] = "NOT_A_CODE"))), "");
  });

  it("rejects a bogus severity or category", () => {
    assert.notEqual(check(mutated((d) => (firstFinding(d)["severity"] = "fatal"))), "");
    assert.notEqual(check(mutated((d) => (firstFinding(d)["category"] = "dns"))), "");
  });

  it("rejects missing contract fields", () => {
    assert.notEqual(check(mutated((d) => delete d["unknown"])), "");
    assert.notEqual(check(mutated((d) => delete firstFinding(d)["remediation"])), "");
    assert.notEqual(check(mutated((d) => delete obj(arr(firstFinding(d)["evidence"], "e")[0], "e0")["observed"])), "");
    assert.notEqual(check(mutated((d) => delete obj(arr(d["unknown"], "u")[0], "u0")["reason"])), "");
  });

  it("rejects wrong types for known optional fields", () => {
    assert.notEqual(check(mutated((d) => (firstFinding(d)["stage"] = "dns"))), "");
    assert.notEqual(check(mutated((d) => (firstFinding(d)["confidence"] = 0.9))), "");
    assert.notEqual(check(mutated((d) => (obj(d["summary"], "summary")["errors"] = -1))), "");
    assert.notEqual(check(mutated((d) => (d["schemaVersion"] = 2))), "");
    assert.notEqual(check(mutated((d) => (firstFinding(d)["remediation"] = "az login"))), "");
  });

  it("allows fields it does not know (\"More fields may be added\")", () => {
    assert.equal(check(mutated((d) => (d["durationMs"] = 812))), "");
    assert.equal(check(mutated((d) => (firstFinding(d)["fingerprint"] = "abc123"))), "");
  });

  it("accepts the bare minimum the contract promises", () => {
    assert.equal(check({ schemaVersion: 1, findings: [], unknown: [] }), "");
  });
});
