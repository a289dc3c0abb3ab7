// Narrow, read-only views of Azure Resource Manager, Microsoft Graph and the Kubernetes API: exactly the calls
// the collectors make. Every result carries the call it came from (`GET <path>`) and the JSON the service sent
// (as the SDK deserialised it), so the evidence normalisers can read it like a file. Failures are thrown as
// LiveCallError; the collectors turn them into facts.

import type { FactErrorKind } from "../snapshot/types.js";

export interface CallOptions {
  abortSignal?: AbortSignal;
}

export interface LiveResult {
  /** `GET /subscriptions/...` (path without the host and api-version), used as `source.file = live:<call>` */
  call: string;
  /** JSON-serialisable response: one object, or `{ value: [...] }` / a Kubernetes `List` for list calls */
  body: unknown;
}

export class LiveCallError extends Error {
  constructor(
    readonly call: string,
    readonly kind: FactErrorKind,
    message: string,
    readonly status?: number,
    /** the response body, when the service sent one (a Graph 404 body proves deletion) */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "LiveCallError";
  }
}

/** Optional: acquire credentials ahead of the first call, so sign-in overlaps with the first wave. */
export interface Preparable {
  prepare?(o?: CallOptions): Promise<void>;
}

export interface ArmReader extends Preparable {
  getManagedCluster(subscriptionId: string, resourceGroup: string, name: string, o?: CallOptions): Promise<LiveResult>;
  listRegistries(subscriptionId: string, o?: CallOptions): Promise<LiveResult>;
  getRegistry(id: string, o?: CallOptions): Promise<LiveResult>;
  /** `filter` e.g. `principalId eq '<objectId>'`; none = at, above and below the scope */
  listRoleAssignments(scope: string, filter: string | undefined, o?: CallOptions): Promise<LiveResult>;
  listDenyAssignments(scope: string, o?: CallOptions): Promise<LiveResult>;
  getRoleDefinition(id: string, o?: CallOptions): Promise<LiveResult>;
  /** public IPs, NAT gateways, virtual networks, NSGs, route tables, user-assigned identities (by resource id) */
  getResource(id: string, o?: CallOptions): Promise<LiveResult>;
  listScaleSets(subscriptionId: string, resourceGroup: string, o?: CallOptions): Promise<LiveResult>;
  listPrivateEndpoints(subscriptionId: string, o?: CallOptions): Promise<LiveResult>;
  listPrivateDnsZones(subscriptionId: string, o?: CallOptions): Promise<LiveResult>;
  listPrivateDnsZoneLinks(zoneId: string, o?: CallOptions): Promise<LiveResult>;
  listPrivateDnsARecords(zoneId: string, o?: CallOptions): Promise<LiveResult>;
}

export interface GraphReader extends Preparable {
  servicePrincipalsByAppId(appId: string, o?: CallOptions): Promise<LiveResult>;
  applicationsByAppId(appId: string, o?: CallOptions): Promise<LiveResult>;
  /** 404 -> LiveCallError with the Graph error body (evidence that the principal was deleted) */
  directoryObject(id: string, o?: CallOptions): Promise<LiveResult>;
}

export interface KubeReader {
  listEvents(namespace: string | undefined, o?: CallOptions): Promise<LiveResult>;
  listPods(namespace: string | undefined, o?: CallOptions): Promise<LiveResult>;
  listNodes(o?: CallOptions): Promise<LiveResult>;
  listServiceAccounts(namespace: string | undefined, o?: CallOptions): Promise<LiveResult>;
  readSecret(namespace: string, name: string, o?: CallOptions): Promise<LiveResult>;
}

export interface LiveClients {
  arm: ArmReader;
  graph: GraphReader;
  kube: KubeReader;
}

/**
 * The only writes pulldoctor ever makes (`diagnose --probe`): one probe Job per node pool in its own namespace,
 * read back, then deleted. Kept apart from KubeReader so the read-only paths cannot reach a write.
 */
export interface KubeWriter {
  createJob(namespace: string, job: Record<string, unknown>, o?: CallOptions): Promise<LiveResult>;
  readJob(namespace: string, name: string, o?: CallOptions): Promise<LiveResult>;
  /** the Job's pods (`labelSelector=job-name=<name>`) */
  listJobPods(namespace: string, jobName: string, o?: CallOptions): Promise<LiveResult>;
  /** body = the log text */
  readPodLog(namespace: string, pod: string, o?: CallOptions): Promise<LiveResult>;
  /** propagationPolicy Background, so the Job's pod goes with it */
  deleteJob(namespace: string, name: string, o?: CallOptions): Promise<LiveResult>;
}
