// Every rule, in troubleshooting-flow order. A meta-test keeps this list, the files and docs/rules/ in step.
import type { Rule } from "../engine/types.js";
import cfgAdminUserEnabled from "./cfg-admin-user-enabled.js";
import cfgAnonymousPullEnabled from "./cfg-anonymous-pull-enabled.js";
import cfgAuthAsArmDisabled from "./cfg-auth-as-arm-disabled.js";
import cfgRegistryNotFound from "./cfg-registry-not-found.js";
import cfgSkuFeatureMismatch from "./cfg-sku-feature-mismatch.js";
import extAccessDenied from "./ext-access-denied.js";
import extCredentialsRejected from "./ext-credentials-rejected.js";
import extPullSecretMissing from "./ext-pull-secret-missing.js";
import extPullSecretWrongRegistry from "./ext-pull-secret-wrong-registry.js";
import extRateLimited from "./ext-rate-limited.js";
import extTokenExpired from "./ext-token-expired.js";
import extUnreachable from "./ext-unreachable.js";
import imgInvalidReference from "./img-invalid-reference.js";
import imgNeverPull from "./img-never-pull.js";
import imgPlatformMismatch from "./img-platform-mismatch.js";
import imgRepositoryNotFound from "./img-repository-not-found.js";
import imgTagNotFound from "./img-tag-not-found.js";
import miClientIdMismatch from "./mi-client-id-mismatch.js";
import miNotFound from "./mi-not-found.js";
import netDataEndpointBlocked from "./net-data-endpoint-blocked.js";
import netDnsFailure from "./net-dns-failure.js";
import netEgressBlocked from "./net-egress-blocked.js";
import netFirewallDeniesCluster from "./net-firewall-denies-cluster.js";
import netPrivateDnsMisconfigured from "./net-private-dns-misconfigured.js";
import netPrivateEndpointNotApproved from "./net-private-endpoint-not-approved.js";
import netPublicAccessDisabled from "./net-public-access-disabled.js";
import netTlsIntercepted from "./net-tls-intercepted.js";
import pullFailureUnclassified from "./pull-failure-unclassified.js";
import rbacAbacModeNeedsRepositoryRole from "./rbac-abac-mode-needs-repository-role.js";
import rbacConditionExcludesRepository from "./rbac-condition-excludes-repository.js";
import rbacDenyAssignment from "./rbac-deny-assignment.js";
import rbacOrphanedAssignment from "./rbac-orphaned-assignment.js";
import rbacOverprivileged from "./rbac-overprivileged.js";
import rbacPullRoleMissing from "./rbac-pull-role-missing.js";
import rbacPushRoleMissing from "./rbac-push-role-missing.js";
import rbacScopeMismatch from "./rbac-scope-mismatch.js";
import rbacWrongPrincipal from "./rbac-wrong-principal.js";
import spDisabled from "./sp-disabled.js";
import spNotFound from "./sp-not-found.js";
import spSecretExpired from "./sp-secret-expired.js";
import spSecretExpiring from "./sp-secret-expiring.js";
import spSecretInvalid from "./sp-secret-invalid.js";

export const RULES: readonly Rule[] = [
  spNotFound,
  spDisabled,
  spSecretExpired,
  spSecretInvalid,
  spSecretExpiring,
  miNotFound,
  miClientIdMismatch,
  rbacPullRoleMissing,
  rbacScopeMismatch,
  rbacWrongPrincipal,
  rbacDenyAssignment,
  rbacAbacModeNeedsRepositoryRole,
  rbacConditionExcludesRepository,
  rbacPushRoleMissing,
  rbacOverprivileged,
  rbacOrphanedAssignment,
  netPublicAccessDisabled,
  netFirewallDeniesCluster,
  netPrivateEndpointNotApproved,
  netPrivateDnsMisconfigured,
  netDnsFailure,
  netEgressBlocked,
  netDataEndpointBlocked,
  netTlsIntercepted,
  cfgRegistryNotFound,
  cfgAuthAsArmDisabled,
  cfgSkuFeatureMismatch,
  cfgAdminUserEnabled,
  cfgAnonymousPullEnabled,
  imgInvalidReference,
  imgRepositoryNotFound,
  imgTagNotFound,
  imgPlatformMismatch,
  imgNeverPull,
  extPullSecretMissing,
  extPullSecretWrongRegistry,
  extCredentialsRejected,
  extTokenExpired,
  extAccessDenied,
  extUnreachable,
  extRateLimited,
  pullFailureUnclassified,
];
