// Live collection: read the cluster's world through injected clients in the fewest sequential waves the data
// dependencies allow, and feed every response to the SAME normalisers as an evidence folder (SnapshotBuilder,
// `source.file = live:GET <path>`). A failed call becomes an error fact naming the call, never an exception.
//
//   wave 1  cluster · registries of the subscription · Kubernetes events, pods, nodes, service accounts
//   wave 2  what needs ids from wave 1: the kubelet principal's role assignments; role + deny assignments at each
//           relevant registry; egress public IPs; node-RG scale sets; the kubelet identity; the node VNets;
//           Graph SP/app of an SP cluster; private endpoints and DNS zones (private registries); pull secrets
//           and each node subnet (its NSG / route table / NAT gateway ids, even when the VNet cannot be read)
//   wave 3  what needs wave 2: NSGs / route tables / NAT gateways of node subnets, privatelink zone links and
//           A records, custom role definitions, directory lookups of assigned principals, an SP cluster's own
//           role assignments, registries known only from role assignments

import { SnapshotBuilder } from "../evidence/read.js";
import { normId, parseArmId, roleGuid, sameId } from "../snapshot/ids.js";
import { FACT_KEYS, type Fact, type FactKey, type ManagedCluster, type Registry, type Snapshot } from "../snapshot/types.js";
import { BUILTIN_ROLES } from "../rules/lib/roles.js";
import { parseImageRef } from "../rules/lib/images.js";
import { LiveCallError, type CallOptions, type LiveClients, type LiveResult } from "../clients/types.js";

export interface LiveTarget {
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  namespace?: string;
  images: string[];
  registries: string[];
}

export interface ProgressEvent {
  type: "start" | "done" | "failed";
  wave: number;
  call: string;
  /** calls finished so far / started so far */
  finished: number;
  started: number;
  message?: string;
}

export interface CollectOptions {
  abortSignal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** parallel calls at most (default 16) */
  concurrency?: number;
  /** per-call time limit in ms (default 10 s); the whole collection is bounded by abortSignal */
  callTimeoutMs?: number;
  now?: Date;
}

class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

interface FactOutcome {
  okCalls: number;
  notFound: LiveCallError[];
  errors: LiveCallError[];
}

const UNCOLLECTED_REASON: Partial<Record<FactKey, string>> = {
  podDescriptions: "live collection reads pod events directly (no `kubectl describe` text)",
  probeResults: "live collection does not run node-side probes (run `pulldoctor probe` on a node and read its output as evidence)",
};

const NOT_NEEDED_REASON = "not needed for this cluster (live collection reads it only when the cluster uses it)";

type CallResult = { ok: true; body: unknown } | { ok: false; error: LiveCallError };

function registryScopeOf(scope: string): string | undefined {
  const p = parseArmId(scope);
  return p.type?.toLowerCase() === "microsoft.containerregistry/registries" && p.name ? scope.replace(/\/+$/, "") : undefined;
}

function subnetVnetId(subnetId: string): string | undefined {
  const m = /^(.*\/virtualnetworks\/[^/]+)\/subnets\/[^/]+$/i.exec(subnetId);
  return m?.[1];
}

export async function collectLive(clients: LiveClients, target: LiveTarget, options: CollectOptions = {}): Promise<Snapshot> {
  const builder = new SnapshotBuilder();
  const outcomes = new Map<FactKey, FactOutcome>();
  /** facts never read because a call they need failed, with that call's failure */
  const blocked = new Map<FactKey, LiveCallError[]>();
  const sem = new Semaphore(options.concurrency ?? 16);
  const callTimeout = options.callTimeoutMs ?? 10_000;
  let started = 0;
  let finished = 0;
  let wave = 0;

  const outcome = (k: FactKey): FactOutcome => {
    let o = outcomes.get(k);
    if (!o) outcomes.set(k, (o = { okCalls: 0, notFound: [], errors: [] }));
    return o;
  };

  /** The failures that left `k` without any answer (a 404 alongside a successful call is an answer). */
  const failuresOf = (k: FactKey): LiveCallError[] => {
    const o = outcomes.get(k);
    if (!o) return blocked.get(k) ?? [];
    return [...o.errors, ...(o.okCalls === 0 ? o.notFound : [])];
  };
  /** `facts` cannot be read because a call they depend on failed (used only for facts no call was made for). */
  const block = (facts: FactKey[], errs: LiveCallError[]): void => {
    if (errs.length === 0) return;
    for (const k of facts) {
      const prev = blocked.get(k) ?? [];
      blocked.set(k, [...prev, ...errs.filter((e) => !prev.some((p) => p.message === e.message))]);
    }
  };

  /** One call: bounded by the semaphore, the per-call timeout and the caller's signal; never throws. */
  const call = async (facts: FactKey[], label: string, f: (o: CallOptions) => Promise<LiveResult>, feed = true): Promise<CallResult> => {
    for (const k of facts) outcome(k);
    return sem.run(async () => {
      const myWave = wave;
      started++;
      options.onProgress?.({ type: "start", wave: myWave, call: label, finished, started });
      const signals = [AbortSignal.timeout(callTimeout)];
      if (options.abortSignal) signals.push(options.abortSignal);
      const abortSignal = AbortSignal.any(signals);
      try {
        const r = await settleBy(f({ abortSignal }), abortSignal, label);
        if (feed && r.body !== undefined) builder.addFile(`live:${r.call}`, JSON.stringify(r.body));
        for (const k of facts) outcome(k).okCalls++;
        finished++;
        options.onProgress?.({ type: "done", wave: myWave, call: r.call, finished, started });
        return { ok: true, body: r.body };
      } catch (e) {
        const err = e instanceof LiveCallError ? e : new LiveCallError(label, "other", `${label}: ${(e as Error).message ?? String(e)}`);
        for (const k of facts) (err.kind === "not-found" ? outcome(k).notFound : outcome(k).errors).push(err);
        finished++;
        options.onProgress?.({ type: "failed", wave: myWave, call: err.call, finished, started, message: err.message });
        return { ok: false, error: err };
      }
    });
  };

  const interim = (): Snapshot => builder.build({ now: options.now }, undefined);
  const ok = <T>(f: Fact<T[]>): T[] => (f.status === "ok" ? f.value : []);
  const { arm, graph, kube } = clients;
  const sub = target.subscriptionId;
  const ns = target.namespace;

  // ───── wave 1 ─────
  wave = 1;
  // sign-in overlaps with the Kubernetes reads; a failed sign-in shows up on the calls that need it
  const warm = (f: ((o?: CallOptions) => Promise<void>) | undefined): Promise<void> =>
    f ? f({ abortSignal: options.abortSignal }).catch(() => undefined) : Promise.resolve();
  const graphReady = warm(graph.prepare?.bind(graph));
  await Promise.all([
    warm(arm.prepare?.bind(arm)),
    call(["clusters"], "AKS cluster", (o) => arm.getManagedCluster(sub, target.resourceGroup, target.clusterName, o)),
    call(["registries"], "container registries", (o) => arm.listRegistries(sub, o)),
    call(["events"], "Kubernetes events", (o) => kube.listEvents(ns, o)),
    call(["pods"], "pods", (o) => kube.listPods(ns, o)),
    call(["nodes"], "nodes", (o) => kube.listNodes(o)),
    call(["serviceAccounts"], "service accounts", (o) => kube.listServiceAccounts(ns, o)),
  ]);
  let snap = interim();
  const cluster: ManagedCluster | undefined = ok(snap.clusters)[0];
  const registries = ok(snap.registries);
  if (!cluster) {
    block(["publicIps", "vmssIdentities", "userAssignedIdentities", "virtualNetworks", "roleAssignments", "servicePrincipals", "applications", "networkSecurityGroups", "routeTables", "natGateways", "roleDefinitions"], failuresOf("clusters"));
  }
  // which registries matter (and whether they are private) is known only from the registry list
  block(["roleAssignments", "denyAssignments", "privateEndpoints", "privateDnsZones", "privateDnsVnetLinks", "privateDnsARecordSets", "directoryLookups"], failuresOf("registries"));
  // pull secrets are named by pods and by their service accounts
  block(["pullSecrets"], [...failuresOf("pods"), ...failuresOf("serviceAccounts")]);

  // registries that matter: named by images (pods, events, --image) and by --registry
  const hosts = new Set<string>();
  const addImage = (img: string | undefined) => {
    if (!img) return;
    const ref = parseImageRef(img);
    if (ref.host) hosts.add(ref.host.toLowerCase());
  };
  for (const p of ok(snap.pods)) {
    for (const c of p.containers) addImage(c.image);
    for (const s of p.statuses) addImage(s.image);
  }
  for (const e of ok(snap.events)) for (const m of e.message.matchAll(/image "([^"]+)"/g)) addImage(m[1]);
  for (const i of target.images) addImage(i);
  const wanted = new Set(target.registries.map((r) => r.toLowerCase()));
  const relevant: Registry[] = registries.filter(
    (r) => hosts.has(r.loginServer.toLowerCase()) || wanted.has(r.name.toLowerCase()) || wanted.has(r.loginServer.toLowerCase()) || wanted.has(normId(r.id)),
  );
  const privateNetworking = relevant.some(
    (r) => r.publicNetworkAccess?.toLowerCase() === "disabled" || r.privateEndpointConnections.length > 0 || r.networkRuleSet?.defaultAction?.toLowerCase() === "deny",
  );

  // ───── wave 2 ─────
  wave = 2;
  const w2: Promise<unknown>[] = [];
  const isSp = cluster !== undefined && (cluster.servicePrincipalClientId ?? "msi").toLowerCase() !== "msi";
  const kubeletObjectId = cluster?.kubeletIdentity?.objectId;
  if (cluster && !isSp && kubeletObjectId) {
    const filter = `principalId eq '${kubeletObjectId}'`;
    w2.push(call(["roleAssignments"], "kubelet identity's role assignments", (o) => arm.listRoleAssignments(`/subscriptions/${sub}`, filter, o)));
  }
  for (const r of relevant) {
    w2.push(call(["roleAssignments"], `role assignments on ${r.name}`, (o) => arm.listRoleAssignments(r.id, undefined, o)));
    w2.push(call(["denyAssignments"], `deny assignments on ${r.name}`, (o) => arm.listDenyAssignments(r.id, o)));
  }
  let spBody: unknown;
  const nodeSubnetReads = new Map<string, Promise<CallResult>>();
  if (cluster && isSp && cluster.servicePrincipalClientId) {
    const appId = cluster.servicePrincipalClientId;
    w2.push(call(["servicePrincipals", "directoryLookups"], "cluster service principal", (o) => graph.servicePrincipalsByAppId(appId, o)).then((r) => (spBody = r.ok ? r.body : undefined)));
    w2.push(call(["applications"], "cluster app registration", (o) => graph.applicationsByAppId(appId, o)));
  }
  if (cluster) {
    const ips = [...new Set([...(cluster.networkProfile?.effectiveOutboundIpIds ?? []), ...(cluster.networkProfile?.natGatewayEffectiveOutboundIpIds ?? [])].map(normId))];
    const ipIds = ips.map((n) => [...(cluster.networkProfile?.effectiveOutboundIpIds ?? []), ...(cluster.networkProfile?.natGatewayEffectiveOutboundIpIds ?? [])].find((x) => normId(x) === n)!);
    for (const id of ipIds) w2.push(call(["publicIps"], "egress public IP", (o) => arm.getResource(id, o)));
    if (!isSp && cluster.nodeResourceGroup) {
      const nodeRg = cluster.nodeResourceGroup;
      const nodeSub = cluster.subscriptionId ?? sub;
      w2.push(call(["vmssIdentities"], "node scale sets", (o) => arm.listScaleSets(nodeSub, nodeRg, o)));
    }
    const kubeletRid = cluster.kubeletIdentity?.resourceId;
    if (!isSp && kubeletRid) w2.push(call(["userAssignedIdentities"], "kubelet identity", (o) => arm.getResource(kubeletRid, o)));
    const vnets = new Map<string, string>();
    for (const p of cluster.agentPools) {
      const v = p.vnetSubnetId ? subnetVnetId(p.vnetSubnetId) : undefined;
      if (v) vnets.set(normId(v), v);
      // the subnet itself names its NSG / route table / NAT gateway: no need to read (or be allowed to read) the whole VNet
      if (p.vnetSubnetId && !nodeSubnetReads.has(normId(p.vnetSubnetId))) {
        const sid = p.vnetSubnetId;
        nodeSubnetReads.set(
          normId(sid),
          call([], "node subnet", async (o) => {
            const r = await arm.getResource(sid, o);
            // read for its associations only (no fact of its own): record the call like the evidence files
            builder.addReport({ file: `live:${r.call}`, status: "used", kinds: [], reason: "node subnet: the ids of its NSG, route table and NAT gateway" });
            return r;
          }, false),
        );
      }
    }
    for (const v of vnets.values()) w2.push(call(["virtualNetworks"], "cluster virtual network", (o) => arm.getResource(v, o)));
    w2.push(...nodeSubnetReads.values());
  }
  if (privateNetworking) {
    w2.push(call(["privateEndpoints"], "private endpoints", (o) => arm.listPrivateEndpoints(sub, o)));
    w2.push(call(["privateDnsZones"], "private DNS zones", (o) => arm.listPrivateDnsZones(sub, o)));
  }
  // only the pull secrets that pods (or their service accounts) reference
  const secretRefs = new Map<string, { ns: string; name: string }>();
  const sas = ok(snap.serviceAccounts);
  for (const p of ok(snap.pods)) {
    const names = [...p.imagePullSecrets];
    const sa = sas.find((s) => s.namespace === p.namespace && s.name === (p.serviceAccountName ?? "default"));
    if (sa) names.push(...sa.imagePullSecrets);
    for (const name of names) secretRefs.set(`${p.namespace}/${name}`, { ns: p.namespace, name });
  }
  for (const { ns: sns, name } of secretRefs.values()) w2.push(call(["pullSecrets"], `pull secret ${sns}/${name}`, (o) => kube.readSecret(sns, name, o)));
  await Promise.all(w2);
  await graphReady;
  snap = interim();
  block(["privateDnsVnetLinks", "privateDnsARecordSets"], failuresOf("privateDnsZones"));
  block(["roleDefinitions", "directoryLookups"], failuresOf("roleAssignments"));

  // ───── wave 3 ─────
  wave = 3;
  const w3: Promise<unknown>[] = [];
  const subnetRefs = new Map<string, { id: string; fact: FactKey; label: string }>();
  const addSubnetRefs = (s: { nsgId?: string; routeTableId?: string; natGatewayId?: string }) => {
    if (s.nsgId) subnetRefs.set(normId(s.nsgId), { id: s.nsgId, fact: "networkSecurityGroups", label: "node subnet NSG" });
    if (s.routeTableId) subnetRefs.set(normId(s.routeTableId), { id: s.routeTableId, fact: "routeTables", label: "node subnet route table" });
    if (s.natGatewayId) subnetRefs.set(normId(s.natGatewayId), { id: s.natGatewayId, fact: "natGateways", label: "node subnet NAT gateway" });
  };
  const vnetSubnets = ok(snap.virtualNetworks).flatMap((v) => v.subnets);
  const unreadSubnetFailures: LiveCallError[] = [];
  for (const [sid, read] of nodeSubnetReads) {
    const r = await read;
    const fromVnet = vnetSubnets.find((s) => normId(s.id) === sid);
    if (r.ok) addSubnetRefs(subnetAssociations(r.body));
    if (fromVnet) addSubnetRefs(fromVnet);
    // a 404 proves the node subnet is gone: nothing is associated with it (rules see the cluster's dangling id)
    if (!r.ok && r.error.kind !== "not-found" && !fromVnet) unreadSubnetFailures.push(r.error, ...failuresOf("virtualNetworks"));
  }
  block(["networkSecurityGroups", "routeTables", "natGateways"], unreadSubnetFailures);
  for (const r of subnetRefs.values()) w3.push(call([r.fact], r.label, (o) => arm.getResource(r.id, o)));
  for (const z of ok(snap.privateDnsZones)) {
    if (!/^privatelink\.azurecr\./i.test(z.name)) continue;
    w3.push(call(["privateDnsVnetLinks"], `links of ${z.name}`, (o) => arm.listPrivateDnsZoneLinks(z.id, o)));
    w3.push(call(["privateDnsARecordSets"], `A records of ${z.name}`, (o) => arm.listPrivateDnsARecords(z.id, o)));
  }
  const assignments = ok(snap.roleAssignments);
  const customRoles = new Map<string, string>();
  for (const a of assignments) {
    const g = roleGuid(a.roleDefinitionId);
    if (g && !(g in BUILTIN_ROLES)) customRoles.set(g, a.roleDefinitionId);
  }
  for (const id of customRoles.values()) w3.push(call(["roleDefinitions"], "custom role definition", (o) => arm.getRoleDefinition(id, o)));
  // registries the kubelet holds roles on that the subscription list did not show (another subscription)
  const known = new Set(ok(snap.registries).map((r) => normId(r.id)));
  const extraRegistries = new Map<string, string>();
  for (const a of assignments) {
    const reg = registryScopeOf(a.scope);
    if (reg && !known.has(normId(reg)) && kubeletObjectId && a.principalId.toLowerCase() === kubeletObjectId.toLowerCase()) extraRegistries.set(normId(reg), reg);
  }
  for (const id of extraRegistries.values()) w3.push(call(["registries"], "registry of a role assignment", (o) => arm.getRegistry(id, o)));
  // does every principal holding roles on a relevant registry still exist? (a Graph 404 proves deletion)
  const principals = new Set<string>();
  for (const a of assignments) {
    if (relevant.some((r) => sameId(a.scope, r.id) || normId(r.id).startsWith(normId(a.scope) + "/")) && a.principalId) principals.add(a.principalId.toLowerCase());
  }
  for (const id of [...principals].slice(0, 64)) {
    w3.push(
      call(["directoryLookups"], "directory object", async (o) => {
        try {
          const r = await graph.directoryObject(id, o);
          // the object exists: nothing to record beyond the call itself
          builder.addReport({ file: `live:${r.call}`, status: "used", kinds: [], reason: "exists" });
          return { call: r.call, body: undefined };
        } catch (e) {
          if (e instanceof LiveCallError && e.status === 404 && e.body !== undefined) return { call: e.call, body: e.body };
          throw e;
        }
      }),
    );
  }
  if (cluster && isSp) {
    const spObjectId = spObjectIdOf(spBody);
    if (spObjectId) {
      const filter = `principalId eq '${spObjectId}'`;
      w3.push(call(["roleAssignments"], "service principal's role assignments", (o) => arm.listRoleAssignments(`/subscriptions/${sub}`, filter, o)));
    }
  }
  await Promise.all(w3);

  return finish(builder, outcomes, blocked, target, options.now);
}

function refIdOf(v: unknown): string | undefined {
  const id = typeof v === "object" && v !== null ? (v as { id?: unknown }).id : undefined;
  return typeof id === "string" && id ? id : undefined;
}

/** A subnet GET (SDK-flattened, or wire shape with `properties`): the ids of its NSG, route table and NAT gateway. */
function subnetAssociations(body: unknown): { nsgId?: string; routeTableId?: string; natGatewayId?: string } {
  const top = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const props = (typeof top["properties"] === "object" && top["properties"] !== null ? top["properties"] : {}) as Record<string, unknown>;
  const pick = (k: string) => refIdOf(top[k]) ?? refIdOf(props[k]);
  return { nsgId: pick("networkSecurityGroup"), routeTableId: pick("routeTable"), natGatewayId: pick("natGateway") };
}

/** Resolve `p` or reject when the signal fires: a client that ignores its signal cannot hold the caller. */
function settleBy<T>(p: Promise<T>, signal: AbortSignal, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let backstop: ReturnType<typeof setTimeout> | undefined;
    // the client normally reports its own abort (naming the exact call) at once; this only catches one that does not
    const onAbort = () => {
      backstop = setTimeout(() => reject(new LiveCallError(label, "timeout", `${label}: no answer before the time limit (--timeout)`)), ABORT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        clearTimeout(backstop);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        clearTimeout(backstop);
        reject(e);
      },
    );
  });
}

const ABORT_GRACE_MS = 300;

function spObjectIdOf(body: unknown): string | undefined {
  const value = typeof body === "object" && body !== null ? (body as { value?: unknown }).value : undefined;
  const first = Array.isArray(value) ? (value[0] as { id?: unknown } | undefined) : undefined;
  return typeof first?.id === "string" ? first.id : undefined;
}

/** "not read because GET <dependency> failed: <that failure>" (the dependency's own message, status included). */
function notReadBecause(errs: LiveCallError[]): string {
  const parts = [...new Set(errs.map((e) => {
    const own = e.message.startsWith(`${e.call}: `) ? e.message.slice(e.call.length + 2) : e.message;
    return `${e.call} failed: ${own}`;
  }))];
  return `not read because ${parts.slice(0, 2).join("; and ")}${parts.length > 2 ? `; and ${parts.length - 2} more` : ""}`;
}

function summarise(errs: LiveCallError[]): string {
  const uniq = [...new Set(errs.map((e) => e.message))];
  return uniq.slice(0, 2).join("; ") + (uniq.length > 2 ? `; and ${uniq.length - 2} more` : "");
}

/** The builder's facts, with the calls' outcomes: a failed call makes its fact an error (never a partial "ok"). */
function finish(builder: SnapshotBuilder, outcomes: Map<FactKey, FactOutcome>, blocked: Map<FactKey, LiveCallError[]>, target: LiveTarget, now: Date | undefined): Snapshot {
  const built = builder.build({ now, targets: { images: target.images, registries: target.registries } }, undefined);
  const out: Snapshot = { ...built, input: { ...built.input, kind: "live", location: `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${target.clusterName}` } };
  const facts = out as unknown as Record<FactKey, Fact<unknown[]>>;
  for (const k of FACT_KEYS) {
    const o = outcomes.get(k);
    if (!o) {
      const because = blocked.get(k) ?? [];
      if (because.length > 0) facts[k] = { status: "error", kind: because[0]!.kind, message: notReadBecause(because) };
      else facts[k] = { status: "skipped", reason: UNCOLLECTED_REASON[k] ?? NOT_NEEDED_REASON };
      continue;
    }
    if (o.errors.length > 0) {
      const first = o.errors[0]!;
      facts[k] = { status: "error", kind: first.kind, message: summarise(o.errors) };
      continue;
    }
    const f = facts[k];
    if (f.status === "ok") continue;
    // a 404 on a single-resource GET proves the resource is gone; with nothing else found the fact is that 404
    if (o.okCalls > 0) facts[k] = { status: "ok", value: [] };
    else if (o.notFound.length > 0) facts[k] = { status: "error", kind: "not-found", message: summarise(o.notFound) };
    // every call was made and none answered for this fact: never the evidence reader's "not in the evidence" text
    else facts[k] = { status: "skipped", reason: "live collection got no answer for it" };
  }
  return out;
}
