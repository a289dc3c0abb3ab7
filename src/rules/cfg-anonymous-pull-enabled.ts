import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { factValue } from "./lib/principals.js";
import { q } from "./lib/commands.js";

export default defineRule({
  id: "cfg-anonymous-pull-enabled",
  codes: ["CFG_ANONYMOUS_PULL_ENABLED"],
  stage: "registry",
  title: "Anonymous pull enabled",
  description: "Worth knowing: with anonymousPullEnabled anyone who can reach the registry can pull every repository without credentials, which also hides RBAC gaps.",
  appliesTo: usesAcr,
  requires: ["registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const reg of factValue(ctx.snapshot.registries) ?? []) {
      if (reg.anonymousPullEnabled !== true) continue;
      out.push({
        kind: "finding",
        code: "CFG_ANONYMOUS_PULL_ENABLED",
        confidence: "high",
        title: `${reg.name} allows anonymous pull`,
        message: `${reg.name} serves every repository to unauthenticated clients. Pulls work without any role assignment, so a missing AcrPull goes unnoticed until anonymous pull is turned off.`,
        subject: reg.id,
        evidence: [{ source: reg.source.file, path: `${reg.source.path}.anonymousPullEnabled`, observed: "true" }],
        remediation: [`az acr update --name ${q(reg.name)} --anonymous-pull-enabled false   # only if the content is not meant to be public`],
      });
    }
    return out;
  },
});
