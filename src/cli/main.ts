#!/usr/bin/env node
import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { evaluate, exitCodeFor } from "../engine/evaluate.js";
import { RULES } from "../rules/index.js";
import { readEvidenceFolder } from "../evidence/read.js";
import { render, FORMATS, isFormat, type Format } from "../reporters/index.js";
import { explain, renderExplainText } from "../classify/explain.js";
import { UsageError } from "./errors.js";
import { readSnapshotFile, writeSnapshotFile } from "./snapshot-io.js";
import { VERSION } from "../version.js";
import type { Snapshot, AccessQuestion } from "../snapshot/types.js";
import type { Report } from "../engine/types.js";
import { answerCanI } from "./can-i.js";
import { registerProbeCommand } from "./probe-cmd.js";
import { registerAuditCommand } from "./audit-cmd.js";

interface IO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal (live progress display); defaults to false */
  stderrIsTTY?: boolean;
}

function useColor(io: IO, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (flag === true || (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0")) return true;
  return io.isTTY;
}

function parseDays(v: string): number {
  const m = /^(\d+)d?$/.exec(v.trim());
  if (!m) throw new UsageError(`--expiring-within must be a number of days like 30 or 30d, got "${v}"`);
  return Number(m[1]);
}

function parseNow(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now must be an ISO date like 2026-11-28 or 2026-11-28T12:00:00Z, got "${v}"`);
  return d;
}

function checkFormat(v: string): Format {
  if (!isFormat(v)) throw new UsageError(`unknown --format "${v}"; use one of: ${FORMATS.join(", ")}`);
  return v;
}

async function loadSnapshot(opts: { evidence?: string; snapshot?: string; now?: Date; image?: string[]; registry?: string[]; access?: AccessQuestion[] }): Promise<Snapshot> {
  if (opts.evidence && opts.snapshot) throw new UsageError("--evidence and --snapshot cannot be used together");
  const targets = { images: opts.image ?? [], registries: opts.registry ?? [], ...(opts.access ? { access: opts.access } : {}) };
  if (opts.snapshot) {
    const s = await readSnapshotFile(opts.snapshot);
    return { ...s, targets: { images: [...s.targets.images, ...targets.images], registries: [...s.targets.registries, ...targets.registries], access: [...(s.targets.access ?? []), ...(targets.access ?? [])] }, ...(opts.now ? { now: opts.now.toISOString() } : {}) };
  }
  if (opts.evidence) {
    try {
      const s = await readEvidenceFolder(opts.evidence, { now: opts.now, targets: { images: targets.images, registries: targets.registries } });
      return opts.access ? { ...s, targets: { ...s.targets, access: opts.access } } : s;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  throw new UsageError("nothing to diagnose: pass -g RG -n CLUSTER (live), --evidence DIR or --snapshot FILE");
}

/** One line per evidence file that could not be used, so a user sees at once what was ignored and why. */
function reportFileProblems(io: IO, snapshot: Snapshot): void {
  for (const f of snapshot.input.files) {
    if (f.status === "error") io.stderr(`pulldoctor: ${f.file}: ${f.reason ?? "unreadable"}\n`);
    else if (f.status === "skipped" && !/scenario expectations/.test(f.reason ?? "")) io.stderr(`pulldoctor: skipped ${f.file}: ${f.reason ?? "not recognised"}\n`);
  }
}

async function emit(io: IO, report: Report, format: Format, opts: { output?: string; color?: boolean; verbose?: boolean }): Promise<void> {
  const text = render(report, format, { color: opts.output ? false : useColor(io, opts.color), verbose: opts.verbose });
  if (opts.output) await writeFile(opts.output, text, "utf8");
  else io.stdout(text);
}

export async function run(argv: string[], io: IO): Promise<number> {
  let exitCode = 0;
  const program = new Command();
  program
    .name("pulldoctor")
    .description("Why can't this AKS cluster pull this image? Finds every cause, with proof and the command that fixes it.")
    .version(VERSION, "-V, --version")
    .option("--debug", "print stack traces for internal errors")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(s) })
    .showSuggestionAfterError(true)
    .addHelpText("after", `
Examples:
  pulldoctor demo                                      # a broken example environment, diagnosed live
  pulldoctor diagnose -g rg-aks -n aks-prod            # your cluster: az login + current kubeconfig
  pulldoctor diagnose --evidence ./evidence            # a folder of az / kubectl JSON output
  kubectl describe pod api-7d9 | pulldoctor explain -  # one error message -> its cause
  pulldoctor can-i <objectId> pull contosoacr/team/app --evidence ./evidence
  pulldoctor probe --image contosoacr.azurecr.io/team/app:1.2.3   # from a node: DNS, TLS, token, manifest

Exit status: 0 no error finding, 1 at least one error finding, 2 the tool could not run.`);

  const addReportOptions = (c: Command) =>
    c
      .addOption(new Option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`).default("terminal"))
      .option("-o, --output <file>", "write the report to a file instead of stdout")
      .option("--color", "force colour")
      .option("--no-color", "disable colour (NO_COLOR is respected too)")
      .option("-v, --verbose", "list passed checks and inputs")
      .option("--now <iso-date>", "reference time for expiry checks (default: now)")
      .option("--expiring-within <days>", "warn about credentials expiring within this many days", "30");

  addReportOptions(
    program
      .command("diagnose")
      .description("diagnose why images cannot be pulled: live (-g RG -n CLUSTER), from an evidence folder, or from a snapshot")
      .option("-e, --evidence <dir>", "folder of az / kubectl JSON output (and kubectl describe text)")
      .option("-s, --snapshot <file>", "a snapshot written by pulldoctor collect")
      .option("-g, --resource-group <rg>", "live: the cluster's resource group")
      .option("-n, --name <cluster>", "live: the cluster name")
      .option("--image <ref...>", "also diagnose these image references")
      .option("--registry <name...>", "also diagnose these registries (name, login server or id)")
      .option("--subscription <id>", "live: the cluster's subscription (default: az's current subscription)")
      .option("--namespace <ns>", "live: read only this namespace's pods and events")
      .option("--timeout <seconds>", "live: give up on Azure/Kubernetes calls after this long", "30")
      .option("--context <name>", "live: kubeconfig context (default: the current one)")
      .option("--kubeconfig <file>", "live: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
      .option("--probe", "live: also run `pulldoctor probe` on one node per node pool. The ONLY mode that writes to the cluster: it creates and deletes one Job per node pool in --probe-namespace (RBAC in deploy/rbac.yaml)")
      .option("--probe-namespace <ns>", "live --probe: namespace of the probe Jobs", "pulldoctor")
      .option("--probe-image <ref>", "live --probe: pulldoctor image the probe Jobs run (default ghcr.io/pulldoctor/pulldoctor:0.1.0, see deploy/README.md)")
      .addHelpText("after", `
Examples:
  pulldoctor diagnose -g rg-aks -n aks-prod
  pulldoctor diagnose -g rg-aks -n aks-prod --namespace shop --image contoso.azurecr.io/shop/api:1.4.3 --format json
  pulldoctor diagnose -g rg-aks -n aks-prod --probe      # writes: one probe Job per node pool, deleted afterwards
  pulldoctor diagnose --evidence ./evidence
  pulldoctor diagnose --evidence ./evidence --format json > report.json
  pulldoctor diagnose --snapshot snapshot.json --image contoso.azurecr.io/shop/api:1.4.2

Exit status: 0 no error finding, 1 at least one error finding, 2 the tool could not run.`),
  ).action(async (opts: { evidence?: string; snapshot?: string; resourceGroup?: string; name?: string; image?: string[]; registry?: string[]; subscription?: string; namespace?: string; timeout?: string; context?: string; kubeconfig?: string; probe?: boolean; probeNamespace?: string; probeImage?: string; format: string; output?: string; color?: boolean; verbose?: boolean; now?: string; expiringWithin: string }) => {
    const format = checkFormat(opts.format);
    const now = opts.now ? parseNow(opts.now) : undefined;
    if (opts.probe && (opts.evidence || opts.snapshot || !opts.resourceGroup || !opts.name)) throw new UsageError("--probe runs only with a live diagnosis (-g RESOURCE_GROUP -n CLUSTER)");
    let snapshot: Snapshot;
    if (!opts.evidence && !opts.snapshot && (opts.resourceGroup || opts.name)) {
      if (!opts.resourceGroup || !opts.name) throw new UsageError("live diagnosis needs both -g RESOURCE_GROUP and -n CLUSTER");
      const { liveSnapshot } = await import("./live.js");
      snapshot = await liveSnapshot({ ...opts, resourceGroup: opts.resourceGroup, name: opts.name, now }, { stderr: io.stderr, stderrIsTTY: io.stderrIsTTY === true, env: io.env });
    } else snapshot = await loadSnapshot({ evidence: opts.evidence, snapshot: opts.snapshot, now, image: opts.image, registry: opts.registry });
    reportFileProblems(io, snapshot);
    const report = evaluate(snapshot, RULES, { expiringWithinDays: parseDays(opts.expiringWithin) });
    await emit(io, report, format, opts);
    exitCode = exitCodeFor(report);
  });

  program
    .command("explain")
    .description("classify one pull error message (argument, or - for stdin) into cause codes")
    .argument("[message...]", "the error message, or - to read stdin (e.g. kubectl describe pod output)")
    .addOption(new Option("-f, --format <format>", "terminal or json").choices(["terminal", "json"]).default("terminal"))
    .option("--no-color", "disable colour")
    .addHelpText("after", `
Examples:
  pulldoctor explain 'Failed to pull image "contoso.azurecr.io/app:1": ... 403 Forbidden'
  kubectl describe pod api-7d9 | pulldoctor explain -
  pulldoctor explain --format json - < event.txt`)
    .action(async (words: string[], opts: { format: string; color?: boolean }) => {
      const text = words.length === 1 && words[0] === "-" ? await io.stdin() : words.join(" ");
      if (text.trim() === "") throw new UsageError("explain needs a message: pass it as an argument or use - to read stdin");
      const result = explain(text);
      if (opts.format === "json") io.stdout(JSON.stringify({ causes: result.causes, explanation: result.classification.explanation, ...(result.classification.host ? { host: result.classification.host } : {}), ...(result.classification.image ? { image: result.classification.image } : {}) }, null, 2) + "\n");
      else io.stdout(renderExplainText(result, { color: useColor(io, opts.color) }));
      exitCode = 0;
    });

  addReportOptions(
    program
      .command("can-i")
      .description("can PRINCIPAL pull or push on REGISTRY[/repository]? (RBAC, deny assignments, ABAC mode and conditions)")
      .argument("<principal>", "object id, app id or client id")
      .argument("<action>", "pull or push")
      .argument("<registry>", "registry name, login server or resource id, optionally /repository")
      .option("-e, --evidence <dir>", "folder of az JSON output (role assignments, registries, ...)")
      .option("-s, --snapshot <file>", "a snapshot written by pulldoctor collect")
      .addHelpText("after", `
Examples:
  pulldoctor can-i 6f1d2c3b-8a4e-4f7b-9c21-0d5e8a7b3c10 pull contosoacr/team/app --evidence ./evidence
  pulldoctor can-i <appId> push contosoacr.azurecr.io --snapshot snapshot.json

Exit status: 0 yes, 1 no, 2 cannot tell or could not run.`),
  ).action(async (principal: string, action: string, target: string, opts: { evidence?: string; snapshot?: string; format: string; output?: string; color?: boolean; now?: string }) => {
    if (action !== "pull" && action !== "push") throw new UsageError(`action must be pull or push, got "${action}"`);
    const format = checkFormat(opts.format);
    const slash = target.indexOf("/");
    const isId = target.startsWith("/subscriptions/");
    const registry = isId ? target : slash >= 0 ? target.slice(0, slash) : target;
    const repository = isId || slash < 0 ? undefined : target.slice(slash + 1);
    const question: AccessQuestion = { principal, action, registry, ...(repository ? { repository } : {}) };
    const snapshot = await loadSnapshot({ evidence: opts.evidence, snapshot: opts.snapshot, now: opts.now ? parseNow(opts.now) : undefined, access: [question] });
    reportFileProblems(io, snapshot);
    const { text, code, report } = answerCanI(snapshot, question, useColor(io, opts.color));
    if (format === "terminal") io.stdout(text);
    else await emit(io, report, format, opts);
    exitCode = code;
  });

  program
    .command("collect")
    .description("write a redacted snapshot file (no secrets) to attach to a ticket")
    .requiredOption("-e, --evidence <dir>", "folder of az / kubectl JSON output")
    .requiredOption("-o, --output <file>", "snapshot file to write")
    .option("--now <iso-date>", "reference time (default: now)")
    .addHelpText("after", `
Examples:
  pulldoctor collect --evidence ./evidence --output snapshot.json
  pulldoctor diagnose --snapshot snapshot.json          # later, anywhere: the same verdict

The snapshot holds facts only: pull-secret passwords, tokens and client secrets are reduced to host, user,
expiry and a fingerprint when the evidence is read.`)
    .action(async (opts: { evidence: string; output: string; now?: string }) => {
      const snapshot = await loadSnapshot({ evidence: opts.evidence, now: opts.now ? parseNow(opts.now) : undefined });
      reportFileProblems(io, snapshot);
      await writeSnapshotFile(opts.output, snapshot);
      io.stderr(`pulldoctor: wrote ${opts.output} (${snapshot.input.files.filter((f) => f.status === "used").length} evidence files)\n`);
      exitCode = 0;
    });

  program
    .command("render")
    .description("re-render a saved JSON report in another format")
    .argument("<report.json>", "a report written with --format json")
    .addOption(new Option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`).default("terminal"))
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--no-color", "disable colour")
    .addHelpText("after", `
Examples:
  pulldoctor diagnose --evidence ./evidence --format json > report.json
  pulldoctor render report.json --format html --output report.html
  pulldoctor render report.json --format sarif > pulldoctor.sarif`)
    .action(async (file: string, opts: { format: string; output?: string; color?: boolean }) => {
      const format = checkFormat(opts.format);
      let report: Report;
      try {
        report = JSON.parse(readFileSync(file, "utf8")) as Report;
      } catch (e) {
        throw new UsageError(`cannot read report ${file}: ${(e as NodeJS.ErrnoException).code ?? "not valid JSON"}`);
      }
      if (report.schemaVersion !== 1 || !Array.isArray(report.findings)) throw new UsageError(`${file} is not a pulldoctor JSON report`);
      await emit(io, report, format, opts);
      exitCode = exitCodeFor(report);
    });

  program
    .command("demo")
    .description("start the sandbox with a built-in broken environment and run the real live diagnose against it")
    .option("--no-color", "disable colour")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, "terminal")
    .addHelpText("after", `
Examples:
  pulldoctor demo
  pulldoctor demo --format html > demo.html

The demo never touches your Azure login or kubeconfig: it talks only to a local sandbox on 127.0.0.1.`)
    .action(async (opts: { color?: boolean; format: string }) => {
      const format = checkFormat(opts.format);
      const { demoEvidenceDir } = await import("./demo.js");
      const { startSandbox } = await import("../sandbox/server.js");
      const { liveSnapshot } = await import("./live.js");
      const sb = await startSandbox({ scenarioDir: demoEvidenceDir() });
      let snapshot: Snapshot;
      try {
        io.stderr(`pulldoctor: demo sandbox on ${sb.url}: diagnosing ${sb.clusterName} live through the Azure SDKs and the Kubernetes client\n`);
        // only the sandbox's variables: the user's own Azure login and kubeconfig are never touched by the demo
        snapshot = await liveSnapshot({ resourceGroup: sb.resourceGroup, name: sb.clusterName, subscription: sb.subscriptionId, kubeconfig: sb.kubeconfigPath }, { stderr: io.stderr, stderrIsTTY: io.stderrIsTTY === true, env: { ...sb.env } });
      } finally {
        await sb.stop();
      }
      const report = evaluate(snapshot, RULES);
      io.stdout(render(report, format, { color: useColor(io, opts.color) }));
      exitCode = 0;
    });

  program
    .command("sandbox")
    .description("serve a scenario folder as Azure Resource Manager, Microsoft Graph, Entra ID and the Kubernetes API until Ctrl-C")
    .requiredOption("--scenario <dir>", "evidence / scenario folder to serve")
    .option("--latency-ms <ms>", "delay every response by this many milliseconds", "0")
    .addHelpText("after", `
Examples:
  pulldoctor sandbox --scenario examples/demo-broken-cluster
  pulldoctor sandbox --scenario ./evidence --latency-ms 200   # then, in another shell, set the printed variables and:
  pulldoctor diagnose -g <RESOURCE_GROUP> -n <CLUSTER>`)
    .action(async (opts: { scenario: string; latencyMs?: string }) => {
      const { openSandbox, sandboxInstructions, serveUntilInterrupted } = await import("./sandbox-cmd.js");
      const sb = await openSandbox(opts);
      io.stdout(sandboxInstructions(sb));
      await serveUntilInterrupted(sb);
      exitCode = 0;
    });

  registerProbeCommand(program, io, (code) => (exitCode = code));
  registerAuditCommand(program, io, (code) => { exitCode = code; });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 2; // commander already printed its one-line message
    }
    if (e instanceof UsageError) {
      io.stderr(`pulldoctor: ${e.message}\n`);
      return 2;
    }
    const debug = argv.includes("--debug");
    io.stderr(`pulldoctor: internal error: ${(e as Error).message}${debug ? "\n" + (e as Error).stack : " (run with --debug for details)"}\n`);
    return 2;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import("node:fs")).realpathSync(process.argv[1])}`).href;
if (invokedDirectly) {
  // `pulldoctor ... | head` closes stdout early: that is the reader's choice, not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const code = await run(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdin: readStdin,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  });
  process.exitCode = code;
}
