// `pulldoctor explain`: the JSON result ({ causes: [{ code, confidence }] }, CAUSES.md contract) and its
// short terminal rendering.

import { CAUSES } from "../codes/causes.js";
import { classify, type Classification, type ClassifiedCause, type Confidence } from "./classify.js";

export interface ExplainResult {
  causes: ClassifiedCause[];
  classification: Classification;
}

export interface RenderOptions { color: boolean }

export function explain(text: string): ExplainResult {
  const classification = classify(text);
  return { causes: classification.causes, classification };
}

const MAX_ALTERNATIVES_SHOWN = 6;
const MAX_ERROR_SHOWN = 400;

type Paint = (text: string) => string;

interface Palette {
  bold: Paint;
  dim: Paint;
  confidence: (confidence: Confidence) => Paint;
}

function palette(color: boolean): Palette {
  const sgr = (open: string): Paint => (color ? (text: string) => `\u001b[${open}m${text}\u001b[0m` : (text: string) => text);
  const byConfidence: Record<Confidence, Paint> = { high: sgr("31"), medium: sgr("33"), low: sgr("36") };
  return { bold: sgr("1"), dim: sgr("2"), confidence: (c) => byConfidence[c] };
}

function describeCause(cause: ClassifiedCause): string {
  const info = CAUSES[cause.code];
  return `${info.category} · ${info.meaning}`;
}

function observedFacts(c: Classification): string[] {
  const facts: string[] = [];
  if (c.image) facts.push(`image ${c.image}`);
  if (c.host) facts.push(`registry ${c.host}${c.hostKind ? ` (${c.hostKind})` : ""}`);
  if (c.stage) facts.push(`stage ${c.stage}`);
  if (c.tokenFetch) facts.push(`${c.tokenFetch} token`);
  if (c.httpStatus !== undefined) facts.push(`HTTP ${c.httpStatus}`);
  if (c.ip) facts.push(`IP ${c.ip}${c.privateIp ? " (private)" : ""}`);
  if (c.resolver) facts.push(`resolver ${c.resolver}`);
  return facts;
}

function nextStep(c: Classification): string | undefined {
  if (c.causeless) {
    return "This text does not say why the pull failed. Collect the `Failed to pull image` event with "
      + "`kubectl get events -n NS --field-selector involvedObject.name=POD` (events expire after about an hour), "
      + "or the kubelet/containerd log on the node (`journalctl -u kubelet -u containerd`).";
  }
  if (c.causes[0]?.code === "PULL_FAILURE_UNCLASSIFIED") {
    return "Keep the raw message as evidence; `pulldoctor diagnose` can check the registry, identity and network facts.";
  }
  const first = c.causes[0];
  if (first && first.confidence !== "high") {
    return "The message alone cannot settle this; `pulldoctor diagnose` decides between these causes from role assignments, registry and network facts.";
  }
  return undefined;
}

export function renderExplainText(result: ExplainResult, opts: RenderOptions): string {
  const paint = palette(opts.color);
  const c = result.classification;
  const [top, ...alternatives] = result.causes;
  const lines: string[] = [];
  if (top) {
    lines.push(`${paint.bold("Most likely:")} ${paint.bold(top.code)}  ${paint.confidence(top.confidence)(`(${top.confidence} confidence)`)}`);
    lines.push(`  ${describeCause(top)}`);
  }
  if (alternatives.length > 0) {
    lines.push(paint.bold("Also possible:"));
    for (const alt of alternatives.slice(0, MAX_ALTERNATIVES_SHOWN)) {
      lines.push(`  - ${alt.code} ${paint.confidence(alt.confidence)(`(${alt.confidence})`)} · ${paint.dim(CAUSES[alt.code].meaning)}`);
    }
    if (alternatives.length > MAX_ALTERNATIVES_SHOWN) {
      lines.push(paint.dim(`  … and ${alternatives.length - MAX_ALTERNATIVES_SHOWN} more (--format json lists all)`));
    }
  }
  lines.push(`${paint.bold("Why:")} ${c.explanation}`);
  const facts = observedFacts(c);
  if (facts.length > 0) lines.push(`${paint.bold("Seen:")} ${facts.join(" · ")}`);
  if (c.firstError) {
    const shown = c.firstError.length > MAX_ERROR_SHOWN ? `${c.firstError.slice(0, MAX_ERROR_SHOWN)}…` : c.firstError;
    lines.push(`${paint.bold("Error:")} ${paint.dim(shown)}`);
  }
  const next = nextStep(c);
  if (next) lines.push(`${paint.bold("Next:")} ${next}`);
  return `${lines.join("\n")}\n`;
}
