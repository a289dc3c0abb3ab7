import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, it } from "node:test";

import { runCli } from "../../test/cli-harness.js";
import { repoRoot, requireShared } from "../../test/paths.js";
import { CAUSES } from "../codes/causes.js";
import { DOCS_BASE } from "../engine/evaluate.js";
import type { Report } from "../engine/types.js";
import { RULES } from "../rules/index.js";
import { CLUSTER_ID, REGISTRY_ID, failingReport, healthyReport, makeFinding, makeReport } from "./fixtures.js";
import { FINGERPRINT_KEY, fingerprint, renderSarif, reportToSarif, subjectKind } from "./sarif.js";

const NOW = "2026-11-28T12:00:00Z"; // the scenarios' "now" (shared/scenarios/README.md)

// ---- schema validation (the official OASIS SARIF 2.1.0 schema, draft-07, shipped in test/fixtures) ----

const SCHEMA_FILE = join(repoRoot(), "test", "fixtures", "sarif-2.1.0.schema.json");
const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;

// ajv is resolved from the repository, so that the test also runs when compiled to a directory outside it
const require = createRequire(join(repoRoot(), "package.json"));
const AjvClass = (require("ajv") as typeof import("ajv")).default;
// the official schema is not written for ajv's strict mode (untyped enums); its formats are checked below
const ajv = new AjvClass({ allErrors: true, strict: false, validateFormats: true });

function isAbsoluteUri(s: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}
ajv.addFormat("uri", { type: "string", validate: isAbsoluteUri });
ajv.addFormat("uri-reference", { type: "string", validate: (s: string) => !/[\s<>"{}|\\^`]/.test(s) && (isAbsoluteUri(s) || !/^[a-z][a-z0-9+.-]*:/i.test(s)) });
ajv.addFormat("date-time", { type: "string", validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) });
const validate = ajv.compile(schema);

function schemaErrors(value: unknown): string {
  return validate(value) ? "" : ajv.errorsText(validate.errors, { separator: "\n" });
}

// ---- small typed accessors over the parsed JSON ----

type J = Record<string, unknown>;
const obj = (v: unknown, what = "value"): J => {
  assert.ok(typeof v === "object" && v !== null && !Array.isArray(v), `${what} is an object`);
  return v as J;
};
const arr = (v: unknown, what = "value"): unknown[] => {
  assert.ok(Array.isArray(v), `${what} is an array`);
  return v;
};
const run0 = (log: unknown): J => obj(arr(obj(log)["runs"], "runs")[0], "runs[0]");
const driver = (log: unknown): J => obj(obj(run0(log)["tool"], "tool")["driver"], "driver");
const results = (log: unknown): J[] => arr(run0(log)["results"], "results").map((r) => obj(r, "result"));
const notifications = (log: unknown): J[] =>
  arr(obj(arr(run0(log)["invocations"], "invocations")[0], "invocation")["toolExecutionNotifications"], "notifications").map((n) => obj(n));

describe("the shipped SARIF schema", () => {
  it("is the official SARIF 2.1.0 JSON schema (draft-07)", () => {
    assert.equal(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert.equal(schema["title"], "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
    assert.equal(Object.keys(obj(schema["definitions"])).length, 52);
  });

  it("rejects logs that break it (so a pass means something)", () => {
    const good = reportToSarif(failingReport(), RULES);
    assert.equal(schemaErrors(good), "");
    const badLevel = structuredClone(good) as J;
    obj(results(badLevel)[0])["level"] = "fatal";
    assert.match(schemaErrors(badLevel), /level/);
    const badUri = structuredClone(good) as J;
    driver(badUri)["informationUri"] = "not a uri";
    assert.match(schemaErrors(badUri), /informationUri|format/);
    const noMessage = structuredClone(good) as J;
    delete obj(results(noMessage)[0])["message"];
    assert.match(schemaErrors(noMessage), /message/);
    const dupTags = structuredClone(good) as J;
    obj(obj(arr(driver(dupTags)["rules"])[0])["properties"])["tags"] = ["A", "A"];
    assert.match(schemaErrors(dupTags), /duplicate|identical/);
  });
});

describe("renderSarif", () => {
  const text = renderSarif(failingReport(), RULES);
  const log = JSON.parse(text) as unknown;

  it("validates against the SARIF 2.1.0 schema (failing, healthy and hostile reports)", () => {
    assert.equal(schemaErrors(log), "");
    assert.equal(schemaErrors(reportToSarif(healthyReport(), RULES)), "");
    const hostile = makeReport({
      findings: [makeFinding({ code: "EXT_UNREACHABLE", stage: "external", subject: `pod/x/"y\u0000`, message: "\u001b[31m<script>", evidence: [{ source: "live:probe", path: "$", observed: "\ud800" }], docs: "javascript:x" })],
      unknown: [{ check: "c", rule: "not-a-rule", stage: "image", reason: "r" }],
    });
    assert.equal(schemaErrors(reportToSarif(hostile, RULES)), "");
  });

  it("is one JSON document with a trailing newline, version 2.1.0, one run", () => {
    assert.ok(text.endsWith("}\n") && !text.endsWith("\n\n"));
    assert.equal(obj(log)["version"], "2.1.0");
    assert.equal(arr(obj(log)["runs"]).length, 1);
  });

  it("describes the tool and every rule from its metadata", () => {
    const d = driver(log);
    assert.equal(d["name"], "pulldoctor");
    assert.equal(d["version"], "0.1.0");
    assert.equal(d["informationUri"], "https://github.com/pulldoctor/pulldoctor");
    const rules = arr(d["rules"]).map((r) => obj(r));
    assert.deepEqual(rules.map((r) => r["id"]), RULES.map((r) => r.id));
    for (const [i, r] of rules.entries()) {
      const meta = RULES[i];
      assert.ok(meta);
      assert.deepEqual(r["shortDescription"], { text: meta.title });
      assert.deepEqual(r["fullDescription"], { text: meta.description });
      assert.equal(r["helpUri"], `${DOCS_BASE}${meta.id}.md`);
      assert.equal(r["helpUri"], `https://github.com/pulldoctor/pulldoctor/blob/main/docs/rules/${meta.id}.md`);
      const tags = arr(obj(r["properties"])["tags"]);
      for (const code of meta.codes) assert.ok(tags.includes(code), `${meta.id} tags ${code}`);
      for (const code of meta.codes) assert.ok(tags.includes(CAUSES[code].category), `${meta.id} tags ${CAUSES[code].category}`);
      assert.equal(new Set(tags).size, tags.length);
    }
  });

  it("maps the main code's severity to the default level: error -> error, warning -> warning, info -> note", () => {
    const level = (id: string): unknown => obj(obj(arr(driver(log)["rules"]).map((r) => obj(r)).find((r) => r["id"] === id))["defaultConfiguration"])["level"];
    assert.equal(level("sp-secret-expired"), "error");
    assert.equal(level("rbac-overprivileged"), "warning");
    assert.equal(level("cfg-anonymous-pull-enabled"), "note");
    for (const meta of RULES) {
      const sev = CAUSES[meta.codes[0] ?? "PULL_FAILURE_UNCLASSIFIED"].severity;
      assert.equal(level(meta.id), sev === "info" ? "note" : sev, meta.id);
    }
  });

  it("has one result per finding, pointing at its rule by id and index, with the finding's level", () => {
    const report = failingReport();
    const rs = results(log);
    assert.equal(rs.length, report.findings.length);
    const rules = arr(driver(log)["rules"]).map((r) => obj(r));
    for (const [i, r] of rs.entries()) {
      const f = report.findings[i];
      assert.ok(f);
      assert.equal(r["ruleId"], f.rule);
      const rule = rules[r["ruleIndex"] as number];
      assert.equal(rule?.["id"], f.rule, "ruleIndex points at the rule");
      assert.equal(r["level"], { error: "error", warning: "warning", info: "note" }[f.severity]);
      const props = obj(r["properties"]);
      assert.equal(props["code"], f.code);
      assert.equal(props["category"], f.category);
      assert.equal(props["stage"], f.stage);
      assert.deepEqual(props["remediation"], f.remediation);
      assert.deepEqual(props["evidence"], f.evidence);
      const text = String(obj(r["message"])["text"]);
      assert.ok(text.startsWith(f.title) && text.includes(f.message), text);
    }
    const fw = rs.find((r) => obj(r["properties"])["code"] === "RBAC_PULL_ROLE_MISSING");
    assert.equal(obj(fw?.["properties"])["confidence"], "high");
  });

  it("locates results at their subject: ARM id -> resource, pod -> object, host -> module", () => {
    const r = makeReport({
      findings: [
        makeFinding({ code: "RBAC_PULL_ROLE_MISSING", stage: "rbac", subject: REGISTRY_ID, evidence: [{ source: "role-assignments.json", path: "$", observed: "x" }] }),
        makeFinding({ code: "EXT_PULL_SECRET_MISSING", stage: "external", subject: "pod/render/asset-indexer-1", evidence: [{ source: "live:kubectl get pods", path: "$", observed: "x" }] }),
        makeFinding({ code: "EXT_RATE_LIMITED", stage: "external", subject: "docker.io" }),
      ],
    });
    const locs = results(reportToSarif(r, RULES)).map((x) => obj(arr(x["locations"])[0]));
    const logical = locs.map((l) => obj(arr(l["logicalLocations"])[0]));
    assert.deepEqual(logical[0], { name: "acrprod", fullyQualifiedName: REGISTRY_ID, kind: "resource" });
    assert.deepEqual(logical[1], { name: "asset-indexer-1", fullyQualifiedName: "pod/render/asset-indexer-1", kind: "object" });
    assert.deepEqual(logical[2], { fullyQualifiedName: "docker.io", kind: "module" });
    // the evidence file, when there is one, is the physical location
    assert.deepEqual(locs[0]?.["physicalLocation"], { artifactLocation: { uri: "role-assignments.json", uriBaseId: "EVIDENCE" } });
    assert.equal(locs[1]?.["physicalLocation"], undefined);
    assert.equal(subjectKind(CLUSTER_ID), "resource");
    assert.equal(subjectKind("acrprod.azurecr.io"), "module");
    assert.equal(subjectKind("acrprod.azurecr.io/shop/api:1.4.2"), undefined);
  });

  it("fingerprints results stably: same code and subject, same print; messages and case of ARM ids do not matter", () => {
    const again = results(JSON.parse(renderSarif(failingReport(), RULES)) as unknown).map((r) => r["partialFingerprints"]);
    assert.deepEqual(results(log).map((r) => r["partialFingerprints"]), again);
    const prints = again.map((p) => obj(p)[FINGERPRINT_KEY]);
    assert.ok(prints.every((p) => typeof p === "string" && /^[0-9a-f]{64}$/.test(p)));
    assert.equal(new Set(prints).size, prints.length, "distinct findings, distinct prints");
    assert.equal(fingerprint("RBAC_PULL_ROLE_MISSING", REGISTRY_ID), fingerprint("RBAC_PULL_ROLE_MISSING", REGISTRY_ID.replace("resourceGroups", "resourcegroups")));
    assert.notEqual(fingerprint("RBAC_PULL_ROLE_MISSING", REGISTRY_ID), fingerprint("RBAC_SCOPE_MISMATCH", REGISTRY_ID));
    assert.notEqual(fingerprint("EXT_RATE_LIMITED", "docker.io"), fingerprint("EXT_RATE_LIMITED", "ghcr.io"));
    const reworded = failingReport();
    for (const f of reworded.findings) f.message = `${f.message} (re-collected at ${NOW})`;
    assert.deepEqual(results(reportToSarif(reworded, RULES)).map((r) => r["partialFingerprints"]), again);
  });

  it("reports unknowns as tool execution notifications of level note, tied to their rule", () => {
    const ns = notifications(log);
    assert.equal(ns.length, 2);
    for (const n of ns) assert.equal(n["level"], "note");
    const dns = ns.find((n) => String(obj(n["message"])["text"]).includes("Private DNS resolution of acrprod"));
    assert.ok(dns);
    assert.match(String(obj(dns["message"])["text"]), /Reason: 403 reading private DNS zones/);
    const ref = obj(dns["associatedRule"]);
    assert.equal(ref["id"], "net-private-dns-misconfigured");
    assert.equal(RULES[ref["index"] as number]?.id, "net-private-dns-misconfigured");
    assert.equal(notifications(reportToSarif(healthyReport(), RULES)).length, 0);
    assert.equal(results(reportToSarif(healthyReport(), RULES)).length, 0);
  });

  it("leaves ruleIndex out for a rule the metadata does not know", () => {
    const r = makeReport({ findings: [makeFinding({ code: "EXT_UNREACHABLE", rule: "retired-rule", stage: "external" })] });
    const res = results(reportToSarif(r, RULES))[0];
    assert.equal(res?.["ruleId"], "retired-rule");
    assert.equal(res?.["ruleIndex"], undefined);
  });
});

describe("SARIF of every public scenario", () => {
  it("validates against the SARIF 2.1.0 schema and carries every finding of the JSON report", async (t) => {
    const shared = requireShared(t);
    if (!shared) return;
    const root = join(shared, "scenarios");
    const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    assert.ok(folders.length >= 18, `expected the scenario corpus, found ${folders.length} folders`);
    const problems: string[] = [];
    for (const name of folders) {
      const dir = join(root, name);
      const sarif = await runCli(["diagnose", "--evidence", dir, "--format", "sarif", "--now", NOW]);
      const json = await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", NOW]);
      if (sarif.code === 2) {
        problems.push(`${name}: exit 2: ${sarif.stderr}`);
        continue;
      }
      const log = JSON.parse(sarif.stdout) as unknown;
      const errors = schemaErrors(log);
      if (errors !== "") problems.push(`${name}: ${errors}`);
      const report = JSON.parse(json.stdout) as Report;
      const codes = results(log).map((r) => obj(r["properties"])["code"]);
      if (JSON.stringify(codes) !== JSON.stringify(report.findings.map((f) => f.code))) problems.push(`${name}: results ${codes.join(",")} differ from findings`);
      if (notifications(log).length !== report.unknown.length) problems.push(`${name}: notifications differ from unknowns`);
    }
    assert.deepEqual(problems, []);
  });
});
