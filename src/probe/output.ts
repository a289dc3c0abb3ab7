// What `pulldoctor probe` writes: a JSON document `diagnose --evidence` recognises, or lines for a person.

import type { ProbeResult, ProbeStep } from "../snapshot/types.js";

export const PROBE_DOCUMENT_KIND = "PulldoctorProbeResults";

export interface ProbeDocument {
  kind: typeof PROBE_DOCUMENT_KIND;
  probeVersion: 1;
  results: ProbeResult[];
}

export function probeDocument(results: ProbeResult[]): ProbeDocument {
  return { kind: PROBE_DOCUMENT_KIND, probeVersion: 1, results: results.map((r, i) => ({ ...r, source: { file: r.source.file, path: `$.results[${i}]` } })) };
}

export function probeFailed(results: ProbeResult[]): boolean {
  return results.some((r) => r.steps.some((s) => s.status === "fail"));
}

const MARK: Record<ProbeStep["status"], string> = { ok: "ok  ", fail: "FAIL", skipped: "skip" };

function stepLine(s: ProbeStep): string {
  const tags = [s.endpoint === "data" ? "data" : undefined, s.audience ? `${s.audience} audience` : undefined].filter((x) => x).join(", ");
  const head = `  ${MARK[s.status]} ${s.step.padEnd(8)} ${s.target}${tags ? ` [${tags}]` : ""}`;
  const time = s.durationMs !== undefined ? ` (${s.durationMs} ms)` : "";
  const detail = s.detail ?? s.error?.message;
  return `${head}${time}${detail ? `\n         ${detail}` : ""}`;
}

export function renderProbeText(results: ProbeResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const where = r.node ? ` from ${[r.node.name, [r.node.os, r.node.arch, r.node.variant].filter((x) => x).join("/")].filter((x) => x).join(" ")}` : "";
    const who = r.identity ? ` as ${r.identity.kind}${r.identity.clientId ? ` ${r.identity.clientId}` : ""}${r.identity.username ? ` ${r.identity.username}` : ""}` : "";
    lines.push(`${r.image ?? r.registry}${where}${who}`);
    for (const s of r.steps) lines.push(stepLine(s));
    const failed = r.steps.find((s) => s.status === "fail");
    lines.push(failed ? `  => fails at ${failed.step}${failed.endpoint === "data" ? " (data endpoint)" : ""}: ${failed.error?.message ?? failed.detail ?? ""}` : "  => every step passed");
    lines.push("");
  }
  return lines.join("\n");
}
