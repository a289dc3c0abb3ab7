import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { factValue } from "./lib/principals.js";
import { q } from "./lib/commands.js";

export default defineRule({
  id: "cfg-admin-user-enabled",
  codes: ["CFG_ADMIN_USER_ENABLED"],
  stage: "registry",
  title: "Registry admin user enabled",
  description: "Recommended practice: the admin user is one shared, full-access credential whose use cannot be attributed; clusters should pull with their kubelet identity.",
  appliesTo: usesAcr,
  requires: ["registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const reg of factValue(ctx.snapshot.registries) ?? []) {
      if (reg.adminUserEnabled !== true) {
        if (reg.adminUserEnabled === false) out.push({ kind: "pass", check: `${reg.loginServer} admin user disabled`, subject: reg.id, message: "adminUserEnabled false" });
        continue;
      }
      out.push({
        kind: "finding",
        code: "CFG_ADMIN_USER_ENABLED",
        confidence: "high",
        title: `${reg.name} has its admin user enabled`,
        message: `The admin user of ${reg.name} is a single shared credential with push and pull rights on every repository; its use cannot be attributed to a person or workload, and it lives on in every pull secret it was copied into.`,
        subject: reg.id,
        evidence: [{ source: reg.source.file, path: `${reg.source.path}.adminUserEnabled`, observed: "true", expected: "false" }],
        remediation: [`kubectl get secrets -A -o json | grep -c ${q(reg.loginServer)}   # find pull secrets that may still use it`, `az acr update --name ${q(reg.name)} --admin-enabled false`],
      });
    }
    return out;
  },
});
