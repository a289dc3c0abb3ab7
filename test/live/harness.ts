// Shared helpers for the live tests: run the real live diagnose (SDK clients -> sandbox) and the offline one.

import { startSandbox, type Fault, type Sandbox } from "../../src/sandbox/server.js";
import { liveSnapshot } from "../../src/cli/live.js";
import { readEvidenceFolder } from "../../src/evidence/read.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { RULES } from "../../src/rules/index.js";
import type { Report } from "../../src/engine/types.js";
import type { Snapshot } from "../../src/snapshot/types.js";

/** The scenarios' reference date (shared/scenarios/README.md): expiry checks compare against it. */
export const SCENARIO_NOW = new Date("2026-11-28T12:00:00Z");

export function findingKeys(report: Pick<Report, "findings">): string[] {
  return report.findings.map((f) => `${f.code}|${f.severity}|${f.subject.toLowerCase()}`).sort();
}

export async function withSandbox<T>(dir: string, f: (sb: Sandbox) => Promise<T>, opts: { faults?: Fault[]; latencyMs?: number; pageSize?: number } = {}): Promise<T> {
  const sb = await startSandbox({ scenarioDir: dir, ...opts });
  try {
    return await f(sb);
  } finally {
    await sb.stop();
  }
}

export async function liveAgainst(sb: Sandbox, extra: { timeout?: string; image?: string[]; registry?: string[] } = {}): Promise<{ snapshot: Snapshot; report: Report }> {
  const stderr: string[] = [];
  const snapshot = await liveSnapshot(
    { resourceGroup: sb.resourceGroup, name: sb.clusterName, subscription: sb.subscriptionId, kubeconfig: sb.kubeconfigPath, now: SCENARIO_NOW, ...extra },
    { stderr: (s) => stderr.push(s), stderrIsTTY: false, env: { ...sb.env } },
  );
  return { snapshot, report: evaluate(snapshot, RULES) };
}

export async function offline(dir: string): Promise<Report> {
  return evaluate(await readEvidenceFolder(dir, { now: SCENARIO_NOW }), RULES);
}
