import rule from "./mi-client-id-mismatch.js";
import { ruleTester } from "../../test/rule-tester.js";
import { KUBELET_CLIENT, KUBELET_OBJ, SUB, miCluster, snapshot, spCluster, uai, vmssIdentity } from "../../test/factories.js";

const NODE_RG = "MC_rg-aks_aks1_westeurope";
const KUBELET_RID = `/subscriptions/${SUB}/resourcegroups/${NODE_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks1-agentpool`;
const NEW_CLIENT = "cafe0000-0000-4000-8000-00000000beef";
const NEW_OBJ = "cafe0000-0000-4000-8000-00000000f00d";

ruleTester(rule, {
  invalid: [
    {
      name: "identity recreated with the same name: the resource now has another client id",
      snapshot: snapshot({ clusters: [miCluster()], userAssignedIdentities: [uai({ clientId: NEW_CLIENT, principalId: NEW_OBJ })] }),
      findings: [{ code: "MI_CLIENT_ID_MISMATCH", severity: "error", subject: /managedClusters\/aks1$/, message: new RegExp(`now has client id ${NEW_CLIENT}.*still records ${KUBELET_CLIENT}`), remediation: /az aks update .*--assign-kubelet-identity/ }],
    },
    {
      name: "the VMSS carries the same resource id (other casing) but with a new client id",
      snapshot: snapshot({ clusters: [miCluster()], vmssIdentities: [vmssIdentity([{ resourceId: KUBELET_RID.replace("resourcegroups", "resourceGroups"), clientId: NEW_CLIENT }])] }),
      findings: [{ code: "MI_CLIENT_ID_MISMATCH", message: /scale set carries aks1-agentpool with client id cafe0000/, remediation: /az aks nodepool upgrade .*--node-image-only/ }],
    },
    {
      name: "the VMSS uses another AKS-named identity from the node resource group",
      snapshot: snapshot({ clusters: [miCluster()], vmssIdentities: [vmssIdentity([{ resourceId: `/subscriptions/${SUB}/resourceGroups/${NODE_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks1-agentpool-2025`, clientId: NEW_CLIENT }])] }),
      findings: [{ code: "MI_CLIENT_ID_MISMATCH", subject: /aks1$/, message: /not the cluster's recorded kubelet identity/, remediation: /--assign-kubelet-identity/ }],
    },
  ],
  valid: [
    {
      name: "VMSS identity matches; client ids compare case-insensitively",
      snapshot: snapshot({ clusters: [miCluster()], vmssIdentities: [vmssIdentity([{ resourceId: KUBELET_RID, clientId: KUBELET_CLIENT.toUpperCase(), principalId: KUBELET_OBJ }])] }),
      expect: "pass",
    },
    {
      name: "identity resource matches the recorded ids",
      snapshot: snapshot({ clusters: [miCluster()], userAssignedIdentities: [uai()], vmssIdentities: [vmssIdentity([{ resourceId: KUBELET_RID, clientId: KUBELET_CLIENT }])] }),
      expect: "pass",
    },
    {
      name: "no VMSS identity in the evidence: unknown",
      snapshot: snapshot({ clusters: [miCluster()], userAssignedIdentities: [uai()] }),
      expect: "unknown",
      reason: /scale set identities unavailable: /,
    },
    {
      name: "an unrelated identity on the VMSS is a missing kubelet identity (MI_NOT_FOUND), not a mismatch",
      snapshot: snapshot({ clusters: [miCluster()], vmssIdentities: [vmssIdentity([{ resourceId: `/subscriptions/${SUB}/resourceGroups/rg-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/log-shipper`, clientId: NEW_CLIENT }])] }),
    },
    {
      name: "service-principal cluster",
      snapshot: snapshot({ clusters: [spCluster()], userAssignedIdentities: [uai({ clientId: NEW_CLIENT })] }),
    },
  ],
});
