// `pulldoctor diagnose -g RG -n CLUSTER`: builds the real clients (the only place that does), runs the live
// collection under one deadline and shows progress on stderr.

import { readFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { SdkArmReader } from "../clients/arm.js";
import { SdkGraphReader } from "../clients/graph.js";
import { ClientNodeKubeReader } from "../clients/kube.js";
import { ClientNodeKubeWriter } from "../clients/kube-writer.js";
import type { KubeWriter, LiveClients } from "../clients/types.js";
import { collectLive, type ProgressEvent } from "../collectors/live.js";
import { runProbeJobs } from "../collectors/probe-job.js";
import { DEFAULT_PROBE_IMAGE, DEFAULT_PROBE_NAMESPACE } from "../probe/job.js";
import type { Snapshot } from "../snapshot/types.js";
import { UsageError } from "./errors.js";
import { buildCredential, trustedCas, trustSettings } from "./credential.js";
import { parseTimeout } from "./timeout.js";

export interface LiveOptions {
  resourceGroup: string;
  name: string;
  subscription?: string;
  namespace?: string;
  image?: string[];
  registry?: string[];
  /** seconds */
  timeout?: string;
  context?: string;
  kubeconfig?: string;
  verbose?: boolean;
  now?: Date;
  /** the only mode that writes: one probe Job per node pool, created and deleted */
  probe?: boolean;
  probeNamespace?: string;
  probeImage?: string;
}

export interface LiveIO {
  stderr: (s: string) => void;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export const DEFAULT_TIMEOUT_S = 30;

/** The az CLI's default subscription (`az account show`), read from its profile file; undefined when absent. */
function azDefaultSubscription(env: NodeJS.ProcessEnv): string | undefined {
  const file = join(env.AZURE_CONFIG_DIR ?? join(homedir(), ".azure"), "azureProfile.json");
  if (!existsSync(file)) return undefined;
  try {
    // az writes this file with a UTF-8 BOM
    const profile = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, "")) as { subscriptions?: { id?: string; isDefault?: boolean }[] };
    return profile.subscriptions?.find((s) => s.isDefault)?.id;
  } catch {
    return undefined;
  }
}

export function buildLiveClients(env: NodeJS.ProcessEnv, opts: { context?: string; kubeconfig?: string }): LiveClients {
  const ca = trustedCas(env);
  const trust = trustSettings(ca);
  const credential = buildCredential(env, trust);
  let kube: ClientNodeKubeReader;
  try {
    kube = new ClientNodeKubeReader({ kubeconfig: opts.kubeconfig ?? env.PULLDOCTOR_KUBECONFIG ?? env.KUBECONFIG?.split(":")[0], context: opts.context });
  } catch (e) {
    throw new UsageError(`cannot load the kubeconfig: ${(e as Error).message.split("\n")[0]}`);
  }
  return {
    arm: new SdkArmReader(credential, { endpoint: env.PULLDOCTOR_ARM_ENDPOINT, tlsOptions: trust }),
    graph: new SdkGraphReader(credential, { endpoint: env.PULLDOCTOR_GRAPH_ENDPOINT, ca: trust?.ca, secureContext: trust?.secureContext }),
    kube,
  };
}

/** One status line, redrawn in place on a TTY. */
class ProgressLine {
  private readonly active = new Map<string, number>();
  private last = "";
  constructor(private readonly io: LiveIO, private readonly verbose: boolean) {}

  update(e: ProgressEvent): void {
    if (e.type === "start") this.active.set(e.call, (this.active.get(e.call) ?? 0) + 1);
    else {
      for (const k of [...this.active.keys()]) {
        if (e.call.includes(k) || k === e.call) {
          const n = (this.active.get(k) ?? 1) - 1;
          if (n <= 0) this.active.delete(k);
          else this.active.set(k, n);
          break;
        }
      }
    }
    if (this.io.stderrIsTTY) {
      const reading = [...this.active.keys()].slice(0, 3).join(", ");
      const line = `  reading (wave ${e.wave}, ${e.finished}/${e.started} done)${reading ? `: ${reading}` : ""}`;
      const cols = process.stderr.columns ?? 100;
      const shown = line.length > cols - 1 ? `${line.slice(0, cols - 2)}…` : line;
      if (shown !== this.last) this.io.stderr(`\r\x1b[2K${shown}`);
      this.last = shown;
      if (e.type === "failed") this.io.stderr(`\r\x1b[2K  ! ${e.message ?? e.call}\n`);
    } else if (this.verbose && e.type !== "start") {
      this.io.stderr(`pulldoctor: ${e.type === "done" ? "read" : "failed"} ${e.type === "done" ? e.call : (e.message ?? e.call)}\n`);
    }
  }

  clear(): void {
    if (this.io.stderrIsTTY && this.last) this.io.stderr("\r\x1b[2K");
  }
}

function buildKubeWriter(env: NodeJS.ProcessEnv, opts: { context?: string; kubeconfig?: string }): KubeWriter {
  try {
    return new ClientNodeKubeWriter({ kubeconfig: opts.kubeconfig ?? env.PULLDOCTOR_KUBECONFIG ?? env.KUBECONFIG?.split(":")[0], context: opts.context });
  } catch (e) {
    throw new UsageError(`cannot load the kubeconfig: ${(e as Error).message.split("\n")[0]}`);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export async function liveSnapshot(opts: LiveOptions, io: LiveIO, clients?: LiveClients, writer?: KubeWriter): Promise<Snapshot> {
  const timeoutS = parseTimeout(opts.timeout, DEFAULT_TIMEOUT_S, 3600);
  const subscriptionId = opts.subscription ?? io.env.AZURE_SUBSCRIPTION_ID ?? azDefaultSubscription(io.env);
  if (!subscriptionId) throw new UsageError("no subscription: pass --subscription ID (or run `az account set`, or set AZURE_SUBSCRIPTION_ID)");
  const probeNamespace = opts.probeNamespace ?? DEFAULT_PROBE_NAMESPACE;
  if (opts.probe && !DNS_LABEL.test(probeNamespace)) throw new UsageError(`--probe-namespace must be a Kubernetes namespace name, got "${probeNamespace}"`);
  const live = clients ?? buildLiveClients(io.env, opts);
  const kubeWriter = opts.probe ? (writer ?? buildKubeWriter(io.env, opts)) : undefined;
  const progress = new ProgressLine(io, opts.verbose === true);
  const deadline = AbortSignal.timeout(timeoutS * 1000);
  let snapshot: Snapshot;
  try {
    snapshot = await collectLive(
      live,
      { subscriptionId, resourceGroup: opts.resourceGroup, clusterName: opts.name, namespace: opts.namespace, images: opts.image ?? [], registries: opts.registry ?? [] },
      // each of the (at most three) waves gets a fair share of the deadline, so one stalled call cannot starve the rest
      { abortSignal: deadline, onProgress: (e) => progress.update(e), callTimeoutMs: Math.max(500, Math.floor((timeoutS * 1000) / 3)) /* timers take whole milliseconds */, now: opts.now },
    );
  } finally {
    progress.clear();
  }
  if (!kubeWriter) return snapshot;
  // the probe phase has its own --timeout: pulling the probe image and probing take longer than reads
  return runProbeJobs(live.kube, kubeWriter, snapshot, {
    namespace: probeNamespace,
    probeImage: opts.probeImage ?? DEFAULT_PROBE_IMAGE,
    timeoutMs: timeoutS * 1000,
    images: opts.image ?? [],
    now: opts.now,
    onProgress: opts.verbose ? (m) => io.stderr(`pulldoctor: ${m}\n`) : undefined,
  });
}
