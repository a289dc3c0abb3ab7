// JSON reporter: the machine contract of CAUSES.md ("The JSON report contract"), validated by
// schema/report.schema.json. Keys are written in a fixed order so that output diffs stay readable.
// Values are copied verbatim (no sanitising: JSON.stringify escapes control characters, and scripts want
// the raw evidence).

import type { Evidence, Finding, Passed, Report, Unknown } from "../engine/types.js";

export const REPORT_SCHEMA_ID = "https://pulldoctor.dev/schema/report.schema.json";

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Builds an object with keys in the given order, leaving out the ones whose value is undefined. */
function ordered(entries: [string, JsonValue | undefined][]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out;
}

function evidenceJson(e: Evidence): JsonObject {
  return ordered([
    ["source", e.source],
    ["path", e.path],
    ["observed", e.observed],
    ["expected", e.expected],
  ]);
}

function findingJson(f: Finding): JsonObject {
  return ordered([
    ["code", f.code],
    ["severity", f.severity],
    ["category", f.category],
    ["stage", f.stage],
    ["rule", f.rule],
    ["title", f.title],
    ["message", f.message],
    ["subject", f.subject],
    ["evidence", f.evidence.map(evidenceJson)],
    ["remediation", [...f.remediation]],
    ["confidence", f.confidence],
    ["docs", f.docs],
  ]);
}

function unknownJson(u: Unknown): JsonObject {
  return ordered([
    ["check", u.check],
    ["reason", u.reason],
    ["stage", u.stage],
    ["rule", u.rule],
    ["subject", u.subject],
  ]);
}

function passedJson(p: Passed): JsonObject {
  return ordered([
    ["check", p.check],
    ["message", p.message],
    ["stage", p.stage],
    ["rule", p.rule],
    ["subject", p.subject],
  ]);
}

/** The report as a plain JSON value with a stable key order (what {@link renderJson} prints). */
export function reportToJson(report: Report): JsonObject {
  const { inputs, subjects, summary } = report;
  return ordered([
    ["schemaVersion", report.schemaVersion],
    ["tool", ordered([["name", report.tool.name], ["version", report.tool.version]])],
    ["generatedAt", report.generatedAt],
    [
      "subjects",
      ordered([
        ["clusters", [...subjects.clusters]],
        ["registries", [...subjects.registries]],
        ["images", [...subjects.images]],
      ]),
    ],
    [
      "summary",
      ordered([
        ["errors", summary.errors],
        ["warnings", summary.warnings],
        ["infos", summary.infos],
        ["unknown", summary.unknown],
        ["passed", summary.passed],
      ]),
    ],
    ["findings", report.findings.map(findingJson)],
    ["unknown", report.unknown.map(unknownJson)],
    ["passed", report.passed.map(passedJson)],
    [
      "inputs",
      ordered([
        ["kind", inputs.kind],
        ["location", inputs.location],
        [
          "files",
          inputs.files.map((f) =>
            ordered([
              ["file", f.file],
              ["status", f.status],
              ["kinds", [...f.kinds]],
              ["reason", f.reason],
            ]),
          ),
        ],
      ]),
    ],
  ]);
}

/** `pulldoctor diagnose --format json`: one JSON object, two-space indent, trailing newline. */
export function renderJson(report: Report): string {
  return JSON.stringify(reportToJson(report), null, 2) + "\n";
}
