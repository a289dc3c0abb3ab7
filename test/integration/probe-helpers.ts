// Runs `pulldoctor probe` in-process and reads its JSON back the way `diagnose --evidence` does.

import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerProbeCommand } from "../../src/cli/probe-cmd.js";
import { UsageError } from "../../src/cli/errors.js";
import { snapshotFromFiles } from "../../src/evidence/read.js";
import { probeObservations } from "../../src/rules/lib/probe.js";
import type { Observation } from "../../src/rules/lib/observations.js";
import type { ProbeResult, Snapshot } from "../../src/snapshot/types.js";

export interface ProbeRun {
  code: number;
  stdout: string;
  stderr: string;
  results: ProbeResult[];
  snapshot: Snapshot;
  observations: Observation[];
  /** first cause code of each failure observation */
  codes: string[];
}

export async function runProbeCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  registerProbeCommand(program, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env }, (c) => (code = c));
  try {
    await program.parseAsync(["probe", ...args], { from: "user" });
  } catch (e) {
    if (e instanceof UsageError) {
      stderr += `pulldoctor: ${e.message}\n`;
      code = 2;
    } else if (e instanceof CommanderError) code = 2;
    else throw e;
  }
  return { code, stdout, stderr };
}

/** `probe --format json` (to stdout, or to `output` when given), recognised as evidence, turned into observations. */
export async function probeAndObserve(args: string[], output?: string): Promise<ProbeRun> {
  const run = await runProbeCli([...args, "--format", "json", ...(output ? ["--output", output] : [])]);
  if (run.code === 2) throw new Error(`probe could not run: ${run.stderr}`);
  const text = output ? readFileSync(output, "utf8") : run.stdout;
  const snapshot = snapshotFromFiles([{ name: "probe.json", content: text }]);
  const results = snapshot.probeResults.status === "ok" ? snapshot.probeResults.value : [];
  if (results.length === 0) throw new Error(`probe output not recognised as evidence: ${JSON.stringify(snapshot.input.files)}\n${text.slice(0, 2000)}`);
  const observations = probeObservations(snapshot);
  const codes = observations.filter((o) => o.outcome === "failure").map((o) => o.classification?.causes[0]?.code ?? "?");
  return { ...run, results, snapshot, observations, codes };
}

export function stepsSummary(run: ProbeRun): string {
  return run.results.map((r) => r.steps.map((s) => `${s.step}${s.endpoint === "data" ? "(data)" : ""}${s.audience ? `[${s.audience}]` : ""}=${s.status}${s.error ? `(${s.error.kind}/${s.error.code ?? ""}/${s.error.httpStatus ?? ""})` : ""}`).join(" ")).join("\n");
}
