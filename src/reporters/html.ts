// HTML reporter: one self-contained page (inline CSS and SVG, no script, no external resource) that an engineer
// in an incident opens to *see* where the pull path breaks. The troubleshooting flow is drawn at the top, each
// hop coloured by the worst outcome of its checks and linked to its section; below, per stage, the findings with
// their proof and fix, what could not be checked and what passed.
// Every dynamic string is untrusted (event messages, tags, annotations come from the cluster): it is stripped of
// control characters, scrubbed of credential-looking values and HTML-escaped; links are emitted for http(s) only.
// A Content-Security-Policy forbids every script and remote load, as a second line of defence.

import { createHash } from "node:crypto";
import type { Severity } from "../codes/causes.js";
import { redact } from "../classify/classify.js";
import { DOCS_BASE } from "../engine/evaluate.js";
import { STAGES, STAGE_TITLES, type Evidence, type Finding, type Passed, type Report, type Stage, type Unknown } from "../engine/types.js";
import { countReport, findingsInFlowOrder, groupByStage, noErrorLine, plural, sanitizeLine, sanitizeMultiline, stageTitle, summaryLine } from "./text.js";

// ---------------------------------------------------------------------------------------------------------
// Text safety shared by the file reporters (HTML, SARIF, JUnit)
// ---------------------------------------------------------------------------------------------------------

/**
 * Masks credential-looking values (bearer tokens, JWTs, `password=...`, long random blobs) that a buggy rule
 * might have copied into a message or evidence. Shell references such as `SECRET=$(az ...)` or `"$TOKEN"` are
 * commands, not values, and are kept intact so that a fix stays runnable.
 */
export function scrubSecrets(text: string): string {
  // U+2028 cannot survive sanitizeMultiline, so it is free to use as a guard: redact() never takes a value
  // that starts with whitespace, and JS regexes count U+2028 as whitespace.
  const guarded = sanitizeMultiline(text).replace(/=\$/g, "=\u2028$");
  return redact(guarded).replace(/=\u2028\$/g, "=$");
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/** Untrusted multi-line text -> safe HTML (line breaks kept for `white-space: pre-line` / `pre`). */
function t(text: string): string {
  return escapeHtml(scrubSecrets(text));
}

/** Untrusted one-line text -> safe HTML. */
function t1(text: string): string {
  return escapeHtml(scrubSecrets(sanitizeLine(text)));
}

/** The URL when it is a plain absolute http(s) URL, else undefined (javascript:, data:, relative, odd bytes). */
export function safeHttpUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^https?:\/\/[^\s<>"'`\\]+$/i.test(raw)) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Stage states
// ---------------------------------------------------------------------------------------------------------

/** fail: an error or warning finding; unknown: a check could not run; pass: checks ran and none failed; none: nothing checked. */
export type StageState = "fail" | "unknown" | "pass" | "none";

export interface StageStatus {
  stage: Stage;
  state: StageState;
  errors: number;
  warnings: number;
  infos: number;
  unknown: number;
  passed: number;
}

/** The worst outcome of every stage of the flow, in `STAGES` order. */
export function stageStatuses(report: Report): StageStatus[] {
  return STAGES.map((stage) => {
    const findings = report.findings.filter((f) => f.stage === stage);
    const errors = findings.filter((f) => f.severity === "error").length;
    const warnings = findings.filter((f) => f.severity === "warning").length;
    const infos = findings.length - errors - warnings;
    const unknown = report.unknown.filter((u) => u.stage === stage).length;
    const passed = report.passed.filter((p) => p.stage === stage).length;
    const state: StageState =
      errors + warnings > 0 ? "fail" : unknown > 0 ? "unknown" : passed + infos > 0 ? "pass" : "none";
    return { stage, state, errors, warnings, infos, unknown, passed };
  });
}

const STATE_LABEL: Record<StageState, { icon: string; text: string }> = {
  fail: { icon: "✖", text: "fail" },
  unknown: { icon: "?", text: "unknown" },
  pass: { icon: "✔", text: "pass" },
  none: { icon: "–", text: "no checks" },
};

const SHORT_STAGE: Record<Stage, string> = {
  identity: "Identity",
  rbac: "RBAC",
  network: "Network",
  registry: "Registry",
  image: "Image",
  external: "External",
};

const SEVERITY_LABEL: Record<Severity, { icon: string; text: string }> = {
  error: { icon: "✖", text: "error" },
  warning: { icon: "▲", text: "warning" },
  info: { icon: "ℹ", text: "info" },
};

function severityBadge(severity: string): string {
  const label = (SEVERITY_LABEL as Record<string, { icon: string; text: string } | undefined>)[severity];
  if (!label) return `<span class="sev sev-other">${t1(severity)}</span>`;
  return `<span class="sev sev-${severity}"><span aria-hidden="true">${label.icon} </span>${label.text}</span>`;
}

function stateBadge(state: StageState): string {
  const l = STATE_LABEL[state];
  return `<span class="state state-${state}"><span aria-hidden="true">${l.icon} </span>${l.text}</span>`;
}

function countsText(s: StageStatus): string {
  const parts: string[] = [];
  if (s.errors > 0) parts.push(plural(s.errors, "error"));
  if (s.warnings > 0) parts.push(plural(s.warnings, "warning"));
  if (s.infos > 0) parts.push(plural(s.infos, "info"));
  if (s.unknown > 0) parts.push(`${s.unknown} unknown`);
  if (s.passed > 0) parts.push(`${s.passed} passed`);
  return parts.length === 0 ? "no check applied" : parts.join(", ");
}

/** A fragment id for a stage; stages outside STAGES (defensive) get a slug of their own name. */
function stageAnchor(stage: string): string {
  return `stage-${stage.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "other"}`;
}

// ---------------------------------------------------------------------------------------------------------
// Flow diagram
// ---------------------------------------------------------------------------------------------------------

const NODE_W = 148;
const NODE_H = 92;
const GAP = 34;
const PAD = 4;

function flowSvg(statuses: StageStatus[]): string {
  const width = statuses.length * NODE_W + (statuses.length - 1) * GAP + 2 * PAD;
  const height = NODE_H + 2 * PAD;
  const summary = statuses.map((s) => `${SHORT_STAGE[s.stage]}: ${STATE_LABEL[s.state].text}`).join("; ");
  const out: string[] = [];
  out.push(
    `<svg class="flow" role="img" aria-labelledby="flow-title flow-desc" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="flow-title">Image pull troubleshooting flow</title>`,
    `<desc id="flow-desc">${escapeHtml(summary)}</desc>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>`,
  );
  statuses.forEach((s, i) => {
    const x = PAD + i * (NODE_W + GAP);
    const cx = x + NODE_W / 2;
    const label = STATE_LABEL[s.state];
    if (i > 0) {
      const from = x - GAP + 2;
      out.push(`<line class="edge" x1="${from}" y1="${PAD + NODE_H / 2}" x2="${x - 3}" y2="${PAD + NODE_H / 2}" marker-end="url(#arrow)"/>`);
    }
    // tabindex -1: the links below the diagram are the keyboard and screen-reader route (the SVG is one image)
    out.push(
      `<a class="node" href="#${stageAnchor(s.stage)}" tabindex="-1" data-stage="${s.stage}" data-state="${s.state}">`,
      `<title>${escapeHtml(`${STAGE_TITLES[s.stage]}: ${label.text} (${countsText(s)})`)}</title>`,
      `<rect x="${x}" y="${PAD}" width="${NODE_W}" height="${NODE_H}" rx="10"/>`,
      `<text class="node-name" x="${cx}" y="${PAD + 28}" text-anchor="middle">${escapeHtml(SHORT_STAGE[s.stage])}</text>`,
      `<text class="node-state" x="${cx}" y="${PAD + 54}" text-anchor="middle">${escapeHtml(`${label.icon} ${label.text}`)}</text>`,
      `<text class="node-count" x="${cx}" y="${PAD + 76}" text-anchor="middle">${escapeHtml(shortCounts(s))}</text>`,
      `</a>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n");
}

/** What fits under a node: the worst kind of entry and its number. */
function shortCounts(s: StageStatus): string {
  const findings = s.errors + s.warnings + s.infos;
  if (findings > 0) return plural(findings, "finding");
  if (s.unknown > 0) return `${s.unknown} not checked`;
  if (s.passed > 0) return `${s.passed} passed`;
  return "not applicable";
}

function flowList(statuses: StageStatus[]): string {
  const items = statuses.map(
    (s) =>
      `<li data-stage="${s.stage}" data-state="${s.state}"><a href="#${stageAnchor(s.stage)}">${escapeHtml(STAGE_TITLES[s.stage])}</a> ${stateBadge(s.state)} <span class="muted">${escapeHtml(countsText(s))}</span></li>`,
  );
  return `<ol class="flow-list">\n${items.join("\n")}\n</ol>`;
}

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

function evidenceTable(evidence: readonly Evidence[]): string {
  const rows = evidence.map(
    (e) =>
      `<tr><td data-label="Source">${t1(e.source)}</td><td data-label="Path"><code>${t1(e.path)}</code></td><td class="observed" data-label="Observed">${t(e.observed)}</td><td class="expected" data-label="Expected">${e.expected !== undefined ? t(e.expected) : '<span class="muted">—</span>'}</td></tr>`,
  );
  return [
    `<table class="evidence">`,
    `<colgroup><col class="c-source"><col class="c-path"><col class="c-observed"><col class="c-expected"></colgroup>`,
    `<thead><tr><th scope="col">Source</th><th scope="col">Path</th><th scope="col">Observed</th><th scope="col">Expected</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody>`,
    `</table>`,
  ].join("\n");
}

function docsLink(f: Finding): string {
  const fallback = /^[a-z0-9-]+$/.test(f.rule) ? `${DOCS_BASE}${f.rule}.md` : undefined;
  const raw = f.docs ?? fallback;
  const url = safeHttpUrl(raw);
  if (url !== undefined) return `<p class="docs"><a href="${escapeHtml(url)}">Rule page: ${t1(f.rule)}</a></p>`;
  if (raw !== undefined) return `<p class="docs">Rule page (not a web link): ${t1(raw)}</p>`;
  return "";
}

function findingHtml(f: Finding, id: string): string {
  const out: string[] = [];
  out.push(`<article class="finding finding-${escapeHtml(sanitizeLine(f.severity))}" id="${id}" data-code="${t1(f.code)}" aria-labelledby="${id}-h">`);
  out.push(`<h3 id="${id}-h">${severityBadge(f.severity)} <code class="code">${t1(f.code)}</code> <span class="title">${t1(f.title)}</span></h3>`);
  const meta = [`<dt>Subject</dt><dd><code>${t1(f.subject)}</code></dd>`, `<dt>Rule</dt><dd>${t1(f.rule)}</dd>`];
  if (f.confidence !== undefined) meta.push(`<dt>Confidence</dt><dd>${t1(f.confidence)}</dd>`);
  out.push(`<dl class="meta">${meta.join("")}</dl>`);
  if (f.message.trim() !== "") out.push(`<p class="message">${t(f.message)}</p>`);
  if (f.evidence.length > 0) out.push(`<h4>Evidence</h4>`, evidenceTable(f.evidence));
  if (f.remediation.length > 0) {
    const commands = f.remediation.map((c) => scrubSecrets(c)).join("\n");
    out.push(`<h4>Fix</h4>`, `<pre class="fix"><code>${escapeHtml(commands)}</code></pre>`);
  }
  out.push(docsLink(f));
  out.push(`</article>`);
  return out.filter((s) => s !== "").join("\n");
}

function unknownHtml(u: Unknown): string {
  const subject = u.subject !== undefined ? ` <span class="muted">on</span> <code>${t1(u.subject)}</code>` : "";
  return `<li class="unknown-item"><strong>${t1(u.check)}</strong>${subject}<br><span class="reason">Reason: ${t(u.reason)}</span></li>`;
}

function passedHtml(p: Passed): string {
  const subject = p.subject !== undefined ? ` <span class="muted">on</span> <code>${t1(p.subject)}</code>` : "";
  const message = p.message.trim() !== "" ? `: <span class="message">${t(p.message)}</span>` : "";
  return `<li class="passed-item"><span aria-hidden="true">✔ </span>${t1(p.check)}${subject}${message}</li>`;
}

interface StageBlock {
  stage: string;
  findings: Finding[];
  unknown: Unknown[];
  passed: Passed[];
}

/** Every STAGES stage (so that every diagram link lands), then any stage the report carries that STAGES lacks. */
function stageBlocks(report: Report): StageBlock[] {
  const blocks = new Map<string, StageBlock>();
  for (const s of STAGES) blocks.set(s, { stage: s, findings: [], unknown: [], passed: [] });
  const get = (stage: string): StageBlock => {
    let b = blocks.get(stage);
    if (!b) {
      b = { stage, findings: [], unknown: [], passed: [] };
      blocks.set(stage, b);
    }
    return b;
  };
  for (const g of findingsInFlowOrder(report.findings)) get(g.stage).findings.push(...g.items);
  for (const g of groupByStage(report.unknown)) get(g.stage).unknown.push(...g.items);
  for (const g of groupByStage(report.passed)) get(g.stage).passed.push(...g.items);
  return [...blocks.values()];
}

function stageSection(block: StageBlock, status: StageStatus | undefined, nextFindingId: () => string): string {
  const anchor = stageAnchor(block.stage);
  const title = stageTitle(block.stage, STAGE_TITLES);
  const state = status?.state ?? (block.findings.some((f) => f.severity !== "info") ? "fail" : block.unknown.length > 0 ? "unknown" : "pass");
  const out: string[] = [];
  out.push(`<section class="stage" id="${escapeHtml(anchor)}" data-stage="${t1(block.stage)}" data-state="${state}" aria-labelledby="${escapeHtml(anchor)}-h">`);
  out.push(`<h2 id="${escapeHtml(anchor)}-h">${t1(title)} ${stateBadge(state)}</h2>`);
  if (block.findings.length === 0 && block.unknown.length === 0 && block.passed.length === 0) {
    out.push(`<p class="muted">No check of this stage applied to the evidence.</p>`);
  }
  for (const f of block.findings) out.push(findingHtml(f, nextFindingId()));
  if (block.unknown.length > 0) {
    out.push(`<h3 class="unknown-h">Could not check (${block.unknown.length})</h3>`, `<ul class="unknowns">`, ...block.unknown.map(unknownHtml), `</ul>`);
  }
  if (block.passed.length > 0) {
    out.push(`<details class="passed"><summary>Passed (${block.passed.length})</summary>`, `<ul>`, ...block.passed.map(passedHtml), `</ul>`, `</details>`);
  }
  out.push(`</section>`);
  return out.join("\n");
}

function headerHtml(report: Report): string {
  const counts = countReport(report);
  const verdictClass = counts.errors > 0 ? "fail" : counts.unknown > 0 || counts.warnings > 0 ? "unknown" : "pass";
  const rows: [string, string[]][] = [
    ["Clusters", report.subjects.clusters],
    ["Registries", report.subjects.registries],
    ["Images", report.subjects.images],
  ];
  const subjects = rows
    .filter(([, values]) => values.length > 0)
    .map(([label, values]) => `<dt>${label}</dt>${values.map((v) => `<dd><code>${t1(v)}</code></dd>`).join("")}`)
    .join("");
  const input = [report.inputs.kind, report.inputs.location ?? ""].filter((s) => s !== "").map(t1).join(" ");
  const out = [
    `<header>`,
    `<h1>pulldoctor: image pull diagnosis</h1>`,
    `<p class="verdict verdict-${verdictClass}" id="verdict"><strong>${escapeHtml(summaryLine(counts))}</strong>${counts.errors === 0 ? `<br>${escapeHtml(noErrorLine(counts))}` : ""}</p>`,
    subjects !== "" ? `<dl class="subjects">${subjects}</dl>` : `<p class="muted">No cluster, registry or image was named.</p>`,
    `<p class="muted">Input: ${input} (${plural(report.inputs.files.length, "file")}) · generated ${t1(report.generatedAt)} by pulldoctor ${t1(report.tool.version)}</p>`,
    `</header>`,
  ];
  return out.join("\n");
}

function inputsHtml(report: Report): string {
  if (report.inputs.files.length === 0) return "";
  const rows = report.inputs.files.map(
    (f) =>
      `<tr><td><code>${t1(f.file)}</code></td><td>${t1(f.status)}</td><td>${f.kinds.map(t1).join(", ")}</td><td>${f.reason !== undefined ? t(f.reason) : ""}</td></tr>`,
  );
  return [
    `<details class="inputs"><summary>Input files (${report.inputs.files.length})</summary>`,
    `<table><thead><tr><th scope="col">File</th><th scope="col">Status</th><th scope="col">Recognised as</th><th scope="col">Note</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody></table>`,
    `</details>`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------------------

const CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa; --link: #0550ae;
  --fail: #b42318; --fail-bg: #fdecea; --unknown: #8a4b00; --unknown-bg: #fff3d6;
  --pass: #116329; --pass-bg: #e3f4e8; --none: #59636e; --none-bg: #eef1f4;
  --warning: #8a4b00; --info: #0550ae;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9ea8b3; --border: #3d444d; --panel: #151b23; --link: #71b7ff;
    --fail: #ff8a80; --fail-bg: #3d1515; --unknown: #f2c94c; --unknown-bg: #3a2b07;
    --pass: #6fdc8c; --pass-bg: #10301b; --none: #9ea8b3; --none-bg: #222932;
    --warning: #f2c94c; --info: #71b7ff;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
a { color: var(--link); }
a:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
code { overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.75rem; padding-bottom: 0.3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.05rem; margin: 0 0 0.5rem; }
h4 { font-size: 0.95rem; margin: 1rem 0 0.4rem; }
.muted { color: var(--muted); }
.verdict { font-size: 1.1rem; padding: 0.6rem 0.9rem; border-radius: 8px; border-left: 6px solid; }
.verdict-fail { background: var(--fail-bg); border-color: var(--fail); }
.verdict-unknown { background: var(--unknown-bg); border-color: var(--unknown); }
.verdict-pass { background: var(--pass-bg); border-color: var(--pass); }
dl.subjects { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.75rem 0; }
dl.subjects dt { grid-column: 1; font-weight: 600; }
dl.subjects dd { grid-column: 2; margin: 0; }
nav { margin-top: 1.5rem; }
.flow-wrap { overflow-x: auto; }
svg.flow { display: block; min-width: 40rem; height: auto; margin: 0.5rem 0 1rem; }
svg.flow .node rect { stroke-width: 2.5; }
svg.flow .node[data-state="fail"] rect { fill: var(--fail-bg); stroke: var(--fail); stroke-width: 4; }
svg.flow .node[data-state="unknown"] rect { fill: var(--unknown-bg); stroke: var(--unknown); stroke-dasharray: 8 4; }
svg.flow .node[data-state="pass"] rect { fill: var(--pass-bg); stroke: var(--pass); }
svg.flow .node[data-state="none"] rect { fill: var(--none-bg); stroke: var(--none); stroke-dasharray: 2 4; }
svg.flow .node text { fill: var(--fg); font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
svg.flow .node-name { font-size: 17px; font-weight: 700; }
svg.flow .node-state { font-size: 15px; font-weight: 700; }
svg.flow .node[data-state="fail"] .node-state { fill: var(--fail); }
svg.flow .node[data-state="unknown"] .node-state { fill: var(--unknown); }
svg.flow .node[data-state="pass"] .node-state { fill: var(--pass); }
svg.flow .node[data-state="none"] .node-state { fill: var(--none); }
svg.flow .node-count { font-size: 13px; }
svg.flow .node:hover rect { filter: brightness(0.95); }
svg.flow .edge { stroke: var(--muted); stroke-width: 2; }
svg.flow .arrow-head { fill: var(--muted); }
.flow-list { margin: 0; padding-left: 1.5rem; }
.flow-list li { margin: 0.15rem 0; }
.state, .sev { display: inline-block; font-size: 0.8rem; font-weight: 700; padding: 0.05rem 0.45rem; border-radius: 999px; border: 1px solid; vertical-align: 0.1em; white-space: nowrap; }
.state-fail, .sev-error { color: var(--fail); background: var(--fail-bg); }
.state-unknown, .sev-warning { color: var(--unknown); background: var(--unknown-bg); }
.state-pass { color: var(--pass); background: var(--pass-bg); }
.state-none, .sev-info, .sev-other { color: var(--none); background: var(--none-bg); }
.sev-info { color: var(--info); }
.finding { border: 1px solid var(--border); border-left: 6px solid var(--none); border-radius: 8px; padding: 0.9rem 1rem; margin: 0 0 1rem; background: var(--bg); }
.finding-error { border-left-color: var(--fail); }
.finding-warning { border-left-color: var(--warning); }
.finding-info { border-left-color: var(--info); }
.finding .code { font-weight: 700; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0.4rem 0; font-size: 0.92rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.message, .reason { white-space: pre-line; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { border: 1px solid var(--border); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--panel); }
td.observed, td.expected { white-space: pre-wrap; }
table.evidence { table-layout: fixed; }
table.evidence col.c-source { width: 16%; }
table.evidence col.c-path { width: 22%; }
table.evidence col.c-observed { width: 40%; }
table.evidence col.c-expected { width: 22%; }
table.evidence td:nth-child(2) code { overflow-wrap: anywhere; }
pre.fix { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 0.7rem 0.9rem; overflow-x: auto; margin: 0; }
pre.fix code { overflow-wrap: normal; }
.docs { margin: 0.7rem 0 0; }
ul.unknowns { padding-left: 1.2rem; }
ul.unknowns li { margin-bottom: 0.4rem; }
details { margin: 0.75rem 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 2.5rem; border-top: 1px solid var(--border); padding-top: 0.75rem; font-size: 0.9rem; }
@media (max-width: 40rem) {
  body { padding: 0.75rem; }
  table.evidence, table.evidence tbody, table.evidence tr, table.evidence td { display: block; width: auto; }
  table.evidence thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.evidence tr { border: 1px solid var(--border); margin-bottom: 0.5rem; }
  table.evidence td { border: 0; border-top: 1px solid var(--border); }
  table.evidence td::before { content: attr(data-label); display: block; font-weight: 600; color: var(--muted); }
}
@media print {
  :root { --bg: #ffffff; --fg: #000000; --muted: #3d3d3d; --border: #9a9a9a; --panel: #f3f3f3; --link: #000000; }
  html, body { background: #fff; color: #000; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  .finding, tr, pre, svg.flow { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  pre.fix { white-space: pre-wrap; overflow-wrap: anywhere; }
  .docs a::after { content: " <" attr(href) ">"; font-size: 0.85em; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: block; }
}
`;

function cspFor(css: string): string {
  const hash = createHash("sha256").update(css, "utf8").digest("base64");
  // no script at all; the one inline stylesheet by hash; nothing fetched from anywhere
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; base-uri 'none'; form-action 'none'`;
}

/** Everything up to `<body>`: the one inline stylesheet, allowed by its hash and nothing else (see cspFor). */
export function pageHead(css: string, version: string, title: string): string[] {
  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${cspFor(css)}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="color-scheme" content="light dark">`,
    `<meta name="generator" content="pulldoctor ${t1(version)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${css}</style>`,
    `</head>`,
    `<body>`,
  ];
}

/** Renders a report as one self-contained HTML page. Pure and deterministic (the only time shown is generatedAt). */
export function renderHtml(report: Report): string {
  const statuses = stageStatuses(report);
  const statusByStage = new Map<string, StageStatus>(statuses.map((s) => [s.stage, s]));
  let findingNo = 0;
  const nextFindingId = (): string => `finding-${++findingNo}`;
  const sections = stageBlocks(report).map((b) => stageSection(b, statusByStage.get(b.stage), nextFindingId));
  const counts = countReport(report);

  const page = [
    ...pageHead(CSS, report.tool.version, `pulldoctor: ${summaryLine(counts)}`),
    headerHtml(report),
    `<nav aria-labelledby="flow-h">`,
    `<h2 id="flow-h">Troubleshooting flow</h2>`,
    `<div class="flow-wrap">`,
    flowSvg(statuses),
    `</div>`,
    flowList(statuses),
    `</nav>`,
    `<main>`,
    ...sections,
    `</main>`,
    `<footer>`,
    inputsHtml(report),
    `<p class="muted">pulldoctor ${t1(report.tool.version)} · ${t1(report.generatedAt)}</p>`,
    `</footer>`,
    `</body>`,
    `</html>`,
  ];
  return page.filter((s) => s !== "").join("\n") + "\n";
}

// for the fleet audit page (src/audit/html.ts): the same escaping, stylesheet and badges (pageHead carries the CSP)
export { t as safeText, t1 as safeLine, CSS as REPORT_CSS, severityBadge };
