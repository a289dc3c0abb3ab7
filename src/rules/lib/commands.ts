import type { ManagedCluster, Registry } from "../../snapshot/types.js";
import { parseArmId } from "../../snapshot/ids.js";
import { clusterRg } from "./principals.js";

// Copy-paste remediation commands. Every value comes from the evidence; placeholders are <ANGLE_BRACKETED>.

export function q(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

export function grantRole(principalObjectId: string | undefined, role: string, scope: string): string {
  return `az role assignment create --assignee-object-id ${q(principalObjectId ?? "<PRINCIPAL_OBJECT_ID>")} --assignee-principal-type ServicePrincipal --role ${q(role)} --scope ${q(scope)}`;
}

export function attachAcr(cluster: ManagedCluster, registry: Registry): string {
  return `az aks update --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --attach-acr ${q(registry.id)}`;
}

export function registryRg(r: Registry): string {
  return r.resourceGroup ?? parseArmId(r.id).resourceGroup ?? "<REGISTRY_RESOURCE_GROUP>";
}

export function resetSpCredentials(cluster: ManagedCluster, appId: string): string[] {
  return [
    `SP_SECRET=$(az ad app credential reset --id ${q(appId)} --append --display-name pulldoctor-renewal --years 1 --query password --output tsv)`,
    `az aks update-credentials --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --reset-service-principal --service-principal ${q(appId)} --client-secret "$SP_SECRET"`,
  ];
}

export function migrateToManagedIdentity(cluster: ManagedCluster): string {
  return `az aks update --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --enable-managed-identity`;
}

export function showRoleAssignments(principalId: string): string {
  return `az role assignment list --assignee ${q(principalId)} --all --output table`;
}
