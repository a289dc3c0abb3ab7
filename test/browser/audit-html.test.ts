// Opens the fleet page of `pulldoctor audit --format html` in Debian's headless Chromium (driven by playwright-core)
// and checks what a person sees: the counts by code, the worst cluster first, the credential timeline with its
// text, that a hostile cluster/app name runs nothing and that no secret reaches the page. The evidence folder is
// a few public scenarios (one renamed with markup) beside a small generated fleet. Screenshots land in
// test-output/. Without /usr/bin/chromium the test fails in CI and skips elsewhere.

import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM, launchChromium, requireChromium } from "./chromium.js";
import { generateFleet } from "../../bench/fleet-gen.js";
import type { AuditResult } from "../../src/audit/audit.js";
import type { CredentialExpiry } from "../../src/audit/expiries.js";
import { DOCS_BASE } from "../../src/engine/evaluate.js";
import { runCli } from "../cli-harness.js";
import { repoRoot, sharedDir } from "../paths.js";

const NOW = "2026-11-28T12:00:00Z";
const OUT = join(repoRoot(), "test-output");
const SCENARIOS = ["sp-secret-expired", "acr-firewall-denies-cluster", "mi-acrpull-missing"];
/** practices-only (an SP cluster whose secret expires in 12 days) is copied under hostile names */
const HOSTILE_SOURCE = "practices-only";
const HOSTILE_CLUSTER = `<script>window.__auditPwned = 1</script><img src=x onerror="window.__auditPwnedImg = 1">`;
const HOSTILE_APP = `<svg onload="window.__auditPwnedSvg = 1"></svg>lab-sp`;
const PLANTED_SECRET = "PLANTED~SECRET~TEXT~value.0123456789";

type FleetResult = AuditResult & { expiries?: CredentialExpiry[] };


function requireSharedDir(t: { skip: (msg: string) => void }): boolean {
  if (sharedDir()) return true;
  if (process.env.CI === "true") throw new Error("../shared is missing: CI must lay it beside the repository");
  console.warn("\n!!! ../shared not found: audit HTML browser tests SKIPPED (set PULLDOCTOR_SHARED_DIR)\n");
  t.skip("../shared not found");
  return false;
}

function editJson(file: string, edit: (doc: Record<string, unknown>) => void): void {
  const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(doc);
  writeFileSync(file, JSON.stringify(doc, null, 2));
}

/** The folder the audit reads: scenarios, a hostile copy of practices-only, and a generated fleet of 30 clusters. */
async function evidenceFolder(shared: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "pulldoctor-audit-html-"));
  for (const s of SCENARIOS) cpSync(join(shared, "scenarios", s), join(dir, s), { recursive: true });
  const hostile = join(dir, "hostile");
  cpSync(join(shared, "scenarios", HOSTILE_SOURCE), hostile, { recursive: true });
  editJson(join(hostile, "aks-show.json"), (d) => (d["name"] = HOSTILE_CLUSTER));
  editJson(join(hostile, "sp-show.json"), (d) => (d["displayName"] = HOSTILE_APP));
  editJson(join(hostile, "app-show.json"), (d) => {
    d["displayName"] = HOSTILE_APP;
    // az ad app credential reset prints secretText once; a careless export keeps it
    for (const c of d["passwordCredentials"] as Record<string, unknown>[]) c["secretText"] = PLANTED_SECRET;
  });
  await generateFleet({ out: join(dir, "fleet"), seed: 7, clusters: 30, registries: 12, assignments: 400, servicePrincipals: 40, assignmentsPerFile: 200, now: NOW });
  return dir;
}

const severityRank = (c: AuditResult["clusters"][number]) => ["error", "warning", "info"].map((s) => c.findings.filter((f) => f.severity === s).length);

describe("audit HTML page in Chromium", () => {
  let context: BrowserContext | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  let evidence: string | undefined;
  let result: FleetResult | undefined;
  let file = "";
  let ready = false;
  const requests: string[] = [];

  before(async () => {
    // without the browser or the scenarios, each test skips (or, in CI, fails) with the reason
    const shared = sharedDir();
    if (!existsSync(CHROMIUM) || !shared) return;
    mkdirSync(OUT, { recursive: true });
    evidence = await evidenceFolder(shared);
    file = join(OUT, "audit-fleet.html");
    const html = await runCli(["audit", "--evidence", evidence, "--format", "html", "--now", NOW, "--fail-on", "none", "--output", file]);
    assert.equal(html.code, 0, html.stderr);
    const json = await runCli(["audit", "--evidence", evidence, "--format", "json", "--now", NOW, "--fail-on", "none"]);
    assert.equal(json.code, 0, json.stderr);
    result = JSON.parse(json.stdout) as FleetResult;
    const browser = await launchChromium(requests);
    context = browser.context;
    closeBrowser = browser.close;
    ready = true;
  });

  after(async () => {
    await closeBrowser?.();
    if (evidence) rmSync(evidence, { recursive: true, force: true });
  });

  function gate(t: { skip: (msg: string) => void }): boolean {
    if (!requireChromium(t, "the audit HTML page")) return false;
    if (!requireSharedDir(t)) return false;
    assert.ok(ready && context && result, "the audit ran and the browser was launched");
    return true;
  }

  async function open(colorScheme: "light" | "dark" = "light"): Promise<Page> {
    assert.ok(context);
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme });
    await page.goto(pathToFileURL(file).href);
    return page;
  }

  it("shows the counts by code, each linked to its rule page with a bar drawn to scale", async (t) => {
    if (!gate(t) || !result) return;
    const page = await open();
    const byCode = Object.entries(result.summary.byCode) as [string, number][];
    assert.ok(byCode.length >= 4, `the fleet exercises several codes: ${JSON.stringify(result.summary.byCode)}`);
    assert.equal(await page.locator("#codes tbody tr").count(), byCode.length);
    const widths = new Map<string, number>();
    for (const [code, n] of byCode) {
      const row = page.locator(`#codes tbody tr[data-code="${code}"]`);
      assert.ok(await row.isVisible(), code);
      assert.equal((await row.locator("td.num").textContent())?.trim(), String(n), code);
      assert.equal(await row.locator("th a").getAttribute("href"), `${DOCS_BASE}${code.toLowerCase().replace(/_/g, "-")}.md`);
      assert.equal((await row.locator("th a").textContent())?.trim(), code);
      widths.set(code, (await row.locator("svg.bar rect").boundingBox())?.width ?? 0);
    }
    // the largest count has the longest bar, every bar is drawn (the stylesheet applied: the CSP let it in)
    const max = Math.max(...byCode.map(([, n]) => n));
    const longest = Math.max(...widths.values());
    for (const [code, n] of byCode) {
      assert.ok(widths.get(code)! > 0, `${code} has a bar`);
      if (n === max) assert.ok(Math.abs(widths.get(code)! - longest) < 1, `${code} has the longest bar`);
    }
    const fill = await page.locator("#codes svg.bar rect").first().evaluate((r) => getComputedStyle(r).fill);
    assert.notEqual(fill, "rgb(0, 0, 0)", "bars are coloured by the stylesheet");
    for (const landmark of ["header", "nav", "main", "footer"]) assert.equal(await page.locator(landmark).count(), 1, landmark);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await page.close();
  });

  it("lists the worst cluster first, with its counts", async (t) => {
    if (!gate(t) || !result) return;
    const page = await open();
    const ranked = [...result.clusters].filter((c) => c.findings.length > 0);
    ranked.sort((a, b) => {
      const x = severityRank(a);
      const y = severityRank(b);
      return y[0]! - x[0]! || y[1]! - x[1]! || y[2]! - x[2]!;
    });
    const worst = ranked[0]!;
    const first = page.locator("#clusters tbody tr").first();
    assert.ok(await first.isVisible());
    assert.equal(await first.getAttribute("data-cluster"), worst.id);
    assert.equal((await first.locator(".cluster-name").textContent())?.trim(), worst.name);
    assert.equal(await first.getAttribute("data-errors"), String(severityRank(worst)[0]));
    assert.equal(await page.locator("#clusters tbody tr").count(), Math.min(200, ranked.length));
    await page.close();
  });

  it("draws every credential on the timeline with its app name and date as text, expired ones left of now", async (t) => {
    if (!gate(t) || !result) return;
    assert.ok(Array.isArray(result.expiries), "the audit result carries `expiries` (src/audit/audit.ts sets AuditResult.expiries from credentialExpiries)");
    const expiries = result.expiries;
    assert.ok(expiries.length > 0);
    const page = await open();
    const markers = page.locator("svg.timeline g.marker");
    assert.equal(await markers.count(), Math.min(60, expiries.length));
    const nowLine = await page.locator("svg.timeline .now-line").boundingBox();
    assert.ok(nowLine);
    let expiredSeen = 0;
    for (let i = 0; i < (await markers.count()); i++) {
      const m = markers.nth(i);
      assert.ok(await m.isVisible(), `marker ${i}`);
      const app = (await m.getAttribute("data-app")) ?? "";
      const end = (await m.getAttribute("data-end")) ?? "";
      const e = expiries.find((x) => x.appId === app && x.endDateTime === end);
      assert.ok(e, `marker ${i} is a listed credential (${app} ${end})`);
      const label = (await m.locator("text.marker-label").textContent()) ?? "";
      assert.ok(label.includes(end.slice(0, 10)), `${label} shows the date`);
      assert.ok(label.startsWith((e.principalName ?? e.appId).slice(0, 20)), `${label} shows the app name`);
      const box = await m.locator(".dot").boundingBox();
      assert.ok(box);
      if (e.expired) {
        expiredSeen++;
        assert.ok(box.x + box.width < nowLine.x, `expired ${app} sits left of the now line`);
      } else assert.ok(box.x > nowLine.x, `${app} sits right of the now line`);
    }
    assert.ok(expiredSeen > 0, "sp-secret-expired's credential is drawn as expired");
    // the hostile app's marker is there, its name as text
    const hostile = page.locator("svg.timeline g.marker text.marker-label", { hasText: "<svg onload=" });
    assert.ok((await hostile.count()) > 0, "the hostile app name is drawn as text");
    assert.ok(await page.locator("svg.timeline rect.window").isVisible(), "the warning window is shaded");
    // the same credentials as text, for screen readers and print
    assert.equal(await page.locator("#expiries table.expiries tbody tr").count(), await markers.count());
    await page.close();
  });

  it("runs no injected script, fetches nothing and never shows the planted secretText", async (t) => {
    if (!gate(t) || !result) return;
    requests.length = 0;
    const page = await open();
    assert.ok(result.clusters.some((c) => c.name === HOSTILE_CLUSTER), "the hostile cluster was audited");
    const globals = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return ["__auditPwned", "__auditPwnedImg", "__auditPwnedSvg"].filter((k) => k in w);
    });
    assert.deepEqual(globals, []);
    assert.equal(await page.locator("script, img, iframe, svg:not(.bar):not(.timeline)").count(), 0);
    const shown = await page.locator("#clusters .cluster-name", { hasText: "<script>window.__auditPwned" }).count();
    assert.equal(shown, 1, "the hostile cluster name is shown as text");
    assert.ok(await page.locator("main").isVisible());
    const content = await page.content();
    assert.ok(!content.includes(PLANTED_SECRET), "no secretText in the DOM");
    assert.ok(!readFileSync(file, "utf8").includes(PLANTED_SECRET), "no secretText in the file");
    assert.deepEqual(requests.filter((u) => !u.startsWith("file://")), []);
    await page.close();
  });

  it("renders light and dark, and saves screenshots", async (t) => {
    if (!gate(t)) return;
    const light = await open("light");
    assert.equal(await light.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), "rgb(255, 255, 255)");
    await light.screenshot({ path: join(OUT, "audit-fleet-light.png"), fullPage: true });
    await light.close();
    const dark = await open("dark");
    assert.equal(await dark.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), "rgb(13, 17, 23)", "the dark scheme applies");
    await dark.locator("#expiries").screenshot({ path: join(OUT, "audit-fleet-timeline-dark.png") });
    await dark.screenshot({ path: join(OUT, "audit-fleet-dark.png"), fullPage: true });
    await dark.close();
    for (const f of ["audit-fleet-light.png", "audit-fleet-dark.png", "audit-fleet-timeline-dark.png"]) assert.ok(existsSync(join(OUT, f)), f);
  });
});
