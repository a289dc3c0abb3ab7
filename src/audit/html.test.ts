import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { audit, type AuditResult, type ClusterAudit } from "./audit.js";
import { credentialExpiries, type CredentialExpiry } from "./expiries.js";
import { compareWithBaseline, newFindings, parseAuditBaseline } from "./baseline.js";
import { credentialsToShow, renderAuditHtml, TIMELINE, timelineAxis, timelineX, type AuditHtmlInput } from "./html.js";
import { CAUSES, type CauseCode, type Severity } from "../codes/causes.js";
import { DOCS_BASE } from "../engine/evaluate.js";
import type { Finding } from "../engine/types.js";
import type { Credential } from "../snapshot/types.js";
import { ACR_PULL, application, assignment, miCluster, NOW, registry, servicePrincipal, snapshot, SP_APP, SP_OBJ, spCluster, SUB } from "../../test/factories.js";

const DAY = 86_400_000;
const NOW_MS = Date.parse(NOW);
const HOSTILE = `<script>window.pwned=1</script>"><img src=x onerror=alert(1)>`;
const PLANTED = "PLANTED-SECRET-TEXT-7f3a9c";

/** A small fleet through the real audit: an SP cluster (hostile name) with an expiring secret, an MI cluster without a pull role, a registry with its admin user on. */
function fleet(): AuditHtmlInput {
  const acr = registry({ adminUserEnabled: true });
  const sp = spCluster({ id: `/subscriptions/${SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-sp`, name: HOSTILE });
  const mi = miCluster({ id: `/subscriptions/${SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-mi`, name: "aks-mi" });
  const creds: Credential[] = [
    { type: "password", keyId: "old-key", displayName: "rbac", endDateTime: "2026-10-01T00:00:00Z", hint: "Zr1" },
    { ...{ type: "password" as const, keyId: "new-key", displayName: "rbac", endDateTime: "2026-12-10T00:00:00Z" }, secretText: PLANTED } as Credential,
  ];
  const s = snapshot({
    clusters: [sp, mi],
    registries: [acr],
    servicePrincipals: [servicePrincipal({ displayName: `sp-${HOSTILE}` })],
    applications: [application([], { passwordCredentials: creds })],
    roleAssignments: [assignment(SP_OBJ, ACR_PULL, acr.id, { principalName: SP_APP })],
  });
  const result = audit(s, { expiringWithinDays: 30 });
  return { ...result, expiries: credentialExpiries(s, [sp, mi], new Date(NOW)) };
}

function finding(code: CauseCode, subject: string, o: Partial<Finding> = {}): Finding {
  const c = CAUSES[code];
  return { code, severity: c.severity, category: c.category, stage: "rbac", rule: code.toLowerCase().replace(/_/g, "-"), title: `${code} on ${subject}`, message: c.meaning, subject, evidence: [], remediation: [`az fix ${subject}`], ...o };
}

/** A synthetic audit of `n` clusters, cluster i having (i % 3) errors, so the worst are known. */
function bigFleet(n: number, expiries?: CredentialExpiry[]): AuditHtmlInput {
  const clusters: ClusterAudit[] = [];
  for (let i = 0; i < n; i++) {
    const id = `/subscriptions/${SUB}/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c${i}`;
    const errors = (i % 3) + (i === 7 ? 5 : 0);
    const findings = Array.from({ length: errors }, (_, k) => finding("RBAC_PULL_ROLE_MISSING", `${id}/r${k}`));
    if (i % 2 === 0) findings.push(finding("RBAC_OVERPRIVILEGED", id));
    clusters.push({ id, name: `c${i}`, registries: [], access: [], findings, unknown: [] });
  }
  const all = clusters.flatMap((c) => c.findings);
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const byCode: Partial<Record<CauseCode, number>> = {};
  for (const f of all) {
    bySeverity[f.severity]++;
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  const result: AuditHtmlInput = {
    schemaVersion: 1, kind: "audit", tool: { name: "pulldoctor", version: "0.0.0-test" }, generatedAt: NOW, options: { expiringWithinDays: 30 },
    clusters, registries: [], summary: { clusters: n, registries: 0, byCode, bySeverity, registriesNobodyCanPull: [] },
    unattributed: [], inputs: { kind: "evidence", files: 1, used: 1, errors: [] },
  };
  return expiries ? { ...result, expiries } : result;
}

function expiry(appId: string, endDateTime: string, o: Partial<CredentialExpiry> = {}): CredentialExpiry {
  const end = Date.parse(endDateTime);
  return { appId, principalName: `name-${appId}`, owner: "application", type: "password", keyId: `key-${appId}-${endDateTime.slice(0, 10)}`, endDateTime, clusters: ["c1"], expired: end <= NOW_MS, newestValid: false, daysLeft: Math.floor((end - NOW_MS) / DAY), ...o };
}

const count = (html: string, needle: string | RegExp): number => (typeof needle === "string" ? html.split(needle).length - 1 : (html.match(new RegExp(needle.source, "g")) ?? []).length);

/** The text between the opening tag carrying `marker` and the section's end. */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  assert.ok(start >= 0, `section ${id}`);
  return html.slice(start, html.indexOf("</section>", start));
}

describe("renderAuditHtml: structure", () => {
  const result = fleet();
  const html = renderAuditHtml(result);

  it("is one document with landmarks, headings for every section and no script", () => {
    assert.ok(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
    for (const tag of ["<header>", "<main>", "<footer>", "<nav "]) assert.equal(count(html, tag), 1, tag);
    assert.equal(count(html, "<h1>"), 1);
    for (const id of ["codes", "clusters", "unpullable", "expiries", "registry-findings", "unknown"]) {
      assert.match(html, new RegExp(`<section id="${id}" aria-labelledby="${id}-h">\\n<h2 id="${id}-h">`), id);
      assert.ok(html.includes(`href="#${id}"`), `the contents link to ${id}`);
    }
    assert.equal(count(html, /<script/i), 0);
    assert.equal(count(html, /<[^>]*\son[a-z]+=/i), 0, "no event handler attribute");
    assert.equal(count(html, /(src|href)="(?!#|https:\/\/)/), 0, "nothing loaded, no link but in-page and https");
  });

  it("groups the checks that could not be made by rule and reason, with the clusters each covers", () => {
    const unknowns = result.clusters.flatMap((c) => c.unknown.map((u) => ({ ...u, cluster: c.name })));
    assert.ok(unknowns.length > 0, "the small fleet has no deny assignment evidence");
    const part = html.slice(html.indexOf('<section id="unknown"'), html.indexOf("</section>", html.indexOf('<section id="unknown"')));
    assert.match(part, new RegExp(`${unknowns.length} checks neither passed nor failed`));
    const deny = unknowns.filter((u) => u.rule === "rbac-deny-assignment");
    assert.ok(deny.length === 2, "both clusters lack it");
    assert.match(part, /<th scope="row"><code>rbac-deny-assignment<\/code><\/th><td class="num">2<\/td>/, "one row for both clusters");
    assert.ok(part.includes("aks-mi"), "the clusters are named");
    assert.ok(!part.includes("<script>window.pwned"), "a hostile cluster name is text");
    const none = renderAuditHtml({ ...result, clusters: result.clusters.map((c) => ({ ...c, unknown: [] })) });
    assert.match(none, /Every check could be made on every cluster\./);
  });

  it("allows its one stylesheet by hash and nothing else (no script, no remote load)", () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    assert.ok(style !== undefined);
    assert.ok(style.includes("svg.timeline"), "the audit styles are in the hashed sheet");
    const hash = createHash("sha256").update(style, "utf8").digest("base64");
    assert.equal(csp, `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; base-uri 'none'; form-action 'none'`);
    assert.equal(count(html, / style="/), 0, "an inline style attribute would be blocked by that CSP");
    assert.match(style, /prefers-color-scheme: dark/);
    assert.match(style, /@media print/);
  });

  it("counts by code: one row per code with its count, a bar scaled to the largest, a link to the rule page", () => {
    const codes = sectionOf(html, "codes");
    const entries = Object.entries(result.summary.byCode) as [string, number][];
    assert.ok(entries.length >= 3, JSON.stringify(result.summary.byCode));
    const max = Math.max(...entries.map(([, n]) => n));
    for (const [code, n] of entries) {
      const row = new RegExp(`<tr data-code="${code}" data-count="${n}">.*?</tr>`).exec(codes)?.[0];
      assert.ok(row, `${code} row`);
      assert.ok(row.includes(`<a href="${DOCS_BASE}${code.toLowerCase().replace(/_/g, "-")}.md">`), `${code} links its rule page: ${row}`);
      assert.ok(row.includes(`<td class="num">${n}</td>`));
      const width = Number(/<rect class="bar-\w+" x="0" y="0" width="([\d.]+)"/.exec(row)?.[1]);
      assert.equal(width, Math.round((n / max) * 1000) / 10, code);
    }
    assert.equal(count(codes, "<tr data-code="), entries.length);
  });

  it("header totals agree with the summary", () => {
    const sev = result.summary.bySeverity;
    assert.ok(html.includes(`<strong>${sev.error} error${sev.error === 1 ? "" : "s"}, ${sev.warning} warning${sev.warning === 1 ? "" : "s"}, ${sev.info} info${sev.info === 1 ? "" : "s"}</strong> across 2 clusters and 1 registry`), html.slice(0, 3000));
    assert.match(html, /<dt>Service principals<\/dt><dd>1 used by clusters: 0 with every credential expired, 1 whose newest credential expires within 30 days<\/dd>/);
  });

  it("worst clusters first, and registry practices with their fix", () => {
    const rows = [...sectionOf(html, "clusters").matchAll(/<tr data-cluster="([^"]+)" data-errors="(\d+)"/g)];
    assert.equal(rows.length, 2);
    assert.ok(Number(rows[0]![2]) >= Number(rows[1]![2]));
    assert.match(rows[0]![1]!, /aks-mi$/, "the cluster with no pull role has the most errors");
    const reg = sectionOf(html, "registry-findings");
    assert.match(reg, /<tr data-registry="[^"]+contosoacr" data-code="CFG_ADMIN_USER_ENABLED">/);
    assert.ok(reg.includes("<code>contosoacr.azurecr.io</code>"));
  });

  it("is deterministic", () => {
    assert.equal(renderAuditHtml(fleet()), html);
  });
});

describe("renderAuditHtml: hostile names and secrets", () => {
  const result = fleet();
  const html = renderAuditHtml(result);

  it("shows a hostile cluster and service principal name as text", () => {
    assert.ok(result.clusters.some((c) => c.name === HOSTILE), "the audit kept the name");
    assert.ok(!html.includes("<script>window.pwned"), "never as markup");
    assert.ok(!html.includes("<img "), "never as markup");
    const escaped = "&lt;script&gt;window.pwned=1&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";
    assert.ok(sectionOf(html, "clusters").includes(`<span class="cluster-name">${escaped}</span>`));
    assert.ok(sectionOf(html, "expiries").includes(`sp-${escaped}`), "the app name too, in the timeline and its table");
  });

  it("never prints a credential's secretText or hint, even when the list carries one", () => {
    assert.ok(!html.includes(PLANTED));
    assert.ok(!html.includes("Zr1"));
    // a list from elsewhere (a JSON re-rendered) that carries the secret anyway: only named fields are read
    const tainted = { ...result, expiries: result.expiries!.map((e) => ({ ...e, secretText: PLANTED, hint: "Zr1" })) };
    const again = renderAuditHtml(tainted);
    assert.ok(!again.includes(PLANTED));
    assert.ok(!again.includes("Zr1"));
    assert.ok(again.includes("new-key"), "the credential itself is listed");
  });

  it("masks a credential-looking value that a finding message carries", () => {
    const r = bigFleet(1);
    r.clusters[0]!.findings.push(finding("RBAC_OVERPRIVILEGED", "x", { title: "token Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc leaked" }));
    r.registries.push({ id: "/r", loginServer: "r.azurecr.io", pairedWith: [], pullableBy: [], nobodyCanPull: false, findings: [finding("CFG_ADMIN_USER_ENABLED", "/x", { title: "password: hunter2hunter2 Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc" })] });
    const out = renderAuditHtml(r);
    assert.ok(!out.includes("eyJhbGciOiJIUzI1NiJ9"));
    assert.ok(!out.includes("hunter2hunter2"));
  });
});

describe("renderAuditHtml: caps", () => {
  it("lists the first 200 clusters with findings, worst first, and says how many more", () => {
    const r = bigFleet(900);
    const html = renderAuditHtml(r);
    const clusters = sectionOf(html, "clusters");
    const rows = [...clusters.matchAll(/<tr data-cluster="[^"]+" data-errors="(\d+)" data-warnings="(\d+)"/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    assert.equal(rows.length, 200);
    assert.deepEqual(rows[0], [6, 0], "c7 has the most errors");
    assert.match(clusters, /<tr data-cluster="[^"]+\/c7" data-errors="6"/);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]![0] > rows[i]![0] || (rows[i - 1]![0] === rows[i]![0] && rows[i - 1]![1] >= rows[i]![1]), `row ${i} is not worse than row ${i - 1}`);
    const withFindings = r.clusters.filter((c) => c.findings.length > 0).length;
    assert.match(clusters, new RegExp(`<p class="more" data-more="${withFindings - 200}">${withFindings - 200} more clusters with findings not shown \\(first 200 of ${withFindings}\\)`));
    assert.ok(clusters.includes(`${r.clusters.length - withFindings} clusters without findings.`));
  });

  it("takes a smaller cap, and says nothing more when everything fits", () => {
    assert.equal(count(sectionOf(renderAuditHtml(bigFleet(50), { maxClusters: 10 }), "clusters"), "<tr data-cluster="), 10);
    const all = sectionOf(renderAuditHtml(bigFleet(12)), "clusters");
    assert.equal(count(all, "<tr data-cluster="), bigFleet(12).clusters.filter((c) => c.findings.length > 0).length);
    assert.equal(count(all, `class="more"`), 0);
  });

  it("a 10,000-cluster audit stays a page of bounded size", () => {
    const expiries = Array.from({ length: 3000 }, (_, i) => expiry(`app-${i}`, new Date(NOW_MS + ((i % 400) - 100) * DAY).toISOString(), { newestValid: i % 400 >= 100 }));
    const html = renderAuditHtml(bigFleet(10_000, expiries));
    assert.equal(count(html, "<tr data-cluster="), 200);
    assert.equal(count(html, `<g class="marker`), 60);
    assert.ok(html.length < 1_000_000, `${html.length} characters`);
  });
});

describe("renderAuditHtml: credential timeline", () => {
  const APP_EXPIRED = "app-expired";
  const APP_SOON = "app-soon";
  const APP_LATER = "app-later";
  const expiries = [
    expiry(APP_EXPIRED, "2026-09-01T00:00:00Z"),
    expiry(APP_SOON, "2026-12-28T12:00:00Z", { newestValid: true }),
    expiry(APP_LATER, "2027-02-26T12:00:00Z"),
    expiry(APP_LATER, "2029-01-01T00:00:00Z", { newestValid: true }),
  ];
  const html = renderAuditHtml(bigFleet(3, expiries));
  const markers = [...sectionOf(html, "expiries").matchAll(/<g class="marker marker-(\w+)( newest)?" data-app="([^"]+)" data-end="([^"]+)" data-x="([\d.]+)" data-state="\w+">\n<title>([^<]*)<\/title>[\s\S]*?<text class="marker-label"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ state: m[1], newest: !!m[2], app: m[3], end: m[4]!, x: Number(m[5]), title: m[6]!, label: m[7]! }));

  it("draws one marker per credential, in date order, each with its app name and date as text", () => {
    assert.deepEqual(markers.map((m) => m.app), [APP_EXPIRED, APP_SOON, APP_LATER, APP_LATER]);
    assert.deepEqual(markers.map((m) => m.state), ["expired", "expiring", "later", "later"]);
    for (const m of markers) {
      assert.ok(m.label.startsWith(`name-${m.app} · ${m.end.slice(0, 10)}`), m.label);
      assert.ok(m.title.includes(`appId ${m.app}`), m.title);
    }
    assert.match(markers[0]!.label, /expired 88 days ago/);
    assert.match(markers[1]!.label, /in 30 days \(newest\)$/);
    assert.ok(markers[3]!.label.endsWith("→"), "a credential beyond the axis says so");
  });

  it("places expired ones at the left edge and the rest by date from now to the axis end", () => {
    // axis: now to now + max(3 x 30, 180) = 180 days; the warning window ends at 30 days
    const span = TIMELINE.endX - TIMELINE.nowX;
    assert.equal(markers[0]!.x, TIMELINE.expiredX);
    assert.ok(TIMELINE.expiredX < TIMELINE.nowX);
    assert.equal(markers[1]!.x, Math.round((TIMELINE.nowX + (30 / 180) * span) * 10) / 10);
    assert.equal(markers[2]!.x, Math.round((TIMELINE.nowX + (90 / 180) * span) * 10) / 10);
    assert.equal(markers[3]!.x, TIMELINE.endX, "pinned to the end");
    const window = /<rect class="window" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(html);
    assert.ok(window, "the warning window is shaded");
    assert.equal(Number(window[1]), TIMELINE.nowX);
    assert.equal(Number(window[1]) + Number(window[2]), markers[1]!.x, "the window ends where a credential ending in 30 days sits");
    assert.match(html, /<svg class="timeline"[^>]* data-now="2026-11-28" data-end="2027-05-27">/);
  });

  it("stretches the axis to three warning windows when that is longer than 180 days", () => {
    const axis = timelineAxis(NOW_MS, 90);
    assert.equal(axis.endMs - NOW_MS, 270 * DAY);
    assert.equal(timelineAxis(NOW_MS, 7).endMs - NOW_MS, 180 * DAY);
    assert.equal(timelineX(axis, NOW_MS + 135 * DAY), (TIMELINE.nowX + TIMELINE.endX) / 2);
    assert.equal(timelineX(axis, NOW_MS), TIMELINE.expiredX, "ending exactly now is expired");
    const r = { ...bigFleet(1, [expiry("a", new Date(NOW_MS + 135 * DAY).toISOString(), { newestValid: true })]), options: { expiringWithinDays: 90 } };
    assert.match(renderAuditHtml(r), new RegExp(`data-x="${(TIMELINE.nowX + TIMELINE.endX) / 2}"`));
  });

  it("lists the same credentials in a table, as text", () => {
    const table = sectionOf(html, "expiries").split(`<table class="expiries">`)[1] ?? "";
    const rows = [...table.matchAll(/<tr data-app="([^"]+)" data-state="(\w+)">/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, markers.map((m) => [m.app, m.state]));
    assert.ok(table.includes("2026-12-28T12:00:00Z"));
    assert.equal(count(table, "newest valid"), 2);
  });

  it("when there are too many, draws each app's deciding credential first", () => {
    const many = [
      expiry("old", "2020-01-01T00:00:00Z"),
      expiry("old", "2020-02-01T00:00:00Z"),
      expiry("old", "2027-01-01T00:00:00Z", { newestValid: true }),
      expiry("dead", "2026-01-01T00:00:00Z"),
      expiry("dead", "2026-06-01T00:00:00Z"),
    ];
    const shown = credentialsToShow(many, 2);
    assert.deepEqual(shown.map((e) => [e.appId, e.endDateTime!.slice(0, 10)]), [["dead", "2026-06-01"], ["old", "2027-01-01"]]);
    const out = renderAuditHtml(bigFleet(1, many), { maxCredentials: 2 });
    assert.equal(count(out, `<g class="marker`), 2);
    assert.match(out, /<p class="more" data-more="3">3 more credentials/);
  });

  it("keeps room for the soonest-expiring apps when long-dead ones alone would fill the timeline", () => {
    const dead = Array.from({ length: 5 }, (_, i) => expiry(`dead-${i}`, new Date(NOW_MS - (i + 1) * 10 * DAY).toISOString()));
    const live = Array.from({ length: 5 }, (_, i) => expiry(`live-${i}`, new Date(NOW_MS + (i + 1) * 10 * DAY).toISOString(), { newestValid: true }));
    const shown = credentialsToShow([...dead, ...live], 4).map((e) => e.appId);
    assert.deepEqual(shown, ["dead-1", "dead-0", "live-0", "live-1"], "the two most recently dead and the two soonest to expire, by date");
    assert.deepEqual(credentialsToShow([...dead.slice(0, 1), ...live], 4).map((e) => e.appId), ["dead-0", "live-0", "live-1", "live-2"], "room the dead do not need goes to the living");
  });

  it("says so when the result has no credential list, or no service-principal cluster", () => {
    assert.match(sectionOf(renderAuditHtml(bigFleet(1)), "expiries"), /carries no credential list/);
    const none = sectionOf(renderAuditHtml(bigFleet(1, [])), "expiries");
    assert.match(none, /No service-principal cluster/);
    assert.equal(count(none, "<svg"), 0);
  });
});

describe("renderAuditHtml: since the baseline", () => {
  const base = fleet() as AuditResult;
  // last night the fleet had none of tonight's findings but one that is gone now
  const lastNight = { ...base, generatedAt: "2026-11-27T12:00:00Z", options: { expiringWithinDays: 14 }, clusters: base.clusters.map((c) => ({ ...c, findings: [] })), registries: base.registries.map((r) => ({ ...r, findings: [finding("CFG_ANONYMOUS_PULL_ENABLED", r.id)] })) };
  const compared = compareWithBaseline(base, parseAuditBaseline(JSON.stringify(lastNight), `night-${HOSTILE}.json`));

  it("has no baseline section without a baseline", () => {
    const html = renderAuditHtml(fleet());
    assert.doesNotMatch(html, /id="baseline"/);
    assert.doesNotMatch(html, /Since the baseline/);
  });

  it("lists each new finding once, registry codes under the registry, and the gone ones, with the counts and the caveat", () => {
    const html = renderAuditHtml({ ...compared, expiries: (base as AuditHtmlInput).expiries });
    assert.match(html, /<li><a href="#baseline">Since the baseline<\/a><\/li>/);
    const section = /<section id="baseline"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    assert.ok(section !== "", "the section is there");
    const fresh = newFindings(compared);
    assert.ok(fresh.length >= 2, "the fleet has new cluster and registry findings");
    const rows = [...section.matchAll(/<tr data-(cluster|registry)="[^"]*" data-code="([A-Z_]+)">/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(rows, fresh.map((n) => `${n.kind} ${n.finding.code}`));
    assert.equal(rows.filter((r) => r === "registry CFG_ADMIN_USER_ENABLED").length, 1, "a registry code once, though every paired cluster lists it");
    assert.match(section, /<caption>Gone since the baseline<\/caption>[\s\S]*CFG_ANONYMOUS_PULL_ENABLED/);
    assert.match(section, new RegExp(`${compared.baseline!.new} new, 1 gone, 0 unchanged`));
    assert.match(section, /<p class="caveat">the baseline used --expiring-within 14, this run 30/);
    assert.match(html, /<dt>Since the baseline<\/dt><dd>\d+ new, 1 gone, 0 unchanged/);
    // the baseline's file name is text, never markup
    assert.doesNotMatch(html, /<script>window\.pwned/);
  });
});
