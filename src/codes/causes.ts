// The cause-code vocabulary of ../shared/CAUSES.md: a public contract. Codes are never renamed or reused.

export type Severity = "error" | "warning" | "info";

export type Category =
  | "service-principal"
  | "managed-identity"
  | "rbac"
  | "network"
  | "external-registry"
  | "configuration"
  | "image"
  | "unclassified";

export interface CauseInfo {
  readonly category: Category;
  readonly severity: Severity;
  /** One line: what the code means (CAUSES.md "meaning", shortened). */
  readonly meaning: string;
  /** The troubleshooting guide bullet it answers. */
  readonly guide: string;
}

export const CAUSES = {
  SP_SECRET_EXPIRED: { category: "service-principal", severity: "error", meaning: "Every client secret/certificate of the cluster's service principal has expired.", guide: "Expiration" },
  SP_SECRET_EXPIRING: { category: "service-principal", severity: "warning", meaning: "The service principal credential in use expires within the warning window.", guide: "Recommended practice: renew" },
  SP_SECRET_INVALID: { category: "service-principal", severity: "error", meaning: "The secret the cluster presents is wrong (AADSTS7000215).", guide: "Expiration / Incorrect assignment" },
  SP_NOT_FOUND: { category: "service-principal", severity: "error", meaning: "The service principal the cluster uses no longer exists.", guide: "Deletion" },
  SP_DISABLED: { category: "service-principal", severity: "error", meaning: "The service principal exists but accountEnabled is false.", guide: "Disabling" },
  MI_NOT_FOUND: { category: "managed-identity", severity: "error", meaning: "The kubelet identity was deleted or is not attached to the node pool scale sets.", guide: "Misconfigurations" },
  MI_CLIENT_ID_MISMATCH: { category: "managed-identity", severity: "error", meaning: "The identity the nodes use differs from the cluster's recorded kubelet identity.", guide: "Misconfigurations" },
  RBAC_PULL_ROLE_MISSING: { category: "rbac", severity: "error", meaning: "The pulling principal has no role granting registries/pull/read at any scope containing the registry.", guide: "Insufficient permissions / Role assignment / Lack of appropriate roles" },
  RBAC_PUSH_ROLE_MISSING: { category: "rbac", severity: "error", meaning: "The principal lacks registries/push/write.", guide: "Lack of appropriate roles (AcrPush)" },
  RBAC_SCOPE_MISMATCH: { category: "rbac", severity: "error", meaning: "The principal holds a pull-capable role, but at a scope that does not contain the registry.", guide: "Scope of assignment / Role assignment level" },
  RBAC_WRONG_PRINCIPAL: { category: "rbac", severity: "error", meaning: "A pull-capable role on the registry is granted to a related but wrong principal.", guide: "Incorrect assignment / Misconfigurations" },
  RBAC_DENY_ASSIGNMENT: { category: "rbac", severity: "error", meaning: "A deny assignment covering the registry denies pull to the principal.", guide: "Multiple roles conflict" },
  RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE: { category: "rbac", severity: "error", meaning: "The registry uses ABAC repository permissions, where AcrPull/AcrPush are not honoured, and the principal lacks a repository role.", guide: "Multiple roles conflict / unexpected behaviour" },
  RBAC_CONDITION_EXCLUDES_REPOSITORY: { category: "rbac", severity: "error", meaning: "The principal's role assignment has an ABAC condition that does not cover the repository being pulled.", guide: "Multiple roles conflict" },
  RBAC_OVERPRIVILEGED: { category: "rbac", severity: "warning", meaning: "The pull principal holds more than pull needs, or a pull role at subscription scope.", guide: "Recommended practice: minimum permissions" },
  RBAC_ORPHANED_ASSIGNMENT: { category: "rbac", severity: "warning", meaning: "A role assignment on the registry points at a principal that no longer exists.", guide: "Recommended practice: audit roles" },
  NET_PUBLIC_ACCESS_DISABLED: { category: "network", severity: "error", meaning: "publicNetworkAccess is Disabled and the cluster has no working private-endpoint path.", guide: "Network restrictions" },
  NET_FIREWALL_DENIES_CLUSTER: { category: "network", severity: "error", meaning: "The registry firewall denies by default and none of the cluster's egress IPs is allowed.", guide: "Firewall rules" },
  NET_PRIVATE_ENDPOINT_NOT_APPROVED: { category: "network", severity: "error", meaning: "The registry's private endpoint connection is Pending, Rejected or Disconnected.", guide: "Private Link issues" },
  NET_PRIVATE_DNS_MISCONFIGURED: { category: "network", severity: "error", meaning: "A private endpoint exists but the cluster's VNet does not resolve the registry to it.", guide: "Private Link issues" },
  NET_DNS_FAILURE: { category: "network", severity: "error", meaning: "The registry name does not resolve from the nodes.", guide: "Network restrictions" },
  NET_EGRESS_BLOCKED: { category: "network", severity: "error", meaning: "The login server is unreachable from the nodes.", guide: "Network restrictions / Firewall rules" },
  NET_DATA_ENDPOINT_BLOCKED: { category: "network", severity: "error", meaning: "The login server answers but the data path is blocked.", guide: "Firewall rules" },
  NET_TLS_INTERCEPTED: { category: "network", severity: "error", meaning: "TLS to the registry fails verification (a TLS-inspecting proxy or firewall).", guide: "Firewall rules" },
  EXT_PULL_SECRET_MISSING: { category: "external-registry", severity: "error", meaning: "The pod needs credentials for a private registry but has no usable imagePullSecrets.", guide: "Authentication issues" },
  EXT_PULL_SECRET_WRONG_REGISTRY: { category: "external-registry", severity: "error", meaning: "The pull secret has no auths entry matching the image's registry host.", guide: "Authentication issues" },
  EXT_CREDENTIALS_REJECTED: { category: "external-registry", severity: "error", meaning: "The registry rejects the credentials in the pull secret.", guide: "Authentication issues" },
  EXT_TOKEN_EXPIRED: { category: "external-registry", severity: "error", meaning: "The credential in the pull secret is a token whose expiry has passed.", guide: "Authentication issues (token expiry)" },
  EXT_ACCESS_DENIED: { category: "external-registry", severity: "error", meaning: "Authenticated, but the registry denies this repository.", guide: "Permissions and roles" },
  EXT_UNREACHABLE: { category: "external-registry", severity: "error", meaning: "The external registry cannot be reached from the nodes.", guide: "Network accessibility" },
  EXT_RATE_LIMITED: { category: "external-registry", severity: "error", meaning: "The registry throttles pulls.", guide: "Network accessibility" },
  CFG_REGISTRY_NOT_FOUND: { category: "configuration", severity: "error", meaning: "The image's registry host is not an existing registry.", guide: "Incorrect image references / Misconfigurations" },
  CFG_AUTH_AS_ARM_DISABLED: { category: "configuration", severity: "error", meaning: "The registry disables ARM-audience tokens while the cluster's credential provider still presents them.", guide: "Mismatched API versions" },
  CFG_SKU_FEATURE_MISMATCH: { category: "configuration", severity: "error", meaning: "The configuration needs a Premium-only feature on a Basic/Standard registry.", guide: "Mismatched versions / Misconfigurations" },
  CFG_ADMIN_USER_ENABLED: { category: "configuration", severity: "warning", meaning: "The registry's admin user is enabled (shared, non-auditable credential).", guide: "Recommended practice" },
  CFG_ANONYMOUS_PULL_ENABLED: { category: "configuration", severity: "info", meaning: "Anonymous pull is enabled on the registry.", guide: "Recommended practice" },
  IMG_INVALID_REFERENCE: { category: "image", severity: "error", meaning: "The image reference is malformed.", guide: "Incorrect image references" },
  IMG_REPOSITORY_NOT_FOUND: { category: "image", severity: "error", meaning: "The repository does not exist in the registry.", guide: "Incorrect image references" },
  IMG_TAG_NOT_FOUND: { category: "image", severity: "error", meaning: "The repository exists but the tag or digest does not.", guide: "Incorrect image references" },
  IMG_PLATFORM_MISMATCH: { category: "image", severity: "error", meaning: "The image has no manifest for the node's OS/architecture.", guide: "Incorrect image references" },
  IMG_NEVER_PULL: { category: "image", severity: "error", meaning: "imagePullPolicy is Never and the image is not on the node.", guide: "Incorrect image references" },
  PULL_FAILURE_UNCLASSIFIED: { category: "unclassified", severity: "warning", meaning: "A pull failure was observed whose message matches no known cause.", guide: "—" },
} as const satisfies Record<string, CauseInfo>;

export type CauseCode = keyof typeof CAUSES;

export const CAUSE_CODES = Object.keys(CAUSES) as CauseCode[];

export function isCauseCode(s: string): s is CauseCode {
  return Object.prototype.hasOwnProperty.call(CAUSES, s);
}
