// The fleet page of `pulldoctor audit --format html`: one self-contained file (inline CSS and SVG, no script, the
// diagnose report's CSP) that a platform team opens after the nightly audit. Totals first, then counts by code,
// the worst clusters, registries no cluster can pull from, service-principal credentials on a time axis and the
// registry-wide practices. Cluster, registry and app names are attacker-controllable (anyone who can create a
// resource or an app registration names it): every dynamic string goes through the diagnose report's escaping.
// Lists are capped so that a 10,000-cluster audit stays a page a browser opens at once; JSON/CSV carry everything.

import { CAUSES, type CauseCode, type Severity } from "../codes/causes.js";
import { DOCS_BASE } from "../engine/evaluate.js";
import type { Finding } from "../engine/types.js";
import { escapeHtml, pageHead, REPORT_CSS, safeHttpUrl, safeLine, safeText, severityBadge } from "../reporters/html.js";
import { plural } from "../reporters/text.js";
import type { AuditResult, ClusterAudit, RegistryAudit } from "./audit.js";
import type { CredentialExpiry } from "./expiries.js";
import { unknownGroups } from "./render.js";
import { newFindings } from "./baseline.js";

/** The audit result, with the credential list the audit carries (optional until every producer sets it). */
/** An audit result; `expiries` may be absent in results saved by older versions. */
export type AuditHtmlInput = Omit<AuditResult, "expiries"> & { expiries?: CredentialExpiry[] };

export interface AuditHtmlOptions {
  /** rows of the worst-clusters table (default 200) */
  maxClusters?: number;
  /** rows of each registry list (default 200) */
  maxRegistries?: number;
  /** credentials on the timeline and in its table (default 60) */
  maxCredentials?: number;
  /** rows of the registry findings table (default 500) */
  maxRegistryFindings?: number;
  /** rows of each since-the-baseline table (default 500) */
  maxBaselineFindings?: number;
}

const DAY = 86_400_000;
const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const rank = (s: string): number => (SEVERITY_RANK as Record<string, number | undefined>)[s] ?? 3;

const CLUSTERS_SHOWN_PER_ROW = 3;

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) if (f.severity in c) c[f.severity]++;
  return c;
}

/** A docs page per code, linked as the diagnose report links a finding's rule: the finding's own docs URL, else DOCS_BASE/<rule>.md. */
function docsUrls(result: AuditHtmlInput): Map<string, string> {
  const urls = new Map<string, string>();
  const visit = (f: Finding) => {
    if (urls.has(f.code)) return;
    const fallback = /^[a-z0-9-]+$/.test(f.rule) ? `${DOCS_BASE}${f.rule}.md` : undefined;
    const url = safeHttpUrl(f.docs ?? fallback);
    if (url !== undefined) urls.set(f.code, url);
  };
  for (const c of result.clusters) c.findings.forEach(visit);
  for (const r of result.registries) r.findings.forEach(visit);
  return urls;
}

/** Rule pages are named after the code (SP_SECRET_EXPIRING -> sp-secret-expiring.md) when no finding carries one. */
function codeDocsUrl(code: string, urls: Map<string, string>): string | undefined {
  return urls.get(code) ?? (/^[A-Z0-9_]+$/.test(code) ? `${DOCS_BASE}${code.toLowerCase().replace(/_/g, "-")}.md` : undefined);
}

function codeLink(code: string, urls: Map<string, string>): string {
  const url = codeDocsUrl(code, urls);
  const label = `<code class="code">${safeLine(code)}</code>`;
  return url ? `<a href="${escapeHtml(url)}">${label}</a>` : label;
}

function meaningOf(code: string): string {
  return (CAUSES as Record<string, { meaning: string } | undefined>)[code]?.meaning ?? "";
}

function severityOf(code: string): string {
  return (CAUSES as Record<string, { severity: string } | undefined>)[code]?.severity ?? "info";
}

function moreNote(shown: number, total: number, what: string, where: string): string {
  if (total <= shown) return "";
  return `<p class="more" data-more="${total - shown}">${escapeHtml(`${total - shown} more ${what} not shown (first ${shown} of ${total}); ${where}.`)}</p>`;
}

function clusterNames(ids: readonly string[], nameOf: (id: string) => string): string {
  const shown = ids.slice(0, CLUSTERS_SHOWN_PER_ROW).map((id) => `<span class="cluster-name">${safeLine(nameOf(id))}</span>`);
  const rest = ids.length - shown.length;
  return shown.join(", ") + (rest > 0 ? ` <span class="muted">and ${rest} more</span>` : "");
}

function section(id: string, title: string, body: string[]): string {
  return [`<section id="${id}" aria-labelledby="${id}-h">`, `<h2 id="${id}-h">${escapeHtml(title)}</h2>`, ...body, `</section>`].join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------------------------

interface ExpirySummary {
  apps: number;
  /** apps whose every dated credential has ended */
  allExpired: number;
  /** apps whose newest valid credential ends within the warning window */
  expiringSoon: number;
}

function expirySummary(expiries: readonly CredentialExpiry[], nowMs: number, windowDays: number): ExpirySummary {
  const byApp = new Map<string, CredentialExpiry[]>();
  for (const e of expiries) {
    const list = byApp.get(e.appId);
    if (list) list.push(e);
    else byApp.set(e.appId, [e]);
  }
  let allExpired = 0;
  let expiringSoon = 0;
  for (const list of byApp.values()) {
    const newest = list.find((e) => e.newestValid);
    if (newest?.endDateTime) {
      if (Date.parse(newest.endDateTime) - nowMs <= windowDays * DAY) expiringSoon++;
    } else if (list.some((e) => e.expired)) allExpired++;
  }
  return { apps: byApp.size, allExpired, expiringSoon };
}

function headerHtml(r: AuditHtmlInput, withFindings: number): string {
  const sev = r.summary.bySeverity;
  const verdict = sev.error > 0 ? "fail" : sev.warning > 0 ? "unknown" : "pass";
  const parts = [plural(sev.error, "error"), plural(sev.warning, "warning"), plural(sev.info, "info")];
  const window = r.options.expiringWithinDays;
  const rows: [string, string][] = [
    ["Clusters", `${r.summary.clusters} audited, ${withFindings} with findings`],
    ["Registries", `${r.summary.registries} audited, ${r.summary.registriesNobodyCanPull.length} that no cluster can pull from`],
  ];
  if (r.expiries) {
    const s = expirySummary(r.expiries, Date.parse(r.generatedAt), window);
    rows.push(["Service principals", `${s.apps} used by clusters: ${s.allExpired} with every credential expired, ${s.expiringSoon} whose newest credential expires within ${window} days`]);
  }
  if (r.baseline) {
    const b = r.baseline;
    rows.push(["Since the baseline", `${b.new} new, ${b.resolved.length} gone, ${b.unchanged} unchanged (${b.file}${b.generatedAt ? `, audited ${b.generatedAt}` : ""})`]); // the row is escaped below
  }
  if (r.unattributed.length > 0) rows.push(["Unattributed evidence", plural(r.unattributed.length, "file")]);
  if (r.inputs.errors.length > 0) rows.push(["Unreadable input", plural(r.inputs.errors.length, "file")]);
  const input = [r.inputs.kind, r.inputs.location ?? ""].filter((s) => s !== "").map(safeLine).join(" ");
  return [
    `<header>`,
    `<h1>pulldoctor: fleet audit</h1>`,
    `<p class="verdict verdict-${verdict}" id="verdict"><strong>${escapeHtml(parts.join(", "))}</strong> across ${plural(r.summary.clusters, "cluster")} and ${plural(r.summary.registries, "registry", "registries")}</p>`,
    `<dl class="subjects totals">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>`,
    `<p class="muted">Input: ${input} (${plural(r.inputs.used, "file")} used of ${r.inputs.files}) · credentials expiring within ${window} days are warnings · generated ${safeLine(r.generatedAt)} by pulldoctor ${safeLine(r.tool.version)}</p>`,
    `</header>`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Counts by code
// ---------------------------------------------------------------------------------------------------------

function codesSection(r: AuditHtmlInput, urls: Map<string, string>): string {
  const entries = (Object.entries(r.summary.byCode) as [CauseCode, number | undefined][])
    .filter((e): e is [CauseCode, number] => typeof e[1] === "number" && e[1] > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return section("codes", "Findings by code", [`<p class="muted">No finding on any cluster or registry.</p>`]);
  const max = Math.max(...entries.map(([, n]) => n));
  const rows = entries.map(([code, n]) => {
    const sev = severityOf(code);
    // a bar per count, in SVG attributes (an inline style attribute would be refused by the CSP)
    const width = Math.max(1, Math.round((n / max) * 1000) / 10);
    const bar = `<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="bar-${escapeHtml(sev)}" x="0" y="0" width="${width}" height="10"/></svg>`;
    return `<tr data-code="${safeLine(code)}" data-count="${n}"><th scope="row">${codeLink(code, urls)}</th><td>${severityBadge(sev)}</td><td class="num">${n}</td><td class="bar-cell">${bar}</td><td>${safeLine(meaningOf(code))}</td></tr>`;
  });
  return section("codes", "Findings by code", [
    `<p class="muted">Registry-wide practices count once per registry, the rest once per cluster and subject. Each code links to its rule page.</p>`,
    `<table class="codes">`,
    `<thead><tr><th scope="col">Code</th><th scope="col">Severity</th><th scope="col" class="num">Count</th><th scope="col"><span class="visually-hidden">Share of the largest count</span></th><th scope="col">Meaning</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Worst clusters
// ---------------------------------------------------------------------------------------------------------

function codeCounts(c: ClusterAudit): string {
  const m = new Map<string, number>();
  for (const f of c.findings) m.set(f.code, (m.get(f.code) ?? 0) + 1);
  return [...m.entries()].map(([code, n]) => `<code>${safeLine(code)}</code>${n > 1 ? ` ×${n}` : ""}`).join(", ");
}

function accessText(c: ClusterAudit): string {
  const n = { granted: 0, denied: 0, unknown: 0 };
  for (const a of c.access) if (a.verdict in n) n[a.verdict]++;
  if (c.access.length === 0) return `<span class="muted">no paired registry</span>`;
  const parts = [`${n.granted} granted`];
  if (n.denied > 0) parts.push(`<strong class="denied">${n.denied} denied</strong>`);
  if (n.unknown > 0) parts.push(`${n.unknown} unknown`);
  return parts.join(", ");
}

function clustersSection(r: AuditHtmlInput, ranked: readonly { c: ClusterAudit; n: Record<Severity, number> }[], max: number): string {
  const withFindings = ranked.filter((x) => x.c.findings.length > 0);
  const clean = r.clusters.length - withFindings.length;
  const body: string[] = [];
  if (withFindings.length === 0) body.push(`<p class="muted">No finding on any cluster.</p>`);
  else {
    const rows = withFindings.slice(0, max).map(({ c, n }, i) =>
      [
        `<tr data-cluster="${safeLine(c.id)}" data-errors="${n.error}" data-warnings="${n.warning}" data-infos="${n.info}">`,
        `<td class="num">${i + 1}</td>`,
        `<th scope="row"><span class="cluster-name">${safeLine(c.name)}</span><br><code class="id">${safeLine(c.id)}</code></th>`,
        `<td class="num${n.error > 0 ? " has-errors" : ""}">${n.error}</td><td class="num${n.warning > 0 ? " has-warnings" : ""}">${n.warning}</td><td class="num">${n.info}</td>`,
        `<td>${codeCounts(c)}</td>`,
        `<td>${accessText(c)}${c.unknown.length > 0 ? `<br><span class="muted">${plural(c.unknown.length, "check")} could not run</span>` : ""}</td>`,
        `</tr>`,
      ].join(""),
    );
    body.push(
      `<p class="muted">Most errors first, then warnings, then infos. Pull access counts the registries paired with the cluster (pulled from by its workloads, granted a role to its identities, or in its subscription).</p>`,
      `<table class="clusters">`,
      `<thead><tr><th scope="col" class="num">#</th><th scope="col">Cluster</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Warnings</th><th scope="col" class="num">Infos</th><th scope="col">Codes</th><th scope="col">Pull access</th></tr></thead>`,
      `<tbody>`,
      ...rows,
      `</tbody></table>`,
      moreNote(Math.min(max, withFindings.length), withFindings.length, "clusters with findings", "--format csv or json lists every finding"),
    );
  }
  if (clean > 0) body.push(`<p class="muted" id="clean-clusters">${plural(clean, "cluster")} without findings.</p>`);
  return section("clusters", "Worst clusters", body.filter((s) => s !== ""));
}

// ---------------------------------------------------------------------------------------------------------
// Since the baseline (audit --baseline)
// ---------------------------------------------------------------------------------------------------------

function baselineSection(r: AuditHtmlInput, urls: Map<string, string>, max: number): string {
  const b = r.baseline;
  if (!b) return "";
  const fresh = newFindings(r);
  const body: string[] = [`<p class="muted">${escapeHtml(`Compared with ${b.file}${b.generatedAt ? `, audited ${b.generatedAt}` : ""}: ${b.new} new, ${b.resolved.length} gone, ${b.unchanged} unchanged. --fail-on counts only the new.`)}</p>`];
  for (const c of b.caveats ?? []) body.push(`<p class="caveat">${safeLine(c)}</p>`);
  if (fresh.length === 0) body.push(`<p class="muted">Nothing new since the baseline.</p>`);
  else {
    const rows = fresh.slice(0, max).map(({ kind, owner, ownerId, finding: f }) => {
      const fix = f.remediation[0];
      return `<tr data-${kind}="${safeLine(ownerId)}" data-code="${safeLine(f.code)}"><th scope="row">${safeLine(owner)}</th><td>${severityBadge(f.severity)} ${codeLink(f.code, urls)}</td><td><span class="title">${safeLine(f.title)}</span><br><code class="id">${safeLine(f.subject)}</code></td><td>${fix !== undefined ? `<code class="fix">${safeLine(fix)}</code>` : ""}</td></tr>`;
    });
    body.push(
      `<table class="baseline-new">`,
      `<caption>New since the baseline</caption>`,
      `<thead><tr><th scope="col">Cluster or registry</th><th scope="col">Code</th><th scope="col">Finding</th><th scope="col">First fix</th></tr></thead>`,
      `<tbody>`,
      ...rows,
      `</tbody></table>`,
      moreNote(Math.min(max, fresh.length), fresh.length, "new findings", "--format json or csv lists every one"),
    );
  }
  if (b.resolved.length > 0) {
    const rows = b.resolved.slice(0, max).map((g) => `<tr><th scope="row">${safeLine(g.clusterName ?? g.cluster ?? "(registry)")}</th><td>${severityBadge(g.severity)} ${codeLink(g.code, urls)}</td><td><span class="title">${safeLine(g.title)}</span><br><code class="id">${safeLine(g.subject)}</code></td></tr>`);
    body.push(
      `<table class="baseline-gone">`,
      `<caption>Gone since the baseline</caption>`,
      `<thead><tr><th scope="col">Cluster</th><th scope="col">Code</th><th scope="col">Finding</th></tr></thead>`,
      `<tbody>`,
      ...rows,
      `</tbody></table>`,
      moreNote(Math.min(max, b.resolved.length), b.resolved.length, "gone findings", "--format json lists every one"),
    );
  }
  return section("baseline", "Since the baseline", body.filter((s) => s !== ""));
}

// ---------------------------------------------------------------------------------------------------------
// Registries
// ---------------------------------------------------------------------------------------------------------

function nobodySection(r: AuditHtmlInput, nameOf: (id: string) => string, max: number): string {
  const nobody = r.registries.filter((x) => x.nobodyCanPull);
  if (nobody.length === 0) return section("unpullable", "Registries no cluster can pull from", [`<p class="muted">Every registry paired with a cluster is pullable by at least one of them.</p>`]);
  const rows = nobody.slice(0, max).map(
    (x) => `<tr data-registry="${safeLine(x.id)}"><th scope="row"><code>${safeLine(x.loginServer)}</code><br><code class="id">${safeLine(x.id)}</code></th><td class="num">${x.pairedWith.length}</td><td>${clusterNames(x.pairedWith, nameOf)}</td></tr>`,
  );
  return section("unpullable", "Registries no cluster can pull from", [
    `<p class="muted">Each is paired with clusters, and none of them is granted pull: either the pairing is stale or every one of those clusters is refused.</p>`,
    `<table class="registries">`,
    `<thead><tr><th scope="col">Registry</th><th scope="col" class="num">Paired clusters</th><th scope="col">Clusters</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
    moreNote(Math.min(max, nobody.length), nobody.length, "registries", "--format json lists every one"),
  ].filter((s) => s !== ""));
}

function unknownsSection(r: AuditHtmlInput, nameOf: (id: string) => string, max: number): string {
  const total = r.clusters.reduce((n, c) => n + c.unknown.length, 0);
  if (total === 0) return section("unknown", "Checks that could not be made", [`<p class="muted">Every check could be made on every cluster.</p>`]);
  const groups = unknownGroups(r.clusters);
  const rows = groups.slice(0, max).map(
    (g) => `<tr><th scope="row"><code>${safeLine(g.rule)}</code></th><td class="num">${g.clusters.size}</td><td>${safeText(g.reason)}<br>${clusterNames([...g.clusters], nameOf)}</td></tr>`,
  );
  return section("unknown", "Checks that could not be made", [
    `<p class="muted">${plural(total, "check")} neither passed nor failed: the evidence to decide them was missing or unreadable. Each row is one check and one reason.</p>`,
    `<table class="unknown">`,
    `<thead><tr><th scope="col">Rule</th><th scope="col" class="num">Clusters</th><th scope="col">Why</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
    moreNote(Math.min(max, groups.length), groups.length, "reasons", "--format json lists each cluster's"),
  ].filter((s) => s !== ""));
}

function registryFindingsSection(r: AuditHtmlInput, urls: Map<string, string>, max: number): string {
  const withFindings = r.registries.filter((x) => x.findings.length > 0);
  if (withFindings.length === 0) return section("registry-findings", "Registry practices", [`<p class="muted">No registry-wide finding: no admin user, anonymous pull, orphaned role assignment or SKU mismatch.</p>`]);
  const all: { x: RegistryAudit; f: Finding }[] = withFindings.flatMap((x) => x.findings.map((f) => ({ x, f })));
  all.sort((a, b) => rank(a.f.severity) - rank(b.f.severity) || a.f.code.localeCompare(b.f.code) || a.x.loginServer.localeCompare(b.x.loginServer));
  const rows = all.slice(0, max).map(({ x, f }) => {
    const fix = f.remediation[0];
    return `<tr data-registry="${safeLine(x.id)}" data-code="${safeLine(f.code)}"><th scope="row"><code>${safeLine(x.loginServer)}</code></th><td>${severityBadge(f.severity)} ${codeLink(f.code, urls)}</td><td><span class="title">${safeLine(f.title)}</span>${f.subject !== x.id ? `<br><code class="id">${safeLine(f.subject)}</code>` : ""}</td><td>${fix !== undefined ? `<code class="fix">${safeLine(fix)}</code>` : ""}</td></tr>`;
  });
  return section("registry-findings", "Registry practices", [
    `<p class="muted">Admin user, anonymous pull, role assignments of deleted principals and SKU limits: ${plural(all.length, "finding")} on ${plural(withFindings.length, "registry", "registries")}.</p>`,
    `<table class="registry-findings">`,
    `<thead><tr><th scope="col">Registry</th><th scope="col">Code</th><th scope="col">Finding</th><th scope="col">First fix</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
    moreNote(Math.min(max, all.length), all.length, "registry findings", "--format csv or json lists every one"),
  ].filter((s) => s !== ""));
}

// ---------------------------------------------------------------------------------------------------------
// Credential expiry timeline
// ---------------------------------------------------------------------------------------------------------

/** Timeline geometry, in SVG user units. */
export const TIMELINE = {
  width: 960,
  /** centre of the "expired" column at the left edge */
  expiredX: 44,
  /** the "now" line */
  nowX: 110,
  /** the end of the axis */
  endX: 940,
  top: 44,
  rowHeight: 22,
  bottom: 30,
} as const;

export type ExpiryState = "expired" | "expiring" | "later" | "undated";

export interface TimelineAxis {
  nowMs: number;
  endMs: number;
  windowEndMs: number;
}

/** From now to the later of now + 3 warning windows and now + 180 days. */
export function timelineAxis(nowMs: number, windowDays: number): TimelineAxis {
  return { nowMs, endMs: nowMs + Math.max(windowDays * 3, 180) * DAY, windowEndMs: nowMs + windowDays * DAY };
}

/** Where a credential sits: expired ones in the left-edge column, later ones on the axis, past its end pinned to it. */
export function timelineX(axis: TimelineAxis, endMs: number): number {
  if (endMs <= axis.nowMs) return TIMELINE.expiredX;
  const t = Math.min(1, (endMs - axis.nowMs) / (axis.endMs - axis.nowMs));
  return Math.round((TIMELINE.nowX + t * (TIMELINE.endX - TIMELINE.nowX)) * 10) / 10;
}

function stateOf(e: CredentialExpiry, axis: TimelineAxis): ExpiryState {
  const end = e.endDateTime ? Date.parse(e.endDateTime) : Number.NaN;
  if (Number.isNaN(end)) return "undated";
  if (end <= axis.nowMs) return "expired";
  return end <= axis.windowEndMs ? "expiring" : "later";
}

function relative(e: CredentialExpiry, axis: TimelineAxis): string {
  const end = e.endDateTime ? Date.parse(e.endDateTime) : Number.NaN;
  if (Number.isNaN(end)) return e.endDateTime ? `unreadable end date` : "no end date";
  if (end <= axis.nowMs) {
    const ago = Math.floor((axis.nowMs - end) / DAY);
    return ago === 0 ? "expired today" : `expired ${plural(ago, "day")} ago`;
  }
  const days = Math.floor((end - axis.nowMs) / DAY);
  return days === 0 ? "expires today" : `in ${plural(days, "day")}`;
}

/**
 * The credentials worth drawing when there are more than fit: first the one that decides each app's fate (its newest
 * valid credential, soonest first, or for an app whose credentials have all ended its latest one, most recent first);
 * then superseded ones. Drawn by date.
 */
export function credentialsToShow(expiries: readonly CredentialExpiry[], max: number): CredentialExpiry[] {
  const latestExpired = new Map<string, CredentialExpiry>();
  const hasValid = new Set<string>();
  const endOf = (e: CredentialExpiry) => (e.endDateTime ? Date.parse(e.endDateTime) : Number.NaN);
  for (const e of expiries) {
    if (e.newestValid) hasValid.add(e.appId);
    if (e.expired) {
      const prev = latestExpired.get(e.appId);
      if (!prev || endOf(e) > endOf(prev)) latestExpired.set(e.appId, e);
    }
  }
  const deciding = (e: CredentialExpiry) => e.newestValid || (!hasValid.has(e.appId) && latestExpired.get(e.appId) === e);
  const byDate = (a: CredentialExpiry, b: CredentialExpiry) => (Number.isNaN(endOf(a)) ? 1 : 0) - (Number.isNaN(endOf(b)) ? 1 : 0) || endOf(a) - endOf(b) || 0;
  // half the room (or more, when fewer apps are dead) for the soonest-expiring apps, so that long-dead ones never crowd them out
  const upcoming = expiries.filter((e) => e.newestValid).sort(byDate);
  const dead = expiries.filter((e) => !e.newestValid && deciding(e)).sort((a, b) => endOf(b) - endOf(a));
  const upcomingShown = Math.min(upcoming.length, Math.max(Math.ceil(max / 2), max - dead.length));
  const picked = [...upcoming.slice(0, upcomingShown), ...dead.slice(0, max - upcomingShown)];
  const rest = expiries.filter((e) => !deciding(e)).sort(byDate);
  return [...picked, ...rest.slice(0, Math.max(0, max - picked.length))].sort(byDate);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function monthTicks(axis: TimelineAxis): number[] {
  const start = new Date(axis.nowMs);
  const months = Math.ceil((axis.endMs - axis.nowMs) / (30 * DAY));
  const step = Math.max(1, Math.ceil(months / 8));
  const ticks: number[] = [];
  for (let m = start.getUTCMonth() + 1; ; m += step) {
    const t = Date.UTC(start.getUTCFullYear(), m, 1);
    if (t > axis.endMs) break;
    ticks.push(t);
  }
  return ticks;
}

function markerShape(state: ExpiryState, x: number, y: number): string {
  // shape as well as colour tells the state apart (and survives black-and-white printing)
  if (state === "expired") return `<rect class="dot" x="${x - 5}" y="${y - 5}" width="10" height="10"/>`;
  if (state === "expiring") return `<path class="dot" d="M${x},${y - 6} L${x + 6},${y + 5} L${x - 6},${y + 5} Z"/>`;
  return `<circle class="dot" cx="${x}" cy="${y}" r="5"/>`;
}

/** Apps that still have a valid credential: their expired ones were replaced, not the cause of an outage. */
function appsWithValid(expiries: readonly CredentialExpiry[]): Set<string> {
  return new Set(expiries.filter((e) => e.newestValid).map((e) => e.appId));
}

function timelineSvg(shown: readonly CredentialExpiry[], axis: TimelineAxis, windowDays: number, replaced: Set<string>): string {
  const T = TIMELINE;
  const placed = shown.filter((e) => stateOf(e, axis) !== "undated");
  const height = T.top + Math.max(1, placed.length) * T.rowHeight + T.bottom;
  const windowX = timelineX(axis, axis.windowEndMs);
  const rowsBottom = height - T.bottom;
  const expiredCount = placed.filter((e) => stateOf(e, axis) === "expired").length;
  const expiringCount = placed.filter((e) => stateOf(e, axis) === "expiring").length;
  const out: string[] = [
    `<svg class="timeline" role="img" aria-labelledby="tl-title tl-desc" viewBox="0 0 ${T.width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg" data-now="${isoDay(axis.nowMs)}" data-end="${isoDay(axis.endMs)}">`,
    `<title id="tl-title">Service principal credential expiries</title>`,
    `<desc id="tl-desc">${escapeHtml(`${plural(placed.length, "credential")} from now (${isoDay(axis.nowMs)}) to ${isoDay(axis.endMs)}: ${expiredCount} expired, ${expiringCount} expiring within the ${windowDays}-day warning window. The table below lists the same credentials.`)}</desc>`,
    `<rect class="expired-zone" x="4" y="${T.top - 8}" width="${T.nowX - 30}" height="${rowsBottom - T.top + 8}"/>`,
    `<text class="axis-label" x="${T.expiredX}" y="30" text-anchor="middle">expired</text>`,
    `<rect class="window" x="${T.nowX}" y="${T.top - 8}" width="${Math.max(0, windowX - T.nowX)}" height="${rowsBottom - T.top + 8}" data-days="${windowDays}"/>`,
  ];
  for (const t of monthTicks(axis)) {
    const x = timelineX(axis, t);
    out.push(`<line class="tick" x1="${x}" y1="20" x2="${x}" y2="${rowsBottom}"/>`, `<text class="tick-label" x="${x}" y="14" text-anchor="middle">${isoDay(t).slice(0, 7)}</text>`);
  }
  out.push(
    `<line class="now-line" x1="${T.nowX}" y1="20" x2="${T.nowX}" y2="${rowsBottom}"/>`,
    `<text class="axis-label" x="${T.nowX + 4}" y="30">now ${isoDay(axis.nowMs)}</text>`,
  );
  placed.forEach((e, i) => {
    const end = Date.parse(e.endDateTime!);
    const state = stateOf(e, axis);
    const x = timelineX(axis, end);
    const y = T.top + i * T.rowHeight + T.rowHeight / 2;
    const name = e.principalName ?? e.appId;
    const rel = relative(e, axis) + (e.expired && replaced.has(e.appId) ? ", replaced" : "");
    const label = `${truncate(name, 42)} · ${isoDay(end)} · ${rel}${e.newestValid ? " (newest)" : ""}${end > axis.endMs ? " →" : ""}`;
    const right = x <= T.width * 0.55;
    const full = `${name} (appId ${e.appId}), ${e.type} ${e.keyId ?? ""}${e.credentialName ? ` "${e.credentialName}"` : ""} on the ${e.owner === "application" ? "app registration" : "service principal"}: ends ${e.endDateTime}, ${rel}; used by ${plural(e.clusters.length, "cluster")}`;
    out.push(
      `<g class="marker marker-${state}${e.newestValid ? " newest" : ""}" data-app="${safeLine(e.appId)}" data-end="${safeLine(e.endDateTime!)}" data-x="${x}" data-state="${state}">`,
      `<title>${safeLine(full)}</title>`,
      `<line class="row-guide" x1="${T.nowX}" y1="${y}" x2="${T.endX}" y2="${y}"/>`,
      markerShape(state, x, y),
      `<text class="marker-label" x="${right ? x + 10 : x - 10}" y="${y + 4}" text-anchor="${right ? "start" : "end"}">${safeLine(label)}</text>`,
      `</g>`,
    );
  });
  if (placed.length === 0) out.push(`<text class="axis-label" x="${T.nowX + 10}" y="${T.top + 14}">no dated credential</text>`);
  out.push(
    `<text class="legend" x="${T.nowX}" y="${height - 10}">shaded: the ${windowDays}-day warning window (--expiring-within) · ■ expired · ▲ expiring within the window · ● later · → beyond ${isoDay(axis.endMs)}</text>`,
    `</svg>`,
  );
  return out.join("\n");
}

function expiriesSection(r: AuditHtmlInput, nameOf: (id: string) => string, max: number): string {
  const title = "Service principal credential expiries";
  if (!r.expiries) return section("expiries", title, [`<p class="muted">This audit result carries no credential list (it was produced by an older pulldoctor): run the audit again to see the timeline.</p>`]);
  if (r.expiries.length === 0) return section("expiries", title, [`<p class="muted">No service-principal cluster with a readable credential: managed-identity clusters have no secret to expire.</p>`]);
  const windowDays = r.options.expiringWithinDays;
  const axis = timelineAxis(Date.parse(r.generatedAt), windowDays);
  const shown = credentialsToShow(r.expiries, max);
  const replaced = appsWithValid(r.expiries);
  const rows = shown.map((e) => {
    const state = stateOf(e, axis);
    const cred = [e.type === "password" ? "secret" : "certificate", e.credentialName ? `“${e.credentialName}”` : "", e.keyId ? `keyId ${e.keyId}` : ""].filter((s) => s !== "").join(" ");
    return [
      `<tr data-app="${safeLine(e.appId)}" data-state="${state}">`,
      `<th scope="row">${safeLine(e.principalName ?? "(no display name)")}<br><code class="id">${safeLine(e.appId)}</code></th>`,
      `<td>${safeLine(cred)}<br><span class="muted">on the ${e.owner === "application" ? "app registration" : "service principal"}</span></td>`,
      `<td>${e.endDateTime ? safeLine(e.endDateTime) : `<span class="muted">none</span>`}</td>`,
      `<td class="state-${state}">${escapeHtml(relative(e, axis))}${e.newestValid ? "<br><strong>newest valid</strong>" : ""}${e.expired && replaced.has(e.appId) ? `<br><span class="muted">replaced by a newer credential</span>` : ""}</td>`,
      `<td>${clusterNames(e.clusters, nameOf)}</td>`,
      `</tr>`,
    ].join("");
  });
  return section("expiries", title, [
    `<p class="muted">Client secrets and certificates of the service principals that clusters sign in with, soonest end first. A cluster stops pulling when the newest one ends.</p>`,
    `<div class="timeline-wrap">`,
    timelineSvg(shown, axis, windowDays, replaced),
    `</div>`,
    `<table class="expiries">`,
    `<caption>The credentials of the timeline, as text</caption>`,
    `<thead><tr><th scope="col">Service principal</th><th scope="col">Credential</th><th scope="col">Ends</th><th scope="col">Status</th><th scope="col">Clusters</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
    moreNote(shown.length, r.expiries.length, "credentials (superseded or expiring later)", "--format json lists every one"),
  ].filter((s) => s !== ""));
}

// ---------------------------------------------------------------------------------------------------------
// Footer and page
// ---------------------------------------------------------------------------------------------------------

function footerHtml(r: AuditHtmlInput, max: number): string {
  const out: string[] = [`<footer>`];
  if (r.unattributed.length > 0) {
    out.push(
      `<details class="inputs"><summary>Kubernetes evidence not attributed to a cluster (${r.unattributed.length})</summary>`,
      `<table><thead><tr><th scope="col">File</th><th scope="col">Reason</th><th scope="col">Items</th></tr></thead><tbody>`,
      ...r.unattributed.slice(0, max).map((u) => `<tr><td><code>${safeLine(u.file)}</code></td><td>${safeText(u.reason)}</td><td class="num">${u.count}</td></tr>`),
      `</tbody></table>`,
      moreNote(Math.min(max, r.unattributed.length), r.unattributed.length, "files", "--format json lists every one"),
      `</details>`,
    );
  }
  if (r.inputs.errors.length > 0) {
    out.push(
      `<details class="inputs"><summary>Unreadable input files (${r.inputs.errors.length})</summary>`,
      `<ul>`,
      ...r.inputs.errors.slice(0, max).map((e) => `<li><code>${safeLine(e.file)}</code>: ${safeText(e.reason ?? "error")}</li>`),
      `</ul>`,
      moreNote(Math.min(max, r.inputs.errors.length), r.inputs.errors.length, "files", "--format json lists every one"),
      `</details>`,
    );
  }
  out.push(`<p class="muted">pulldoctor ${safeLine(r.tool.version)} · ${safeLine(r.generatedAt)} · every finding with its evidence and fix: <code>pulldoctor audit --format json</code> or <code>csv</code></p>`, `</footer>`);
  return out.filter((s) => s !== "").join("\n");
}

const AUDIT_CSS = `
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; list-style: none; padding: 0; margin: 0.5rem 0 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.has-errors { color: var(--fail); font-weight: 700; }
td.has-warnings { color: var(--warning); font-weight: 700; }
.denied { color: var(--fail); }
code.id { color: var(--muted); font-size: 0.78em; }
code.fix { white-space: pre-wrap; }
.cluster-name { font-weight: 600; }
table.codes td.bar-cell { width: 30%; min-width: 8rem; vertical-align: middle; }
table.codes th[scope="row"] code, table.registry-findings code.code { white-space: nowrap; overflow-wrap: normal; }
svg.bar { display: block; width: 100%; height: 0.9rem; }
svg.bar rect { fill: var(--info); }
svg.bar rect.bar-error { fill: var(--fail); }
svg.bar rect.bar-warning { fill: var(--warning); }
.more { font-weight: 600; }
.caveat { font-weight: 600; }
.timeline-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
svg.timeline { display: block; min-width: 44rem; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
svg.timeline text { fill: var(--fg); font-size: 12px; }
svg.timeline .tick-label, svg.timeline .legend { fill: var(--muted); font-size: 11px; }
svg.timeline .axis-label { font-weight: 700; }
svg.timeline .tick { stroke: var(--border); stroke-width: 1; }
svg.timeline .row-guide { stroke: var(--border); stroke-width: 0.5; stroke-dasharray: 2 4; }
svg.timeline .now-line { stroke: var(--fg); stroke-width: 2; }
svg.timeline .window { fill: var(--unknown-bg); }
svg.timeline .expired-zone { fill: var(--fail-bg); }
svg.timeline .marker-label { paint-order: stroke; stroke: var(--bg); stroke-width: 3px; stroke-linejoin: round; }
svg.timeline .marker .dot { stroke: var(--bg); stroke-width: 1.5; }
svg.timeline .marker-expired .dot { fill: var(--fail); }
svg.timeline .marker-expiring .dot { fill: var(--warning); }
svg.timeline .marker-later .dot { fill: var(--pass); }
svg.timeline .marker.newest .dot { stroke: var(--fg); stroke-width: 2; }
svg.timeline .marker.newest .marker-label { font-weight: 700; }
td.state-expired { color: var(--fail); font-weight: 600; }
td.state-expiring { color: var(--warning); font-weight: 600; }
table caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
@media print {
  nav.toc { display: none; }
  svg.timeline, table.codes { break-inside: avoid; }
  .timeline-wrap { overflow: visible; }
  svg.timeline { min-width: 0; }
  table.clusters, table.expiries, table.registry-findings { font-size: 9pt; }
  thead { display: table-header-group; }
}
`;

const CSS = REPORT_CSS + AUDIT_CSS;

/** The fleet audit as one self-contained HTML page. Pure and deterministic (the only time shown is the audit's own). */
export function renderAuditHtml(result: AuditHtmlInput, options: AuditHtmlOptions = {}): string {
  const maxClusters = options.maxClusters ?? 200;
  const maxRegistries = options.maxRegistries ?? 200;
  const maxCredentials = options.maxCredentials ?? 60;
  const maxRegistryFindings = options.maxRegistryFindings ?? 500;
  const maxBaselineFindings = options.maxBaselineFindings ?? 500;

  const names = new Map(result.clusters.map((c) => [c.id, c.name]));
  const nameOf = (id: string) => names.get(id) ?? id.split("/").pop() ?? id;
  const urls = docsUrls(result);
  // worst first whatever order the result came in (a JSON re-rendered, say): errors, then warnings, then infos
  const ranked = result.clusters.map((c) => ({ c, n: severityCounts(c.findings) }));
  ranked.sort((a, b) => b.n.error - a.n.error || b.n.warning - a.n.warning || b.n.info - a.n.info);
  const withFindings = ranked.filter((x) => x.c.findings.length > 0).length;
  const sev = result.summary.bySeverity;

  const page = [
    ...pageHead(CSS, result.tool.version, `pulldoctor audit: ${plural(sev.error, "error")}, ${plural(sev.warning, "warning")} on ${plural(result.summary.clusters, "cluster")}`),
    headerHtml(result, withFindings),
    `<nav class="toc" aria-label="Sections"><ul>`,
    ...(result.baseline ? [`<li><a href="#baseline">Since the baseline</a></li>`] : []),
    `<li><a href="#codes">Findings by code</a></li>`,
    `<li><a href="#clusters">Worst clusters</a></li>`,
    `<li><a href="#unpullable">Registries no cluster can pull from</a></li>`,
    `<li><a href="#expiries">Credential expiries</a></li>`,
    `<li><a href="#registry-findings">Registry practices</a></li>`,
    `<li><a href="#unknown">Checks that could not be made</a></li>`,
    `</ul></nav>`,
    `<main>`,
    baselineSection(result, urls, maxBaselineFindings),
    codesSection(result, urls),
    clustersSection(result, ranked, maxClusters),
    nobodySection(result, nameOf, maxRegistries),
    expiriesSection(result, nameOf, maxCredentials),
    registryFindingsSection(result, urls, maxRegistryFindings),
    unknownsSection(result, nameOf, maxRegistries),
    `</main>`,
    footerHtml(result, maxRegistries),
    `</body>`,
    `</html>`,
  ];
  return page.filter((line) => line !== "").join("\n") + "\n";
}
