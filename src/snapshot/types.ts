// The Snapshot: every fact pulldoctor knows, as plain JSON, whatever way it came in (evidence folder, live
// collection, saved snapshot). Field names follow Azure's and Kubernetes' own (see DESIGN.md).
// Secrets never enter it: pull-secret passwords and tokens are reduced to host, username, expiry and fingerprint.

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** Where a fact came from: a file (or live call) and a JSON path inside it. */
export interface Source {
  /** File path relative to the evidence folder, or `live:<call>` for live collection. */
  file: string;
  /** JSONPath-like pointer to the object inside the file, e.g. `$[2]` or `$.value[0].properties`. */
  path: string;
}

export type FactErrorKind = "forbidden" | "not-found" | "throttled" | "timeout" | "network" | "malformed" | "other";

/** A missing fact is data, not an exception (DESIGN.md). */
export type Fact<T> =
  | { status: "ok"; value: T }
  | { status: "error"; kind: FactErrorKind; message: string }
  | { status: "skipped"; reason: string };

// ───────────────────────────── Azure: AKS ─────────────────────────────

export interface AgentPool {
  name: string;
  mode?: string;
  osType?: string;
  osSku?: string;
  vnetSubnetId?: string;
  orchestratorVersion?: string;
  currentOrchestratorVersion?: string;
  count?: number;
}

export interface IdentityRef {
  resourceId?: string;
  clientId?: string;
  objectId?: string;
}

export interface ManagedCluster {
  id: string;
  name: string;
  location?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  kubernetesVersion?: string;
  currentKubernetesVersion?: string;
  nodeResourceGroup?: string;
  /** `identity` (control plane): NOT the identity that pulls images. */
  identity?: {
    type?: string;
    principalId?: string;
    tenantId?: string;
    userAssignedIdentities?: Record<string, { clientId?: string; principalId?: string }>;
  };
  /** `identityProfile.kubeletidentity`: the identity that pulls on MI clusters. */
  kubeletIdentity?: IdentityRef;
  /** `servicePrincipalProfile.clientId`: "msi" on MI clusters, an appId on SP clusters. */
  servicePrincipalClientId?: string;
  agentPools: AgentPool[];
  networkProfile?: {
    outboundType?: string;
    networkPlugin?: string;
    networkPluginMode?: string;
    effectiveOutboundIpIds: string[];
    natGatewayEffectiveOutboundIpIds: string[];
  };
  privateCluster?: boolean;
  tenantId?: string;
  source: Source;
}

// ───────────────────────────── Azure: ACR ─────────────────────────────

export interface PrivateEndpointConnectionRef {
  id?: string;
  privateEndpointId?: string;
  /** privateLinkServiceConnectionState.status: Approved | Pending | Rejected | Disconnected */
  status?: string;
  description?: string;
}

export interface Registry {
  id: string;
  name: string;
  loginServer: string;
  location?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  sku?: string;
  adminUserEnabled?: boolean;
  anonymousPullEnabled?: boolean;
  publicNetworkAccess?: string;
  networkRuleBypassOptions?: string;
  networkRuleSet?: {
    defaultAction?: string;
    ipRules: { action?: string; value: string }[];
    virtualNetworkRules: { action?: string; id: string }[];
  };
  dataEndpointEnabled?: boolean;
  dataEndpointHostNames: string[];
  privateEndpointConnections: PrivateEndpointConnectionRef[];
  /** `roleAssignmentMode`: LegacyRegistryPermissions | AbacRepositoryPermissions */
  roleAssignmentMode?: string;
  /** `policies.azureADAuthenticationAsArmPolicy.status`: enabled | disabled */
  azureAdAuthenticationAsArmPolicy?: string;
  source: Source;
}

// ───────────────────────────── Azure: authorization ─────────────────────────────

/**
 * A subscription and the management groups above it, as Resource Graph's `resourcecontainers` rows show them
 * (`properties.managementGroupAncestorsChain`, nearest parent first, up to the tenant root group). An assignment made
 * at a management group covers a subscription's resources only when that group is one of these ancestors.
 */
export interface Subscription {
  /** `/subscriptions/<guid>` */
  id: string;
  /** the GUID, lower-case */
  subscriptionId: string;
  displayName?: string;
  /** management group names (ids), nearest first; undefined when the evidence does not say */
  managementGroupAncestors?: string[];
  source: Source;
}

export interface RoleAssignment {
  id: string;
  scope: string;
  principalId: string;
  principalType?: string;
  /** az adds it; empty means Graph could not resolve the principal. */
  principalName?: string;
  roleDefinitionId: string;
  roleDefinitionName?: string;
  condition?: string;
  conditionVersion?: string;
  source: Source;
}

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  id: string;
  /** The GUID at the end of the id, lower-case: what assignments are compared on. */
  guid: string;
  roleName: string;
  roleType?: string;
  permissions: Permission[];
  assignableScopes: string[];
  source: Source;
}

export interface DenyAssignment {
  id: string;
  name?: string;
  scope: string;
  permissions: Permission[];
  principals: { id: string; type?: string }[];
  excludePrincipals: { id: string; type?: string }[];
  doNotApplyToChildScopes: boolean;
  condition?: string;
  source: Source;
}

// ───────────────────────────── Microsoft Graph ─────────────────────────────

export interface Credential {
  keyId?: string;
  displayName?: string;
  startDateTime?: string;
  endDateTime?: string;
  /** password | certificate */
  type: "password" | "certificate";
  hint?: string;
}

export interface ServicePrincipal {
  /** object id */
  id: string;
  appId?: string;
  displayName?: string;
  accountEnabled?: boolean;
  servicePrincipalType?: string;
  alternativeNames: string[];
  passwordCredentials: Credential[];
  keyCredentials: Credential[];
  source: Source;
}

export interface Application {
  id: string;
  appId?: string;
  displayName?: string;
  passwordCredentials: Credential[];
  keyCredentials: Credential[];
  source: Source;
}

/** The result of a directory lookup that proves (non-)existence: a 404 body, or an empty $filter result. */
export interface DirectoryLookup {
  /** The id looked up (object id or app id), lower-case. */
  id: string;
  idKind: "objectId" | "appId" | "unknown";
  found: boolean;
  message?: string;
  source: Source;
}

// ───────────────────────────── Managed identities / compute ─────────────────────────────

export interface UserAssignedIdentity {
  id: string;
  name: string;
  clientId?: string;
  principalId?: string;
  tenantId?: string;
  resourceGroup?: string;
  source: Source;
}

/** `az vmss identity show` or a VMSS resource's `identity` block. */
export interface VmssIdentity {
  /** VMSS resource id when known (a full VMSS resource), else undefined for `az vmss identity show` output. */
  vmssId?: string;
  vmssName?: string;
  type?: string;
  userAssignedIdentities: { resourceId: string; clientId?: string; principalId?: string }[];
  source: Source;
}

// ───────────────────────────── Network ─────────────────────────────

export interface PrivateEndpoint {
  id: string;
  name: string;
  subnetId?: string;
  connections: {
    privateLinkServiceId?: string;
    groupIds: string[];
    status?: string;
    description?: string;
    manual: boolean;
  }[];
  customDnsConfigs: { fqdn: string; ipAddresses: string[] }[];
  source: Source;
}

export interface PrivateDnsZone {
  id: string;
  name: string;
  numberOfVirtualNetworkLinks?: number;
  numberOfRecordSets?: number;
  source: Source;
}

export interface PrivateDnsVnetLink {
  id: string;
  name: string;
  /** The zone id, derived from the link id (links live under the zone). */
  zoneId: string;
  zoneName: string;
  virtualNetworkId: string;
  registrationEnabled?: boolean;
  virtualNetworkLinkState?: string;
  provisioningState?: string;
  source: Source;
}

export interface PrivateDnsARecordSet {
  id: string;
  /** relative name in the zone, e.g. `myregistry` or `myregistry.westeurope.data` */
  name: string;
  zoneName: string;
  fqdn?: string;
  ipv4Addresses: string[];
  source: Source;
}

export interface VirtualNetwork {
  id: string;
  name: string;
  addressPrefixes: string[];
  /** `dhcpOptions.dnsServers`: empty means Azure-provided DNS (168.63.129.16). */
  dnsServers: string[];
  subnets: { id: string; name: string; addressPrefixes: string[]; nsgId?: string; routeTableId?: string; natGatewayId?: string }[];
  peerings: { remoteVirtualNetworkId?: string; peeringState?: string }[];
  source: Source;
}

export interface SecurityRule {
  name: string;
  direction: string;
  access: string;
  priority: number;
  protocol: string;
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  destinationPortRanges: string[];
  isDefault: boolean;
  /** pointer to the rule inside its file */
  path: string;
}

export interface NetworkSecurityGroup {
  id: string;
  name: string;
  securityRules: SecurityRule[];
  subnetIds: string[];
  source: Source;
}

export interface RouteTable {
  id: string;
  name: string;
  routes: { name: string; addressPrefix: string; nextHopType: string; nextHopIpAddress?: string }[];
  subnetIds: string[];
  source: Source;
}

export interface PublicIp {
  id: string;
  name: string;
  ipAddress?: string;
  source: Source;
}

export interface NatGateway {
  id: string;
  name: string;
  publicIpIds: string[];
  subnetIds: string[];
  source: Source;
}

// ───────────────────────────── Kubernetes ─────────────────────────────

export interface KubeEvent {
  namespace?: string;
  name?: string;
  type?: string;
  reason?: string;
  message: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  involvedObject: { kind?: string; name?: string; namespace?: string; fieldPath?: string };
  sourceComponent?: string;
  host?: string;
  source: Source;
}

export interface ContainerSpec {
  name: string;
  image: string;
  imagePullPolicy?: string;
  kind: "container" | "init" | "ephemeral";
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  kind: "container" | "init" | "ephemeral";
  waiting?: { reason?: string; message?: string };
  running?: boolean;
  terminated?: { reason?: string; exitCode?: number };
}

export interface Pod {
  namespace: string;
  name: string;
  nodeName?: string;
  serviceAccountName?: string;
  imagePullSecrets: string[];
  nodeSelector: Record<string, string>;
  containers: ContainerSpec[];
  statuses: ContainerStatus[];
  phase?: string;
  creationTimestamp?: string;
  source: Source;
}

export interface Node {
  name: string;
  labels: Record<string, string>;
  os?: string;
  arch?: string;
  kubeletVersion?: string;
  osImage?: string;
  providerID?: string;
  source: Source;
}

/** A dockerconfigjson entry, reduced: the password, auth and identity token never enter the snapshot. */
export interface DockerAuthEntry {
  /** the `auths` key as written */
  key: string;
  /** normalised registry host (scheme, path and docker.io aliases folded) */
  host: string;
  username?: string;
  hasPassword: boolean;
  hasIdentityToken: boolean;
  /** `exp` of a JWT used as password / identity token, ISO time */
  tokenExpiresAt?: string;
  /** first 12 hex chars of sha256 over the secret material: lets two snapshots be compared without the secret */
  fingerprint?: string;
}

export interface PullSecret {
  namespace: string;
  name: string;
  type: string;
  auths: DockerAuthEntry[];
  /** why the secret could not be read, e.g. not base64 or not JSON */
  problem?: string;
  source: Source;
}

export interface ServiceAccount {
  namespace: string;
  name: string;
  imagePullSecrets: string[];
  source: Source;
}

/** What a pasted `kubectl describe pod` tells: pod identity, images and the event lines. */
export interface PodDescription {
  namespace?: string;
  name?: string;
  nodeName?: string;
  serviceAccountName?: string;
  images: string[];
  events: { type?: string; reason?: string; message: string; count?: number }[];
  source: Source;
}

// ───────────────────────────── node-side probe ─────────────────────────────

/** One step of a node-side probe (`pulldoctor probe`): what was tried against which target, and how it ended. */
export interface ProbeStep {
  step: "identity" | "dns" | "tcp" | "tls" | "ping" | "token" | "exchange" | "manifest" | "platform" | "blob";
  /** host, host:port or URL without credentials */
  target: string;
  status: "ok" | "fail" | "skipped";
  durationMs?: number;
  /** one line for a person, e.g. "resolved to 10.1.2.5 through privatelink.azurecr.io" */
  detail?: string;
  error?: { kind: string; message: string; httpStatus?: number; code?: string };
  /** small structured facts of the step (addresses, media type, platforms, token actions...) */
  data?: Record<string, string | number | boolean | string[]>;
  /** which endpoint the step talked to: the login server, the data path (blob redirect target) or the identity service */
  endpoint?: "login" | "data" | "identity";
  /** token and exchange steps: which Entra audience was presented (`arm` = https://management.azure.com/, `acr` = https://containerregistry.azure.net) */
  audience?: "arm" | "acr";
}

/** The result of probing one registry (and optionally one image) from one place (node, pod, laptop). */
export interface ProbeResult {
  probeVersion: 1;
  ranAt: string;
  /** where it ran */
  node?: { name?: string; os?: string; arch?: string; variant?: string; osVersion?: string; nodePool?: string };
  registry: string;
  image?: string;
  /** which credential was used, never the credential itself */
  identity?: { kind: "managedIdentity" | "servicePrincipal" | "pullSecret" | "anonymous"; clientId?: string; username?: string };
  steps: ProbeStep[];
  source: Source;
}

// ───────────────────────────── the snapshot ─────────────────────────────

export interface EvidenceFileReport {
  file: string;
  status: "used" | "skipped" | "error";
  /** what was recognised in it, e.g. ["registry", "roleAssignments"] */
  kinds: string[];
  reason?: string;
}

/** A `pulldoctor can-i PRINCIPAL pull|push REGISTRY[/repo]` question. */
export interface AccessQuestion {
  /** object id, app id or client id */
  principal: string;
  action: "pull" | "push";
  /** registry name, login server or resource id */
  registry: string;
  repository?: string;
}

export interface Snapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  /** When the facts were collected (ISO). */
  collectedAt: string;
  /** The reference "now" for expiry checks (ISO). */
  now: string;
  input: { kind: "evidence" | "live" | "snapshot"; location?: string; files: EvidenceFileReport[] };
  /** What the user asked about: images and registries named on the command line, and `can-i` questions. */
  targets: { images: string[]; registries: string[]; access?: AccessQuestion[] };
  clusters: Fact<ManagedCluster[]>;
  registries: Fact<Registry[]>;
  roleAssignments: Fact<RoleAssignment[]>;
  /** management-group ancestry of subscriptions, for assignments made at management groups */
  subscriptions: Fact<Subscription[]>;
  roleDefinitions: Fact<RoleDefinition[]>;
  denyAssignments: Fact<DenyAssignment[]>;
  servicePrincipals: Fact<ServicePrincipal[]>;
  applications: Fact<Application[]>;
  directoryLookups: Fact<DirectoryLookup[]>;
  userAssignedIdentities: Fact<UserAssignedIdentity[]>;
  vmssIdentities: Fact<VmssIdentity[]>;
  privateEndpoints: Fact<PrivateEndpoint[]>;
  privateDnsZones: Fact<PrivateDnsZone[]>;
  privateDnsVnetLinks: Fact<PrivateDnsVnetLink[]>;
  privateDnsARecordSets: Fact<PrivateDnsARecordSet[]>;
  virtualNetworks: Fact<VirtualNetwork[]>;
  networkSecurityGroups: Fact<NetworkSecurityGroup[]>;
  routeTables: Fact<RouteTable[]>;
  publicIps: Fact<PublicIp[]>;
  natGateways: Fact<NatGateway[]>;
  events: Fact<KubeEvent[]>;
  pods: Fact<Pod[]>;
  nodes: Fact<Node[]>;
  pullSecrets: Fact<PullSecret[]>;
  serviceAccounts: Fact<ServiceAccount[]>;
  podDescriptions: Fact<PodDescription[]>;
  probeResults: Fact<ProbeResult[]>;
}

export type FactKey = {
  [K in keyof Snapshot]: Snapshot[K] extends Fact<unknown> ? K : never;
}[keyof Snapshot];

export const FACT_KEYS: readonly FactKey[] = [
  "clusters", "registries", "roleAssignments", "subscriptions", "roleDefinitions", "denyAssignments", "servicePrincipals",
  "applications", "directoryLookups", "userAssignedIdentities", "vmssIdentities", "privateEndpoints",
  "privateDnsZones", "privateDnsVnetLinks", "privateDnsARecordSets", "virtualNetworks", "networkSecurityGroups",
  "routeTables", "publicIps", "natGateways", "events", "pods", "nodes", "pullSecrets", "serviceAccounts",
  "podDescriptions", "probeResults",
];
