// SARIF 2.1.0 reporter: findings for GitHub code scanning and other SARIF viewers.
// Rules come from the rule metadata (passed in, so the reporter stays pure); each finding becomes a result
// located at its subject as a logical location (ARM resource id, `pod/<ns>/<name>`, or a host) and, when its
// proof is in an evidence file, at that file. Unknowns are tool execution notifications (level "note"): the
// tool could not evaluate them, which is not a result about the environment.
// Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html

import { createHash } from "node:crypto";
import { CAUSES, isCauseCode, type Severity } from "../codes/causes.js";
import { DOCS_BASE } from "../engine/evaluate.js";
import type { Evidence, Finding, Report, RuleMeta, Unknown } from "../engine/types.js";
import { scrubSecrets } from "./html.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const INFORMATION_URI = "https://github.com/pulldoctor/pulldoctor";
/** The key of the stable per-result fingerprint in `partialFingerprints`. */
export const FINGERPRINT_KEY = "pulldoctor/v1";

export type SarifLevel = "error" | "warning" | "note";

const LEVEL: Record<Severity, SarifLevel> = { error: "error", warning: "warning", info: "note" };

export function sarifLevel(severity: string): SarifLevel {
  return (LEVEL as Record<string, SarifLevel | undefined>)[severity] ?? "warning";
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function ordered(entries: [string, Json | undefined][]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

/** The rule page of a rule id. */
export function ruleHelpUri(ruleId: string): string {
  return `${DOCS_BASE}${encodeURIComponent(ruleId)}.md`;
}

function ruleDescriptor(rule: RuleMeta): JsonObject {
  const main = rule.codes[0];
  const level = main !== undefined ? sarifLevel(CAUSES[main].severity) : "warning";
  // tags are a set in SARIF (uniqueItems): the codes, then each distinct category
  const categories = [...new Set(rule.codes.map((c) => CAUSES[c].category))];
  const tags = [...new Set<string>([...rule.codes, ...categories])];
  return ordered([
    ["id", rule.id],
    ["name", rule.id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase())],
    ["shortDescription", { text: rule.title }],
    ["fullDescription", { text: rule.description }],
    ["helpUri", ruleHelpUri(rule.id)],
    ["help", { text: `${rule.description} See ${ruleHelpUri(rule.id)}` }],
    ["defaultConfiguration", { level }],
    ["properties", ordered([["tags", tags], ["stage", rule.stage], ["codes", [...rule.codes]], ["category", categories[0]]])],
  ]);
}

const ARM_ID = /^\/(subscriptions|providers|tenants)\//i;
const POD = /^pod\/([^/]+)\/([^/]+)$/;
// a DNS name or IPv4 address, optionally with a port: the subject of reachability and external-registry checks
const HOST = /^(?=.{1,253}(:\d{1,5})?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;

export type SubjectKind = "resource" | "object" | "module";

/** What a finding's subject names: an ARM resource, a Kubernetes object, a host; undefined for anything else. */
export function subjectKind(subject: string): SubjectKind | undefined {
  if (ARM_ID.test(subject)) return "resource";
  if (POD.test(subject)) return "object";
  if (HOST.test(subject)) return "module";
  return undefined;
}

function logicalLocation(subject: string): JsonObject {
  const kind = subjectKind(subject);
  const segments = subject.split("/").filter((s) => s !== "");
  const name = kind === "resource" || kind === "object" ? segments[segments.length - 1] : undefined;
  return ordered([
    ["name", name],
    ["fullyQualifiedName", subject],
    ["kind", kind],
  ]);
}

/**
 * Stable across runs: the code and the subject, nothing that changes when the environment is re-collected
 * (messages carry counts and timestamps). ARM ids compare case-insensitively (`resourceGroups` vs
 * `resourcegroups` both appear in real output), so they are lower-cased first.
 */
export function fingerprint(code: string, subject: string): string {
  const canonical = ARM_ID.test(subject) ? subject.toLowerCase() : subject;
  return createHash("sha256").update(`${code}\u0000${canonical}`, "utf8").digest("hex");
}

/** A relative evidence file name as a URI reference (each path segment percent-encoded); `live:` sources have none. */
function evidenceUri(e: Evidence): string | undefined {
  if (/^live:/i.test(e.source) || e.source.trim() === "") return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(e.source) || e.source.startsWith("/")) return undefined;
  return e.source.split("/").map((s) => encodeURIComponent(s)).join("/");
}

function location(f: Finding): JsonObject {
  const file = f.evidence.map(evidenceUri).find((u) => u !== undefined);
  return ordered([
    ["physicalLocation", file !== undefined ? { artifactLocation: { uri: file, uriBaseId: "EVIDENCE" } } : undefined],
    ["logicalLocations", [logicalLocation(scrubSecrets(f.subject))]],
  ]);
}

function messageText(f: Finding): string {
  const title = scrubSecrets(f.title).trim();
  const message = scrubSecrets(f.message).trim();
  if (message === "" || message === title) return title;
  // the first sentence is what viewers show when space is short: make it the title
  return /[.!?]$/.test(title) ? `${title} ${message}` : `${title}. ${message}`;
}

function evidenceJson(e: Evidence): JsonObject {
  return ordered([
    ["source", scrubSecrets(e.source)],
    ["path", scrubSecrets(e.path)],
    ["observed", scrubSecrets(e.observed)],
    ["expected", e.expected !== undefined ? scrubSecrets(e.expected) : undefined],
  ]);
}

function result(f: Finding, ruleIndex: Map<string, number>): JsonObject {
  return ordered([
    ["ruleId", f.rule],
    ["ruleIndex", ruleIndex.get(f.rule)],
    ["level", sarifLevel(f.severity)],
    ["message", { text: messageText(f) }],
    ["locations", [location(f)]],
    ["partialFingerprints", { [FINGERPRINT_KEY]: fingerprint(f.code, f.subject) }],
    // SARIF 2.1.0 §3.27.24: set only when the run was compared with a baseline (audit --baseline)
    ["baselineState", f.baselineState],
    [
      "properties",
      ordered([
        ["code", f.code],
        ["severity", f.severity],
        ["category", f.category],
        ["stage", f.stage],
        ["confidence", f.confidence],
        ["subject", scrubSecrets(f.subject)],
        ["remediation", f.remediation.map(scrubSecrets)],
        ["evidence", f.evidence.map(evidenceJson)],
        ["docs", f.docs],
        ["tags", isCauseCode(f.code) ? [f.code, CAUSES[f.code].category] : [f.code]],
      ]),
    ],
  ]);
}

function notification(u: Unknown, ruleIndex: Map<string, number>): JsonObject {
  const subject = u.subject !== undefined ? ` (${scrubSecrets(u.subject)})` : "";
  return ordered([
    ["level", "note"],
    ["message", { text: `Could not check: ${scrubSecrets(u.check)}${subject}. Reason: ${scrubSecrets(u.reason)}` }],
    ["locations", u.subject !== undefined ? [{ logicalLocations: [logicalLocation(scrubSecrets(u.subject))] }] : undefined],
    ["associatedRule", ordered([["id", u.rule], ["index", ruleIndex.get(u.rule)]])],
    ["properties", ordered([["check", scrubSecrets(u.check)], ["stage", u.stage], ["reason", scrubSecrets(u.reason)]])],
  ]);
}

/** The report as a SARIF 2.1.0 log (a plain JSON value). `rules`: the metadata of every rule that can run. */
export function reportToSarif(report: Report, rules: readonly RuleMeta[]): JsonObject {
  const ruleIndex = new Map<string, number>(rules.map((r, i) => [r.id, i]));
  const run = ordered([
    [
      "tool",
      {
        driver: ordered([
          ["name", "pulldoctor"],
          ["version", report.tool.version],
          ["semanticVersion", /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/.test(report.tool.version) ? report.tool.version : undefined],
          ["informationUri", INFORMATION_URI],
          ["rules", rules.map(ruleDescriptor)],
        ]),
      },
    ],
    [
      "invocations",
      [
        ordered([
          ["executionSuccessful", true],
          ["toolExecutionNotifications", report.unknown.map((u) => notification(u, ruleIndex))],
        ]),
      ],
    ],
    ["originalUriBaseIds", { EVIDENCE: { description: { text: scrubSecrets(`The evidence folder: ${report.inputs.location ?? report.inputs.kind}`) } } }],
    ["results", report.findings.map((f) => result(f, ruleIndex))],
    [
      "properties",
      ordered([
        ["generatedAt", report.generatedAt],
        ["summary", { ...report.summary }],
        [
          "subjects",
          {
            clusters: report.subjects.clusters.map(scrubSecrets),
            registries: report.subjects.registries.map(scrubSecrets),
            images: report.subjects.images.map(scrubSecrets),
          },
        ],
        ["passed", report.passed.map((p) => ordered([["check", scrubSecrets(p.check)], ["rule", p.rule], ["stage", p.stage], ["subject", p.subject !== undefined ? scrubSecrets(p.subject) : undefined]]))],
      ]),
    ],
  ]);
  return { $schema: SARIF_SCHEMA_URI, version: "2.1.0", runs: [run] };
}

/** `pulldoctor diagnose --format sarif`: the SARIF log, two-space indent, trailing newline. */
export function renderSarif(report: Report, rules: readonly RuleMeta[]): string {
  return JSON.stringify(reportToSarif(report, rules), null, 2) + "\n";
}
