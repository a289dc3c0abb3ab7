// `pulldoctor sandbox --scenario DIR`: serve a scenario until interrupted, and say how to point tools at it.

import { existsSync, statSync } from "node:fs";
import { startSandbox, type Sandbox } from "../sandbox/server.js";
import { UsageError } from "./errors.js";

export interface SandboxCmdOptions {
  scenario: string;
  latencyMs?: string;
}

function parseLatency(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new UsageError(`--latency-ms must be a whole number of milliseconds, got "${v}"`);
  return n;
}

export async function openSandbox(opts: SandboxCmdOptions): Promise<Sandbox> {
  if (!existsSync(opts.scenario) || !statSync(opts.scenario).isDirectory()) throw new UsageError(`scenario folder ${opts.scenario} does not exist`);
  return startSandbox({ scenarioDir: opts.scenario, latencyMs: parseLatency(opts.latencyMs) });
}

/** What to paste into a shell; the client secret is a sandbox placeholder that guards nothing. */
export function sandboxInstructions(sb: Sandbox): string {
  const lines = Object.entries(sb.env).map(([k, v]) => `export ${k}='${v}'`);
  return [
    `pulldoctor sandbox listening on ${sb.url} (Ctrl-C to stop)`,
    "",
    ...lines,
    "",
    `# then:`,
    `pulldoctor diagnose -g '${sb.resourceGroup}' -n '${sb.clusterName}' --subscription '${sb.subscriptionId}'`,
    `kubectl --kubeconfig '${sb.kubeconfigPath}' get events -A`,
    "",
  ].join("\n");
}

/** Resolves when the process is interrupted (SIGINT/SIGTERM) or `signal` aborts; then stops the sandbox. */
export async function serveUntilInterrupted(sb: Sandbox, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    signal?.addEventListener("abort", done, { once: true });
  });
  await sb.stop();
}
