// Opens the HTML report in Debian's headless Chromium (driven by playwright-core) and checks what a person sees:
// the flow diagram's node states, the findings, that no injected script runs, that nothing is fetched from the
// network. Screenshots land in test-output/. Without /usr/bin/chromium the test fails in CI and skips elsewhere.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM, launchChromium, requireChromium } from "./chromium.js";
import type { Report } from "../../src/engine/types.js";
import { stageStatuses } from "../../src/reporters/html.js";
import { runCli } from "../cli-harness.js";
import { repoRoot, requireShared } from "../paths.js";

const NOW = "2026-11-28T12:00:00Z";
const FAILING = "acr-firewall-denies-cluster";
const HEALTHY = "healthy-managed-identity";
const OUT = join(repoRoot(), "test-output");

interface Expected {
  errors: string[];
}


async function diagnose(dir: string, format: string, output?: string): Promise<string> {
  const args = ["diagnose", "--evidence", dir, "--format", format, "--now", NOW, ...(output ? ["--output", output] : [])];
  const r = await runCli(args);
  assert.notEqual(r.code, 2, `diagnose failed on ${dir}: ${r.stderr}`);
  return r.stdout;
}

describe("HTML report in Chromium", () => {
  let context: BrowserContext | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shared: string | undefined;
  let ready = false;
  const requests: string[] = [];

  before(async () => {
    // without the browser or the scenarios, each test skips (or, in CI, fails) with the reason
    if (!existsSync(CHROMIUM)) return;
    const dir = process.env.PULLDOCTOR_SHARED_DIR ?? join(repoRoot(), "..", "shared");
    if (!existsSync(dir)) return;
    shared = dir;
    mkdirSync(OUT, { recursive: true });
    const browser = await launchChromium(requests);
    context = browser.context;
    closeBrowser = browser.close;
    ready = true;
  });

  after(async () => {
    await closeBrowser?.();
  });

  async function open(file: string, colorScheme: "light" | "dark" = "light"): Promise<Page> {
    assert.ok(context);
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme });
    await page.goto(pathToFileURL(file).href);
    return page;
  }

  function gate(t: { skip: (msg: string) => void }): boolean {
    if (!requireChromium(t, "the HTML report")) return false;
    if (!requireShared(t)) return false;
    assert.ok(ready && context, "the browser was launched");
    return true;
  }

  async function nodeStates(page: Page): Promise<Record<string, string>> {
    return page.$$eval("svg.flow a.node", (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute("data-stage") ?? "", n.getAttribute("data-state") ?? ""])));
  }

  it(`shows where ${FAILING} breaks: network fails, the finding and its proof are on the page`, async (t) => {
    if (!gate(t) || !shared) return;
    const dir = join(shared, "scenarios", FAILING);
    const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
    const report = JSON.parse(await diagnose(dir, "json")) as Report;
    const file = join(OUT, `${FAILING}.html`);
    await diagnose(dir, "html", file);

    const page = await open(file);
    assert.equal(await page.locator('svg.flow a.node[data-stage="network"][data-state="fail"]').count(), 1);
    assert.equal(await page.locator("svg.flow a.node").count(), 6);
    const states = await nodeStates(page);
    assert.deepEqual(states, Object.fromEntries(stageStatuses(report).map((s) => [s.stage, s.state])));
    // the state is written in the node, not only coloured
    assert.equal((await page.locator('svg.flow a.node[data-stage="network"] .node-state').textContent())?.trim(), "✖ fail");
    // a fail node is drawn differently from a pass node (colour computed from the stylesheet, so the CSP let it in)
    const fills = await page.$$eval("svg.flow a.node rect", (rects) => rects.map((r) => getComputedStyle(r).fill));
    assert.ok(new Set(fills).size >= 2, `node fills differ by state: ${fills.join(" ")}`);

    for (const code of expected.errors) {
      const article = page.locator(`#stage-network article.finding[data-code="${code}"]`);
      assert.equal(await article.count(), 1, code);
      assert.ok(await article.isVisible());
      assert.ok((await article.locator("h3 code.code").textContent())?.includes(code));
      assert.ok((await article.locator("table.evidence tbody tr").count()) >= 1);
      const fix = (await article.locator("pre.fix code").textContent()) ?? "";
      assert.match(fix, /^az acr network-rule add --name \S+ --ip-address \S+/);
      assert.match((await article.locator(".docs a").getAttribute("href")) ?? "", /^https:\/\/github\.com\/pulldoctor\/pulldoctor\/blob\/main\/docs\/rules\/net-firewall-denies-cluster\.md$/);
    }
    assert.equal(await page.locator("article.finding").count(), report.findings.length);

    // the diagram links to the stage's section
    await page.click('svg.flow a.node[data-stage="network"]');
    assert.equal(await page.evaluate(() => location.hash), "#stage-network");

    // landmarks, language, an accessible name for the diagram
    assert.equal(await page.getAttribute("html", "lang"), "en");
    for (const landmark of ["header", "nav", "main"]) assert.equal(await page.locator(landmark).count(), 1, landmark);
    assert.equal(await page.locator('svg.flow[role="img"] > title').textContent(), "Image pull troubleshooting flow");

    await page.screenshot({ path: join(OUT, `${FAILING}-light.png`), fullPage: true });
    await page.close();
    const dark = await open(file, "dark");
    const bg = await dark.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(bg, "rgb(13, 17, 23)", "the dark scheme applies");
    await dark.screenshot({ path: join(OUT, `${FAILING}-dark.png`), fullPage: true });
    await dark.close();
    assert.ok(existsSync(join(OUT, `${FAILING}-light.png`)) && existsSync(join(OUT, `${FAILING}-dark.png`)));
  });

  it(`shows ${HEALTHY} with no failing stage and no finding`, async (t) => {
    if (!gate(t) || !shared) return;
    const dir = join(shared, "scenarios", HEALTHY);
    const report = JSON.parse(await diagnose(dir, "json")) as Report;
    const file = join(OUT, `${HEALTHY}.html`);
    await diagnose(dir, "html", file);
    const page = await open(file);
    const states = await nodeStates(page);
    assert.deepEqual(states, Object.fromEntries(stageStatuses(report).map((s) => [s.stage, s.state])));
    assert.ok(!Object.values(states).includes("fail"), JSON.stringify(states));
    assert.ok(Object.values(states).includes("pass"));
    assert.equal(await page.locator("article.finding").count(), 0);
    assert.match((await page.locator("#verdict").textContent()) ?? "", /^0 errors/);
    // passed checks are there, collapsed
    const passed = page.locator("details.passed").first();
    assert.equal(await passed.getAttribute("open"), null);
    await page.screenshot({ path: join(OUT, `${HEALTHY}.png`), fullPage: true });
    await page.close();
  });

  it("runs no injected script and renders hostile text as text (report re-rendered with `pulldoctor render`)", async (t) => {
    if (!gate(t) || !shared) return;
    const report = JSON.parse(await diagnose(join(shared, "scenarios", FAILING), "json")) as Report;
    const finding = report.findings[0];
    assert.ok(finding);
    finding.message = `Back-off pulling image <script>window.__pulldoctorPwned = 1</script>`;
    finding.title = `"><img src=x onerror="window.__pulldoctorPwnedImg = 1">`;
    finding.docs = "javascript:window.__pulldoctorPwnedLink = 1";
    finding.evidence.push({ source: "events.json", path: "$.items[0].message", observed: `<svg onload="window.__pulldoctorPwnedSvg = 1"></svg><iframe src="https://evil.example/"></iframe>` });
    report.unknown.push({ check: "<b>bold</b>", rule: "x", stage: "image", reason: `<style>body{display:none}</style>` });
    const json = join(OUT, "hostile-report.json");
    writeFileSync(json, JSON.stringify(report));
    const file = join(OUT, "hostile-report.html");
    const r = await runCli(["render", "--format", "html", "--output", file, json]);
    assert.equal(r.code, 1, r.stderr);

    requests.length = 0;
    const page = await open(file);
    await page.locator("article.finding").first().locator(".docs").click();
    const globals = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return ["__pulldoctorPwned", "__pulldoctorPwnedImg", "__pulldoctorPwnedLink", "__pulldoctorPwnedSvg"].filter((k) => k in w);
    });
    assert.deepEqual(globals, []);
    assert.equal(await page.locator("script, img, iframe, main style, main svg, b").count(), 0);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    const text = (await page.locator("article.finding").first().textContent()) ?? "";
    assert.ok(text.includes("<script>window.__pulldoctorPwned = 1</script>"), "the message is shown as text");
    assert.ok(text.includes(`"><img src=x onerror=`), "the title is shown as text");
    assert.ok(await page.locator("main").isVisible(), "an injected stylesheet did not hide the page");
    // nothing but the file itself was requested: no CDN, font, image or frame
    assert.deepEqual(requests.filter((u) => !u.startsWith("file://")), []);
    await page.screenshot({ path: join(OUT, "hostile-report.png"), fullPage: true });
    await page.close();
  });
});
