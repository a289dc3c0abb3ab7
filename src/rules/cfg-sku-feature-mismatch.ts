import { defineRule, type Outcome, type Evidence } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { factValue } from "./lib/principals.js";
import { q } from "./lib/commands.js";

export default defineRule({
  id: "cfg-sku-feature-mismatch",
  codes: ["CFG_SKU_FEATURE_MISMATCH"],
  stage: "registry",
  title: "Premium-only network feature on a Basic/Standard registry",
  description: "Private endpoints, IP/VNet firewall rules, disabled public access and dedicated data endpoints need the Premium SKU; on Basic/Standard they do not take effect as intended.",
  appliesTo: usesAcr,
  requires: ["registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const reg of factValue(ctx.snapshot.registries) ?? []) {
      const sku = reg.sku ?? "";
      if (!sku || /premium/i.test(sku)) continue;
      const uses: Evidence[] = [];
      const p = reg.source.path;
      if (reg.privateEndpointConnections.length > 0) uses.push({ source: reg.source.file, path: `${p}.privateEndpointConnections`, observed: `${reg.privateEndpointConnections.length} connection(s)` });
      if ((reg.networkRuleSet?.defaultAction ?? "Allow").toLowerCase() === "deny" || (reg.networkRuleSet?.ipRules.length ?? 0) > 0) uses.push({ source: reg.source.file, path: `${p}.networkRuleSet`, observed: `defaultAction ${reg.networkRuleSet?.defaultAction}, ${reg.networkRuleSet?.ipRules.length ?? 0} IP rule(s)` });
      if ((reg.publicNetworkAccess ?? "Enabled").toLowerCase() === "disabled") uses.push({ source: reg.source.file, path: `${p}.publicNetworkAccess`, observed: "Disabled" });
      if (reg.dataEndpointEnabled) uses.push({ source: reg.source.file, path: `${p}.dataEndpointEnabled`, observed: "true" });
      if (uses.length === 0) continue;
      out.push({
        kind: "finding",
        code: "CFG_SKU_FEATURE_MISMATCH",
        confidence: "high",
        title: `${reg.name} (${sku}) is configured with Premium-only network features`,
        message: `${reg.name} is on the ${sku} SKU, but its configuration relies on ${uses.map((u) => u.path.split(".").pop()).join(", ")}, which only the Premium SKU supports; the network path the cluster is meant to use does not work as configured.`,
        subject: reg.id,
        evidence: [{ source: reg.source.file, path: `${p}.sku.name`, observed: sku, expected: "Premium" }, ...uses],
        remediation: [`az acr update --name ${q(reg.name)} --sku Premium`],
      });
    }
    return out;
  },
});
