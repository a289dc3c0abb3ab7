import rule from "./mi-not-found.js";
import { ruleTester } from "../../test/rule-tester.js";
import { KUBELET_CLIENT, KUBELET_OBJ, SUB, acrPull401, failedEvent, lookup, miCluster, snapshot, spCluster, uai, vmssIdentity } from "../../test/factories.js";

const NODE_RG = "MC_rg-aks_aks1_westeurope";
const KUBELET_RID = `/subscriptions/${SUB}/resourcegroups/${NODE_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks1-agentpool`;
const pull401 = failedEvent(acrPull401("contosoacr.azurecr.io/shop/cart:5.0.1"), { pod: "cart-5c8d", ns: "shop" });
// What the ACR credential provider logs when IMDS does not know the requested client id.
const imdsIdentityNotFound = `Failed to pull image "contosoacr.azurecr.io/shop/cart:5.0.1": rpc error: code = Unknown desc = failed to pull and unpack image "contosoacr.azurecr.io/shop/cart:5.0.1": failed to resolve reference "contosoacr.azurecr.io/shop/cart:5.0.1": failed to authorize: failed to fetch oauth token: ManagedIdentityCredential authentication failed. the requested identity isn't assigned to this resource\nGET http://169.254.169.254/metadata/identity/oauth2/token\nRESPONSE 400 Bad Request\n{"error":"invalid_request","error_description":"Identity not found"}`;

ruleTester(rule, {
  invalid: [
    {
      name: "managed-identity cluster without identityProfile.kubeletidentity",
      snapshot: snapshot({ clusters: [miCluster({ kubeletIdentity: undefined })] }),
      findings: [{ code: "MI_NOT_FOUND", severity: "error", subject: /managedClusters\/aks1$/, message: /records no kubelet identity/, remediation: /az aks update --resource-group rg-aks --name aks1/ }],
    },
    {
      name: "the node scale set carries only an unrelated identity (not an AKS kubelet identity)",
      snapshot: snapshot({ clusters: [miCluster()], vmssIdentities: [vmssIdentity([{ resourceId: `/subscriptions/${SUB}/resourceGroups/rg-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/log-shipper`, clientId: "eeeeeeee-0000-4000-8000-000000000001" }])], events: [pull401] }),
      findings: [{ code: "MI_NOT_FOUND", message: /not attached to the node scale set/, remediation: /--assign-kubelet-identity/ }],
    },
    {
      name: "Graph 404 for the kubelet identity's object id (identity deleted)",
      snapshot: snapshot({ clusters: [miCluster()], directoryLookups: [lookup(KUBELET_OBJ, false)], events: [pull401] }),
      findings: [{ code: "MI_NOT_FOUND", message: /cannot be found in Entra ID/, remediation: /az identity create/ }],
    },
    {
      name: "IMDS says Identity not found in a pull event",
      snapshot: snapshot({ clusters: [miCluster()], events: [failedEvent(imdsIdentityNotFound, { pod: "cart-5c8d", ns: "shop" })] }),
      findings: [{ code: "MI_NOT_FOUND", subject: /aks1$/, message: /cannot be found/, remediation: /az aks update/ }],
    },
  ],
  valid: [
    {
      name: "attached: same resource id although az prints resourcegroups and the VMSS resourceGroups",
      snapshot: snapshot({ clusters: [miCluster({ kubeletIdentity: { clientId: KUBELET_CLIENT, objectId: KUBELET_OBJ, resourceId: KUBELET_RID } })], vmssIdentities: [vmssIdentity([{ resourceId: KUBELET_RID.replace("resourcegroups", "resourceGroups").replace(NODE_RG, NODE_RG.toLowerCase()), clientId: KUBELET_CLIENT, principalId: KUBELET_OBJ }])] }),
      expect: "pass",
    },
    {
      name: "a different agentpool identity on the VMSS is MI_CLIENT_ID_MISMATCH, not MI_NOT_FOUND",
      snapshot: snapshot({ clusters: [miCluster()], vmssIdentities: [vmssIdentity([{ resourceId: `/subscriptions/${SUB}/resourceGroups/${NODE_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks1-agentpool-old`, clientId: "eeeeeeee-0000-4000-8000-000000000002" }])] }),
    },
    {
      name: "the identity exists in the directory (found) and no VMSS evidence: unknown, no guess",
      snapshot: snapshot({ clusters: [miCluster()], userAssignedIdentities: [uai()], directoryLookups: [lookup(KUBELET_OBJ, true)] }),
      expect: "unknown",
      reason: /scale set identities unavailable: /,
    },
    {
      name: "service-principal cluster is out of scope",
      snapshot: snapshot({ clusters: [spCluster()] }),
    },
  ],
});
