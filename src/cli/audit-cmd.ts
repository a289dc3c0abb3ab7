// `pulldoctor audit`: the recommended practices over many clusters and registries. Argument parsing, the library
// call, a reporter and the exit code; nothing else.
import { Command, CommanderError, Option } from "commander";
import { createWriteStream, readFileSync } from "node:fs";
import { once } from "node:events";
import { audit, failsAt } from "../audit/audit.js";
import { BaselineError, compareWithBaseline, parseAuditBaseline, type AuditBaseline } from "../audit/baseline.js";
import { auditJsonChunks, auditToReport, renderAuditCsv, renderAuditTerminal } from "../audit/render.js";
import { renderAuditHtml } from "../audit/html.js";
import { readEvidenceFolder } from "../evidence/read.js";
import { isFormat, render } from "../reporters/index.js";
import { UsageError } from "./errors.js";
import type { EvidenceFileReport, Snapshot } from "../snapshot/types.js";

export interface AuditIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** live audit draws its progress line on stderr only when stderr is a terminal */
  stderrIsTTY?: boolean;
}

export const AUDIT_OUTPUT_FORMATS = ["terminal", "json", "csv", "markdown", "sarif", "html", "junit"] as const;

interface AuditCliOptions {
  evidence?: string;
  subscription?: string[];
  managementGroup?: string[];
  timeout?: string;
  format: string;
  output?: string;
  color?: boolean;
  now?: string;
  expiringWithin: string;
  failOn: "error" | "warning" | "none";
  top: string;
  baseline?: string;
}

function days(v: string): number {
  const m = /^(\d+)d?$/.exec(v.trim());
  if (!m) throw new UsageError(`--expiring-within must be a number of days like 30 or 30d, got "${v}"`);
  return Number(m[1]);
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got "${v}"`);
  return n;
}

function colour(io: AuditIO, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (flag === true || (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0")) return true;
  return io.isTTY;
}

async function writeChunks(file: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(file, { encoding: "utf8" });
  const failed = once(out, "error").then(([e]) => Promise.reject(new UsageError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)));
  failed.catch(() => {});
  for (const c of chunks) if (!out.write(c)) await Promise.race([once(out, "drain"), failed]);
  out.end();
  await Promise.race([once(out, "finish"), failed]);
}

/** Register `audit` on the program; `setExitCode` receives 0 or 1 (usage errors throw UsageError, which the caller maps to 2). */
export function registerAuditCommand(program: Command, io: AuditIO, setExitCode: (code: number) => void): Command {
  return program
    .command("audit")
    .description("audit many clusters and registries for the recommended practices: expiring credentials, over-broad and orphaned role assignments, admin user, anonymous pull, registries no cluster can pull from")
    .option("-e, --evidence <dir>", "folder of az / kubectl JSON output for many clusters (one folder per cluster for kubectl output); az graph query exports work too")
    .option("--subscription <id>", "live: audit this subscription through Azure Resource Graph (repeatable; default: every subscription the credential can read)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--management-group <id>", "live: audit the subscriptions under this management group (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--timeout <seconds>", "live: give up on the whole collection after this long (default 300)")
    .addOption(new Option("-f, --format <format>", `output format: ${AUDIT_OUTPUT_FORMATS.join(", ")}`).default("terminal"))
    .option("-o, --output <file>", "write the result to a file instead of stdout")
    .option("--color", "force colour")
    .option("--no-color", "disable colour (NO_COLOR is respected too)")
    .option("--now <iso-date>", "reference time for expiry checks (default: now)")
    .option("--expiring-within <days>", "report credentials expiring within this many days", "30")
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding at or above this severity exists (with --baseline: a new one)").choices(["error", "warning", "none"]).default("error"))
    .option("--top <n>", "clusters and registries listed in the terminal summary", "25")
    .option("--baseline <file>", "an earlier `audit --format json` result: mark each finding new or unchanged, list the ones gone, and let --fail-on count only new findings")
    .addHelpText("after", `
Examples:
  pulldoctor audit                                          # live: every subscription az login can read (Resource Graph)
  pulldoctor audit --subscription <id> --subscription <id>  # live: these subscriptions
  pulldoctor audit --management-group platform --format json
  pulldoctor audit --evidence ./fleet
  pulldoctor audit --evidence ./fleet --format csv -o findings.csv
  pulldoctor audit --evidence ./fleet --format json --fail-on warning   # CI gate
  pulldoctor audit --baseline last-night.json --format json -o tonight.json  # fail only on what is new since last night

Exit status: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 the tool could not run.`)
    .action(async (opts: AuditCliOptions) => {
      const format = opts.format;
      if (!(AUDIT_OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown --format "${format}"; use one of: ${AUDIT_OUTPUT_FORMATS.join(", ")}`);
      // sarif, markdown and junit come from the shared reporters; refuse before the (long) audit when this build lacks them
      if (!["terminal", "json", "csv"].includes(format) && !isFormat(format)) throw new UsageError(`--format ${format} is not available in this build yet`);
      const expiringWithinDays = days(opts.expiringWithin);
      const top = positive(opts.top, "--top");
      let now: Date | undefined;
      if (opts.now) {
        now = new Date(opts.now);
        if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO date like 2026-11-28 or 2026-11-28T12:00:00Z, got "${opts.now}"`);
      }
      // read before the (long) audit: a wrong path should cost a second, not a tenant's collection
      const baseline = opts.baseline === undefined ? undefined : readBaseline(opts.baseline);
      const scoped = (opts.subscription?.length ?? 0) > 0 || (opts.managementGroup?.length ?? 0) > 0;
      if (opts.evidence && (scoped || opts.timeout !== undefined)) throw new UsageError("--evidence reads a folder; --subscription, --management-group and --timeout are for a live audit: use one or the other");
      let snapshot: Snapshot | undefined;
      if (!opts.evidence) {
        const { liveAuditSnapshot } = await import("./audit-live.js");
        snapshot = await liveAuditSnapshot({ subscriptions: opts.subscription ?? [], managementGroups: opts.managementGroup ?? [], timeout: opts.timeout, now }, { stderr: io.stderr, stderrIsTTY: io.stderrIsTTY === true, env: io.env });
      } else {
        try {
          snapshot = await readEvidenceFolder(opts.evidence, { now });
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      reportUnreadInputs(snapshot.input.files, io.stderr);
      const audited = audit(snapshot, { expiringWithinDays });
      const result = baseline ? compareWithBaseline(audited, baseline) : audited;
      snapshot = undefined; // a tenant's facts are most of the heap: let them go before rendering
      const useColour = opts.output ? false : colour(io, opts.color);
      let chunks: Iterable<string>;
      if (format === "terminal") chunks = [renderAuditTerminal(result, { color: useColour, top })];
      else if (format === "json") chunks = auditJsonChunks(result);
      else if (format === "csv") chunks = [renderAuditCsv(result)];
      else if (format === "html") chunks = [renderAuditHtml(result)];
      else if (isFormat(format)) chunks = [render(auditToReport(result), format, { color: useColour })];
      else throw new UsageError(`--format ${format} is not available in this build yet`);
      if (opts.output) await writeChunks(opts.output, chunks);
      else for (const c of chunks) io.stdout(c);
      setExitCode(opts.failOn !== "none" && failsAt(result, opts.failOn) ? 1 : 0);
    });
}

function readBaseline(file: string): AuditBaseline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--baseline ${file} cannot be read: ${code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a directory" : (code ?? (e as Error).message)}`);
  }
  try {
    return parseAuditBaseline(text, file);
  } catch (e) {
    if (e instanceof BaselineError) throw new UsageError(e.message);
    throw e;
  }
}

/** Inputs that could not be read or looked up, one line each up to a few, then a count: a tenant whose Graph refuses
 *  every lookup would otherwise print one line per principal. The JSON report lists them all. */
const UNREAD_LINES = 5;
function reportUnreadInputs(files: readonly EvidenceFileReport[], stderr: (s: string) => void): void {
  const errors = files.filter((f) => f.status === "error");
  for (const f of errors.slice(0, UNREAD_LINES)) stderr(`pulldoctor: ${f.file}: ${f.reason ?? "unreadable"}\n`);
  const more = errors.length - UNREAD_LINES;
  if (more > 0) stderr(`pulldoctor: and ${more} more input${more === 1 ? "" : "s"} could not be read (every one is in the JSON report's inputs.errors)\n`);
}

/**
 * `pulldoctor audit ARGS` as a program of its own, with the same error contract as the main CLI (usage errors are one
 * line and exit 2). Used by the benchmark and tests; the main CLI registers the command with registerAuditCommand.
 */
export async function runAudit(args: string[], io: AuditIO): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("pulldoctor")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(s) });
  registerAuditCommand(program, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(["audit", ...args], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.help" ? 0 : 2;
    if (e instanceof UsageError) {
      io.stderr(`pulldoctor: ${e.message}\n`);
      return 2;
    }
    io.stderr(`pulldoctor: internal error: ${(e as Error).message}\n`);
    return 2;
  }
}
