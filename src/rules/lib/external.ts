import type { RuleContext } from "../../engine/types.js";
import type { Pod } from "../../snapshot/types.js";
import { hostKind } from "./images.js";
import { failures, type Observation } from "./observations.js";
import { findPod, secretStatus, type SecretStatus } from "./secrets.js";

export interface ExternalFailure {
  failure: Observation;
  pod?: Pod;
  host: string;
  secrets: SecretStatus;
}

/** Authentication-type failures against registries that are not ACR (their credentials come only from pull secrets). */
const AUTH_CODES = new Set(["EXT_PULL_SECRET_MISSING", "EXT_CREDENTIALS_REJECTED", "EXT_ACCESS_DENIED", "EXT_PULL_SECRET_WRONG_REGISTRY", "EXT_TOKEN_EXPIRED", "RBAC_PULL_ROLE_MISSING", "IMG_REPOSITORY_NOT_FOUND"]);

export function externalAuthFailures(ctx: RuleContext): ExternalFailure[] {
  return ctx.memo("externalAuthFailures", () => {
    const out: ExternalFailure[] = [];
    for (const f of failures(ctx)) {
      const host = f.image?.valid ? f.image.host : f.host;
      if (!host || hostKind(host) !== "external") continue;
      const c = f.classification;
      if (!c) continue;
      const codes = c.causes.map((x) => x.code as string);
      const authish = AUTH_CODES.has(codes[0] ?? "") || c.httpStatus === 401 || c.httpStatus === 403;
      if (!authish) continue;
      const pod = f.pod ? findPod(ctx, f.pod.namespace, f.pod.name) : undefined;
      out.push({ failure: f, pod, host, secrets: secretStatus(ctx, pod, host, f.image?.valid ? f.image.repository : undefined) });
    }
    return out;
  });
}
