// `pulldoctor probe`: the node-side probe as a command. Runs anywhere (a laptop, a VM, the probe Job's pod).

import { Option, type Command } from "commander";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { ProbeOptions } from "../probe/run.js";
import { probeDocument, probeFailed, renderProbeText } from "../probe/output.js";
import { currentPlatform, parsePlatform } from "../probe/platform.js";
import { SecretSet } from "../probe/secrets.js";
import { UsageError } from "./errors.js";

export interface ProbeCommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

interface ProbeFlags {
  image?: string[];
  registry?: string[];
  azureJson?: string;
  identity: boolean;
  pullSecret?: string;
  dnsServer?: string[];
  resolve?: string[];
  caFile?: string[];
  platform?: string;
  osVersion?: string;
  nodeName?: string;
  timeout: string;
  stepTimeout?: string;
  output?: string;
  format: string;
  imdsEndpoint?: string;
  authorityHost?: string;
  exitZero?: boolean;
}

function seconds(flag: string, v: string): number {
  const n = Number(v.replace(/s$/, ""));
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new UsageError(`${flag} must be a number of seconds between 0 and 3600, got "${v}"`);
  return Math.round(n * 1000);
}

function resolveOverrides(values: string[] | undefined): Map<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const map = new Map<string, string>();
  for (const v of values) {
    const at = v.lastIndexOf(":");
    const host = at > 0 ? v.slice(0, at).trim().toLowerCase() : "";
    const ip = at > 0 ? v.slice(at + 1).trim() : "";
    if (!host || !/^[0-9a-f.:]+$/i.test(ip)) throw new UsageError(`--resolve must be HOST:IP, got "${v}"`);
    map.set(host, ip);
  }
  return map;
}

/** The options `pulldoctor probe` turns its flags into (exported for `diagnose --probe` and tests). */
export async function probeOptionsFromFlags(flags: ProbeFlags, env: NodeJS.ProcessEnv, secrets: SecretSet): Promise<ProbeOptions> {
  const timeoutMs = seconds("--timeout", flags.timeout);
  const platform = flags.platform ? parsePlatform(flags.platform, flags.osVersion) : { ...currentPlatform(), ...(flags.osVersion ? { osVersion: flags.osVersion } : {}) };
  if (!platform) throw new UsageError(`--platform must look like linux/amd64 or linux/arm64/v8, got "${flags.platform ?? ""}"`);
  const ca: string[] = [];
  for (const file of flags.caFile ?? []) {
    try {
      ca.push(await readFile(file, "utf8"));
    } catch (e) {
      throw new UsageError(`cannot read --ca-file ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  const nodeName = flags.nodeName ?? env.NODE_NAME ?? hostname();
  const overrides = resolveOverrides(flags.resolve);
  return {
    images: flags.image ?? [],
    registries: flags.registry ?? [],
    azureJsonPath: flags.identity === false ? null : flags.azureJson,
    ...(flags.pullSecret ? { pullSecretFile: flags.pullSecret } : {}),
    ...(flags.dnsServer ? { dnsServers: flags.dnsServer } : {}),
    ...(overrides ? { resolve: overrides } : {}),
    timeoutMs,
    ...(flags.stepTimeout ? { stepTimeoutMs: seconds("--step-timeout", flags.stepTimeout) } : {}),
    ...(ca.length > 0 ? { ca } : {}),
    platform,
    node: {
      name: nodeName, os: platform.os, arch: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}), ...(platform.osVersion ? { osVersion: platform.osVersion } : {}),
      ...(env.NODE_POOL ? { nodePool: env.NODE_POOL } : {}),
    },
    ...(flags.imdsEndpoint ? { imdsEndpoint: flags.imdsEndpoint } : {}),
    ...(flags.authorityHost ? { authorityHost: flags.authorityHost } : {}),
    secrets,
  };
}

/**
 * Adds `probe` to the program. `setExitCode` receives 0 when every step passed, 1 when one failed;
 * usage problems are thrown as UsageError (exit 2).
 */
export function registerProbeCommand(program: Command, io: ProbeCommandIO, setExitCode: (code: number) => void): Command {
  return program
    .command("probe")
    .description("probe the pull path from here (DNS, TCP, TLS, auth, token, manifest, platform, data endpoint) and write the result")
    .option("--image <ref...>", "image references to probe")
    .option("--registry <host...>", "registries to probe without an image (login server only)")
    .option("--azure-json <path>", "the node's azure.json (default /etc/kubernetes/azure.json when present)")
    .option("--no-identity", "do not use a node identity even if azure.json exists")
    .option("--pull-secret <file>", "a dockerconfigjson file (or a kubernetes.io/dockerconfigjson Secret as JSON)")
    .option("--dns-server <server...>", "ask these DNS servers (ip or ip:port) instead of the system resolver")
    .option("--resolve <host:ip...>", "fix the address of a host, like curl --resolve")
    .option("--ca-file <pem...>", "also trust these CA certificates")
    .option("--platform <os/arch[/variant]>", "match image indexes against this platform (default: this machine)")
    .option("--os-version <version>", "Windows build to match, e.g. 10.0.20348")
    .option("--node-name <name>", "node name to record (default $NODE_NAME or the host name)")
    .option("--timeout <seconds>", "bound for the whole probe", "20")
    .option("--step-timeout <seconds>", "bound for one network step (default 5, never beyond --timeout)")
    .option("-o, --output <file>", "write the result to a file instead of stdout")
    .option("--exit-zero", "exit 0 even when a step failed (DaemonSet init containers must not crash-loop)")
    .addOption(new Option("-f, --format <format>", "json or terminal").choices(["json", "terminal"]).default("terminal"))
    .addOption(new Option("--imds-endpoint <url>", "IMDS token endpoint (tests)").hideHelp())
    .addOption(new Option("--authority-host <url>", "Entra authority (sovereign clouds, tests)"))
    .addHelpText("after", `
Examples:
  pulldoctor probe --image contoso.azurecr.io/shop/api:1.4.2
  pulldoctor probe --image ghcr.io/org/app:1 --pull-secret ./dockerconfig.json --format json -o probe.json
  pulldoctor diagnose --evidence ./evidence      # with probe.json inside: failed steps become findings

Exit status: 0 every step passed, 1 a step failed, 2 the probe could not run.`)
    .action(async (flags: ProbeFlags) => {
      const secrets = new SecretSet();
      const options = await probeOptionsFromFlags(flags, io.env, secrets);
      let results;
      try {
        // the network stack (undici, DNS, TLS clients) loads only when a probe actually runs
        const { runProbe } = await import("../probe/run.js");
        results = await runProbe(options);
      } catch (e) {
        const { UsageProblem } = await import("../probe/run.js");
        if (e instanceof UsageProblem) throw new UsageError(e.message);
        throw e;
      }
      // a file named *.json gets JSON even without --format json: it is meant for `diagnose --evidence`
      const asJson = flags.format === "json" || (flags.output !== undefined && /\.json$/i.test(flags.output));
      const text = secrets.scrub(asJson ? JSON.stringify(probeDocument(results), null, 2) + "\n" : renderProbeText(results));
      if (flags.output) {
        await writeFile(flags.output, text, { encoding: "utf8", mode: 0o600 });
        io.stderr(`pulldoctor: wrote ${flags.output} (${results.length} probe result${results.length === 1 ? "" : "s"})\n`);
      } else io.stdout(text);
      setExitCode(probeFailed(results) && !flags.exitZero ? 1 : 0);
    });
}
