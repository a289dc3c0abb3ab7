import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, cpSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { runCli } from "./cli-harness.js";
import { repoRoot, requireShared } from "./paths.js";

const require = createRequire(import.meta.url);
const NOW = "2026-11-28T12:00:00Z";

function validator(): (data: unknown) => boolean {
  const Ajv2020 = require("ajv/dist/2020.js") as { default: new (o: object) => { compile: (s: object) => ((d: unknown) => boolean) & { errors?: unknown } } };
  const schema = JSON.parse(readFileSync(join(repoRoot(), "schema", "report.schema.json"), "utf8")) as object;
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (d) => {
    const ok = validate(d);
    if (!ok) console.error(JSON.stringify(validate.errors, null, 2));
    return ok;
  };
}

test("diagnose --format json validates against schema/report.schema.json for every scenario", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const validate = validator();
  const { readdirSync } = await import("node:fs");
  const dirs = readdirSync(join(shared, "scenarios"), { withFileTypes: true }).filter((d) => d.isDirectory());
  for (const d of dirs) {
    const r = await runCli(["diagnose", "--evidence", join(shared, "scenarios", d.name), "--format", "json", "--now", NOW]);
    assert.ok(validate(JSON.parse(r.stdout)), `${d.name} output does not validate`);
  }
});

test("a folder with a truncated JSON file, a binary file and unrelated JSON still yields a report, naming each bad file in one line", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = mkdtempSync(join(tmpdir(), "pd-bad-"));
  cpSync(join(shared, "scenarios", "mi-acrpull-missing"), dir, { recursive: true });
  const good = readFileSync(join(dir, "aks-show.json"), "utf8");
  writeFileSync(join(dir, "truncated.json"), good.slice(0, Math.floor(good.length / 2)));
  writeFileSync(join(dir, "binary.json"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe]));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "unrelated", version: "1.0.0", dependencies: {} }));
  mkdirSync(join(dir, "loop"));
  symlinkSync(dir, join(dir, "loop", "back"));
  const r = await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", NOW]);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { code: string }[]; inputs: { files: { file: string; status: string; reason?: string }[] } };
  assert.ok(report.findings.some((f) => f.code === "RBAC_PULL_ROLE_MISSING"), "the good files are still used");
  const lines = r.stderr.trim().split("\n");
  assert.ok(lines.some((l) => l.includes("truncated.json") && /invalid JSON/i.test(l)), r.stderr);
  assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
  const byFile = new Map(report.inputs.files.map((f) => [f.file, f]));
  assert.equal(byFile.get("truncated.json")?.status, "error");
  assert.equal(byFile.get("binary.json")?.status, "skipped");
  assert.equal(byFile.get("package.json")?.status, "skipped");
  for (const f of report.inputs.files) if (f.reason) assert.ok(!f.reason.includes("\n"), `${f.file}: reason is one line`);
});

test("bad input is one line on stderr and exit 2, without a stack trace", async () => {
  const cases: [string[], RegExp][] = [
    [["diagnose", "--evidence", "/nonexistent/folder"], /nonexistent\/folder/],
    [["diagnose"], /--evidence|live/],
    [["diagnose", "--evidence", repoRoot(), "--format", "yaml"], /format/],
    [["diagnose", "--bogus-flag"], /unknown option/],
    [["diagnose", "--evidence", "x", "--snapshot", "y"], /cannot be used together/],
    [["diagnose", "--evidence", "x", "--now", "yesterday"], /--now/],
    [["can-i", "abc", "delete", "reg"], /pull or push/],
    [["render", "/nonexistent.json"], /nonexistent\.json/],
    [["explain"], /message/],
    [["nosuchcommand"], /unknown command/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")} -> ${r.code} ${r.stderr}`);
    assert.match(r.stderr, re, args.join(" "));
    assert.ok(!/\n\s+at /.test(r.stderr), `stack trace for ${args.join(" ")}`);
    assert.ok(r.stderr.trim().split("\n").length <= 2, `one line for ${args.join(" ")}: ${r.stderr}`);
  }
});

test("explain reads stdin and prints the JSON contract", async () => {
  const msg = 'Failed to pull image "contoso.azurecr.io/app:1": rpc error: code = NotFound desc = failed to pull and unpack image "contoso.azurecr.io/app:1": failed to resolve reference "contoso.azurecr.io/app:1": contoso.azurecr.io/app:1: not found';
  const r = await runCli(["explain", "--format", "json", "-"], { stdin: msg });
  assert.equal(r.code, 0);
  const out = JSON.parse(r.stdout) as { causes: { code: string; confidence: string }[] };
  assert.equal(out.causes[0]?.code, "IMG_TAG_NOT_FOUND");
  assert.ok(["high", "medium", "low"].includes(out.causes[0]!.confidence));
  const text = await runCli(["explain", "something entirely unrelated"]);
  assert.match(text.stdout, /PULL_FAILURE_UNCLASSIFIED/);
});

test("collect writes a snapshot without secrets that diagnose reads back to the same verdict", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = join(shared, "scenarios", "dockerhub-rate-limit-and-missing-secret");
  const out = join(mkdtempSync(join(tmpdir(), "pd-snap-")), "snap.json");
  const c = await runCli(["collect", "--evidence", dir, "--output", out, "--now", NOW]);
  assert.equal(c.code, 0, c.stderr);
  const text = readFileSync(out, "utf8");
  // the scenario's pull secret password and its base64 forms must not survive
  const secretDoc = readFileSync(join(dir, "secrets-render.json"), "utf8");
  const dockerconfig = /"\.dockerconfigjson": "([^"]+)"/.exec(secretDoc)![1]!;
  const decoded = JSON.parse(Buffer.from(dockerconfig, "base64").toString("utf8")) as { auths: Record<string, { password: string; auth: string }> };
  for (const a of Object.values(decoded.auths)) {
    assert.ok(!text.includes(a.password), "password leaked into the snapshot");
    assert.ok(!text.includes(a.auth), "auth leaked into the snapshot");
  }
  assert.ok(!text.includes(dockerconfig));
  const fromEvidence = JSON.parse((await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", NOW])).stdout) as { findings: { code: string }[] };
  const fromSnapshot = JSON.parse((await runCli(["diagnose", "--snapshot", out, "--format", "json"])).stdout) as { findings: { code: string }[] };
  assert.deepEqual(fromSnapshot.findings.map((f) => f.code).sort(), fromEvidence.findings.map((f) => f.code).sort());
  // a snapshot saved before the subscriptions fact existed is still read, with the same verdict
  const old = JSON.parse(text) as Record<string, unknown>;
  assert.ok("subscriptions" in old, "the snapshot carries the subscriptions fact");
  delete old["subscriptions"];
  const oldPath = join(dirname(out), "old.json");
  writeFileSync(oldPath, JSON.stringify(old));
  const fromOld = await runCli(["diagnose", "--snapshot", oldPath, "--format", "json"]);
  assert.equal(fromOld.stderr, "");
  assert.deepEqual((JSON.parse(fromOld.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code).sort(), fromEvidence.findings.map((f) => f.code).sort());
});

test("can-i answers yes, no (with the cause code) and cannot-tell from the same RBAC evaluator", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const s = join(shared, "scenarios");
  const yes = await runCli(["can-i", "e0c8cc43-3ca1-49bd-82c2-1a69f006dcc1", "pull", "prosewareapi", "--evidence", join(s, "acr-firewall-denies-cluster")]);
  assert.equal(yes.code, 0, yes.stdout + yes.stderr);
  assert.match(yes.stdout, /^yes/);
  const abac = await runCli(["can-i", "999f6fbf-e25c-4666-97e6-93fe2ffbb74b", "pull", "wwiwarehouse/warehouse/picking-service", "--evidence", join(s, "abac-mode-acrpull-only")]);
  assert.equal(abac.code, 1);
  assert.match(abac.stdout, /RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE/);
  const push = await runCli(["can-i", "e0c8cc43-3ca1-49bd-82c2-1a69f006dcc1", "push", "prosewareapi", "--evidence", join(s, "acr-firewall-denies-cluster"), "--format", "json"]);
  assert.equal(push.code, 1);
  assert.ok((JSON.parse(push.stdout) as { findings: { code: string }[] }).findings.some((f) => f.code === "RBAC_PUSH_ROLE_MISSING"));
  const unknownReg = await runCli(["can-i", "e0c8cc43-3ca1-49bd-82c2-1a69f006dcc1", "pull", "nosuchregistry", "--evidence", join(s, "acr-firewall-denies-cluster")]);
  assert.equal(unknownReg.code, 2);
  assert.match(unknownReg.stdout, /cannot tell/);
});

test("every command has --help with examples", async () => {
  const top = await runCli(["--help"]);
  assert.equal(top.code, 0);
  const section = top.stdout.slice(top.stdout.indexOf("Commands:"));
  const commands = [...section.matchAll(/^\s{2}([a-z-]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== "help");
  assert.match(top.stdout, /Examples?:/, "the top-level help shows examples");
  assert.ok(commands.length >= 8, `commands: ${commands.join(", ")}`);
  for (const c of commands) {
    const r = await runCli([c, "--help"]);
    assert.equal(r.code, 0, `${c} --help exits 0`);
    assert.match(r.stdout, /Examples?:/, `${c} --help shows examples`);
  }
});

test("a 500 MB evidence file is refused with a clear one-line reason, and the rest of the folder is used", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const { openSync, ftruncateSync, closeSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "pd-huge-"));
  cpSync(join(shared, "scenarios", "mi-acrpull-missing"), dir, { recursive: true });
  const fd = openSync(join(dir, "huge-events.json"), "w");
  ftruncateSync(fd, 500 * 1024 * 1024); // sparse: 500 MB of apparent size, no disk used
  closeSync(fd);
  const before = process.memoryUsage().rss;
  const r = await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", NOW]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /huge-events\.json: .*(too large|larger than|MiB)/i);
  assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024, "the huge file was not read into memory");
  const report = JSON.parse(r.stdout) as { findings: { code: string }[] };
  assert.ok(report.findings.some((f) => f.code === "RBAC_PULL_ROLE_MISSING"));
});
