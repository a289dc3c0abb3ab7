// ArmReader over the official Azure SDKs. Each call returns what the SDK deserialised, serialised back to JSON;
// the evidence normalisers already read the JS-SDK shapes (flattened or not, see api-shapes.md §0.1).

import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy, TlsSettings } from "@azure/core-rest-pipeline";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { NetworkManagementClient } from "@azure/arm-network";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { ComputeManagementClient } from "@azure/arm-compute";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { parseArmId } from "../snapshot/ids.js";
import { retryGaveUpError, statusOf, toLiveCallError, type RetryTrail } from "./errors.js";
import { LiveCallError, type ArmReader, type CallOptions, type LiveResult } from "./types.js";

export interface ArmClientOptions {
  /** ARM endpoint (default https://management.azure.com); the sandbox sets its own */
  endpoint?: string;
  tlsOptions?: TlsSettings;
  /** bounded retries of 429 (Retry-After honoured by the SDK pipeline) and 5xx */
  maxRetries?: number;
}

const ARM_SCOPE = "https://management.azure.com/.default";

/** The authorization SDK's URL templates are `/{scope}/providers/...`: it wants the scope without its leading slash. */
function bareScope(scope: string): string {
  return scope.replace(/^\/+/, "");
}

/** ARM ids with one segment too many would make the SDKs build the wrong URL: parse defensively. */
function rgAndName(id: string): { sub: string; rg: string; name: string } {
  const p = parseArmId(id);
  if (!p.subscriptionId || !p.resourceGroup || !p.name) throw new LiveCallError(`GET ${id}`, "other", `not a resource id: ${id}`);
  return { sub: p.subscriptionId, rg: p.resourceGroup, name: p.name };
}

/** JSON round trip: Dates become ISO strings, class instances plain objects, undefined keys vanish. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}

async function collect<T>(it: AsyncIterable<T>): Promise<unknown> {
  const value: T[] = [];
  for await (const x of it) value.push(x);
  return plain({ value });
}

/** `.../virtualNetworks/<vnet>/subnets/<subnet>`: a child resource, which parseArmId reports as its VNet. */
const SUBNET_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i;

export class SdkArmReader implements ArmReader {
  private readonly cache = new Map<string, unknown>();
  /**
   * Per call (keyed by its abort signal, one per call): the retriable statuses the SDK's retry policy has seen.
   * The SDK throws a bare AbortError when the deadline fires during a Retry-After wait; this keeps the 429.
   */
  private readonly trails = new WeakMap<object, RetryTrail>();
  private readonly trailPolicy: PipelinePolicy = {
    name: "pulldoctorRetryTrail",
    sendRequest: async (request, next) => {
      const note = (status: number | undefined) => {
        const key = request.abortSignal as object | undefined;
        if (!key || status === undefined) return;
        if (status === 429 || status >= 500) this.trails.set(key, { status, attempts: (this.trails.get(key)?.attempts ?? 0) + 1 });
        else this.trails.delete(key);
      };
      try {
        const response = await next(request);
        note(response.status);
        return response;
      } catch (e) {
        note(statusOf(e));
        throw e;
      }
    },
  };

  constructor(
    private readonly credential: TokenCredential,
    private readonly options: ArmClientOptions = {},
  ) {}

  private common(): Record<string, unknown> {
    const o = this.options;
    return {
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.tlsOptions ? { tlsOptions: o.tlsOptions } : {}),
      retryOptions: { maxRetries: o.maxRetries ?? 2, retryDelayInMs: 250, maxRetryDelayInMs: 2000 },
      // below the retry policy: sees every attempt's status
      additionalPolicies: [{ policy: this.trailPolicy, position: "perRetry" }],
      // the token audience is ARM's even when the endpoint is overridden (sandbox, proxy): one token serves all clients
      credentials: { scopes: [ARM_SCOPE] },
      credentialScopes: [ARM_SCOPE],
      userAgentOptions: { userAgentPrefix: "pulldoctor" },
    };
  }

  /** One SDK client per (package, subscription), created on first use. */
  private client<T>(key: string, sub: string, make: (sub: string, opts: Record<string, unknown>) => T): T {
    const k = `${key}:${sub.toLowerCase()}`;
    let c = this.cache.get(k) as T | undefined;
    if (!c) {
      c = make(sub, this.common());
      this.cache.set(k, c);
    }
    return c;
  }

  private aks(sub: string) {
    return this.client("aks", sub, (s, o) => new ContainerServiceClient(this.credential, s, o));
  }
  private acr(sub: string) {
    return this.client("acr", sub, (s, o) => new ContainerRegistryManagementClient(this.credential, s, o));
  }
  private authz(sub: string) {
    return this.client("authz", sub, (s, o) => new AuthorizationManagementClient(this.credential, s, o));
  }
  private net(sub: string) {
    return this.client("net", sub, (s, o) => new NetworkManagementClient(this.credential, s, o));
  }
  private dns(sub: string) {
    return this.client("dns", sub, (s, o) => new PrivateDnsManagementClient(this.credential, s, o));
  }
  private compute(sub: string) {
    return this.client("compute", sub, (s, o) => new ComputeManagementClient(this.credential, s, o));
  }
  private msi(sub: string) {
    return this.client("msi", sub, (s, o) => new ManagedServiceIdentityClient(this.credential, s, o));
  }

  async prepare(o: CallOptions = {}): Promise<void> {
    await this.credential.getToken(ARM_SCOPE, { abortSignal: o.abortSignal });
  }

  private runWith(o: CallOptions, call: string, permission: string, f: () => Promise<unknown>): Promise<LiveResult> {
    return this.run(call, permission, f, o.abortSignal);
  }

  private async run(call: string, permission: string, f: () => Promise<unknown>, signal?: AbortSignal): Promise<LiveResult> {
    try {
      return { call, body: await f() };
    } catch (e) {
      const trail = signal ? this.trails.get(signal) : undefined;
      const status = statusOf(e);
      // the deadline cut the SDK's retries short, or they ran out: say what the service kept answering
      if (trail && status === undefined && signal?.aborted) throw retryGaveUpError(call, trail, true);
      if (trail && status === trail.status) throw retryGaveUpError(call, trail, false, toLiveCallError(e, call, permission, signal).body);
      throw toLiveCallError(e, call, permission, signal);
    }
  }

  getManagedCluster(sub: string, rg: string, name: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET /subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;
    return this.runWith(o, call, "Microsoft.ContainerService/managedClusters/read", async () => plain(await this.aks(sub).managedClusters.get(rg, name, { abortSignal: o.abortSignal })));
  }

  listRegistries(sub: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET /subscriptions/${sub}/providers/Microsoft.ContainerRegistry/registries`;
    return this.runWith(o, call, "Microsoft.ContainerRegistry/registries/read", () => collect(this.acr(sub).registries.list({ abortSignal: o.abortSignal })));
  }

  getRegistry(id: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${id}`;
    return this.runWith(o, call, "Microsoft.ContainerRegistry/registries/read", async () => {
      const { sub, rg, name } = rgAndName(id);
      return plain(await this.acr(sub).registries.get(rg, name, { abortSignal: o.abortSignal }));
    });
  }

  listRoleAssignments(scope: string, filter: string | undefined, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${scope}/providers/Microsoft.Authorization/roleAssignments${filter ? `?$filter=${filter}` : ""}`;
    const sub = parseArmId(scope).subscriptionId ?? "00000000-0000-0000-0000-000000000000";
    return this.runWith(o, call, "Microsoft.Authorization/roleAssignments/read", () =>
      collect(this.authz(sub).roleAssignments.listForScope(bareScope(scope), { filter, abortSignal: o.abortSignal })),
    );
  }

  listDenyAssignments(scope: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${scope}/providers/Microsoft.Authorization/denyAssignments`;
    // listForScope puts only the scope in the URL, so one client serves every subscription (a fleet audit reads hundreds)
    return this.runWith(o, call, "Microsoft.Authorization/denyAssignments/read", () => collect(this.authz("00000000-0000-0000-0000-000000000000").denyAssignments.listForScope(bareScope(scope), { abortSignal: o.abortSignal })));
  }

  getRoleDefinition(id: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${id}`;
    const sub = parseArmId(id).subscriptionId ?? "00000000-0000-0000-0000-000000000000";
    return this.runWith(o, call, "Microsoft.Authorization/roleDefinitions/read", async () => plain(await this.authz(sub).roleDefinitions.getById(bareScope(id), { abortSignal: o.abortSignal })));
  }

  getResource(id: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${id}`;
    const type = (parseArmId(id).type ?? "").toLowerCase();
    const opts = { abortSignal: o.abortSignal };
    const subnet = SUBNET_ID.exec(id.replace(/\/+$/, ""));
    if (subnet) {
      const [, sub, rg, vnet, name] = subnet as unknown as [string, string, string, string, string];
      return this.runWith(o, call, "Microsoft.Network/virtualNetworks/subnets/read", async () => plain(await this.net(sub).subnets.get(rg, vnet, name, opts)));
    }
    return this.runWith(o, call, `${parseArmId(id).type ?? "Microsoft.Resources/resources"}/read`, async () => {
      const { sub, rg, name } = rgAndName(id);
      switch (type) {
        case "microsoft.network/publicipaddresses":
          return plain(await this.net(sub).publicIPAddresses.get(rg, name, opts));
        case "microsoft.network/natgateways":
          return plain(await this.net(sub).natGateways.get(rg, name, opts));
        case "microsoft.network/virtualnetworks":
          return plain(await this.net(sub).virtualNetworks.get(rg, name, opts));
        case "microsoft.network/networksecuritygroups":
          return plain(await this.net(sub).networkSecurityGroups.get(rg, name, opts));
        case "microsoft.network/routetables":
          return plain(await this.net(sub).routeTables.get(rg, name, opts));
        case "microsoft.managedidentity/userassignedidentities":
          return plain(await this.msi(sub).userAssignedIdentities.get(rg, name, opts));
        default:
          throw new LiveCallError(call, "other", `pulldoctor does not read ${type || "this resource type"}`);
      }
    });
  }

  listScaleSets(sub: string, rg: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET /subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets`;
    return this.runWith(o, call, "Microsoft.Compute/virtualMachineScaleSets/read", () => collect(this.compute(sub).virtualMachineScaleSets.list(rg, { abortSignal: o.abortSignal })));
  }

  listPrivateEndpoints(sub: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET /subscriptions/${sub}/providers/Microsoft.Network/privateEndpoints`;
    return this.runWith(o, call, "Microsoft.Network/privateEndpoints/read", () => collect(this.net(sub).privateEndpoints.listBySubscription({ abortSignal: o.abortSignal })));
  }

  listPrivateDnsZones(sub: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET /subscriptions/${sub}/providers/Microsoft.Network/privateDnsZones`;
    return this.runWith(o, call, "Microsoft.Network/privateDnsZones/read", () => collect(this.dns(sub).privateZones.list({ abortSignal: o.abortSignal })));
  }

  listPrivateDnsZoneLinks(zoneId: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${zoneId}/virtualNetworkLinks`;
    return this.runWith(o, call, "Microsoft.Network/privateDnsZones/virtualNetworkLinks/read", () => {
      const { sub, rg, name } = rgAndName(zoneId);
      return collect(this.dns(sub).virtualNetworkLinks.list(rg, name, { abortSignal: o.abortSignal }));
    });
  }

  listPrivateDnsARecords(zoneId: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET ${zoneId}/A`;
    return this.runWith(o, call, "Microsoft.Network/privateDnsZones/A/read", () => {
      const { sub, rg, name } = rgAndName(zoneId);
      return collect(this.dns(sub).recordSets.listByType(rg, name, "A", { abortSignal: o.abortSignal }));
    });
  }
}
