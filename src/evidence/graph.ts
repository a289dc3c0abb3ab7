// Microsoft Graph objects (`az ad sp show`, `az ad app show`, `az rest` against graph.microsoft.com) and the
// bodies that prove a directory object does NOT exist (Graph 404, ARM PrincipalNotFound, empty $filter result).

import type { Application, Credential, DirectoryLookup, ServicePrincipal, Source } from "../snapshot/types.js";
import { asArr, asBool, asNonEmpty, asStr, findGuid, getKey, isObj, strs, type Json, type JsonObject } from "./util.js";

function credentials(v: Json | undefined, type: Credential["type"]): Credential[] {
  // only metadata is copied: `secretText` and `key` never enter the snapshot
  return asArr(v).flatMap((c) =>
    isObj(c)
      ? [
          {
            keyId: asNonEmpty(getKey(c, "keyId")),
            displayName: asNonEmpty(getKey(c, "displayName")),
            startDateTime: asNonEmpty(getKey(c, "startDateTime")),
            endDateTime: asNonEmpty(getKey(c, "endDateTime")),
            type,
            hint: type === "password" ? asNonEmpty(getKey(c, "hint")) : undefined,
          },
        ]
      : [],
  );
}

export function normaliseServicePrincipal(o: JsonObject, source: Source): ServicePrincipal {
  return {
    id: asNonEmpty(getKey(o, "id")) ?? "",
    appId: asNonEmpty(getKey(o, "appId")),
    displayName: asNonEmpty(getKey(o, "displayName")),
    accountEnabled: asBool(getKey(o, "accountEnabled")),
    servicePrincipalType: asNonEmpty(getKey(o, "servicePrincipalType")),
    alternativeNames: strs(getKey(o, "alternativeNames")),
    passwordCredentials: credentials(getKey(o, "passwordCredentials"), "password"),
    keyCredentials: credentials(getKey(o, "keyCredentials"), "certificate"),
    source,
  };
}

export function normaliseApplication(o: JsonObject, source: Source): Application {
  return {
    id: asNonEmpty(getKey(o, "id")) ?? "",
    appId: asNonEmpty(getKey(o, "appId")),
    displayName: asNonEmpty(getKey(o, "displayName")),
    passwordCredentials: credentials(getKey(o, "passwordCredentials"), "password"),
    keyCredentials: credentials(getKey(o, "keyCredentials"), "certificate"),
    source,
  };
}

/** Graph / ARM error codes that mean "this directory object does not exist". */
const NOT_FOUND_CODES = new Set(["request_resourcenotfound", "principalnotfound", "resourcenotfound", "notfound"]);

/**
 * `{"error":{"code":"Request_ResourceNotFound","message":"Resource '<id>' does not exist ..."}}` (Graph) or
 * `{"error":{"code":"PrincipalNotFound","message":"Principal <id without hyphens> does not exist in the directory ..."}}` (ARM).
 * Returns undefined for other error bodies.
 */
export function directoryLookupFromError(o: JsonObject, source: Source): DirectoryLookup | undefined {
  const err = getKey(o, "error");
  if (!isObj(err)) return undefined;
  const code = asStr(getKey(err, "code")) ?? "";
  const message = asStr(getKey(err, "message")) ?? "";
  if (!NOT_FOUND_CODES.has(code.toLowerCase())) return undefined;
  // a generic ARM ResourceNotFound names a resource, not a principal: only accept it when it names a GUID
  const quoted = /Resource '([^']+)' does not exist/i.exec(message)?.[1];
  const id = findGuid(quoted ?? message);
  if (!id) return undefined;
  if (code.toLowerCase() === "resourcenotfound" && !/principal|directory/i.test(message)) return undefined;
  return {
    id,
    // ARM role assignments carry object ids, so a PrincipalNotFound names an object id
    idKind: code.toLowerCase() === "principalnotfound" ? "objectId" : "unknown",
    found: false,
    message: `${code}: ${message.split("\n")[0] ?? ""}`.slice(0, 300),
    source,
  };
}

/** The Graph entity set of an `@odata.context` (`...$metadata#servicePrincipals` -> `servicePrincipals`). */
export function odataEntitySet(o: JsonObject): string | undefined {
  const ctx = asStr(getKey(o, "@odata.context"));
  const m = ctx ? /\$metadata#([A-Za-z.]+)/.exec(ctx) : null;
  return m?.[1];
}

/** The Graph type of an object from `@odata.type` or `@odata.context`. */
export function graphKind(o: JsonObject): "servicePrincipal" | "application" | undefined {
  const t = (asStr(getKey(o, "@odata.type")) ?? "").toLowerCase();
  if (t.endsWith("serviceprincipal")) return "servicePrincipal";
  if (t.endsWith("application")) return "application";
  const set = (odataEntitySet(o) ?? "").toLowerCase();
  if (set.startsWith("serviceprincipals")) return "servicePrincipal";
  if (set.startsWith("applications")) return "application";
  // no OData annotations (older az, SDK objects): tell them apart by fields only one of them has
  if (getKey(o, "appId") === undefined || getKey(o, "id") === undefined) return undefined;
  if (
    getKey(o, "servicePrincipalType") !== undefined ||
    getKey(o, "servicePrincipalNames") !== undefined ||
    getKey(o, "appOwnerOrganizationId") !== undefined
  )
    return "servicePrincipal";
  if (
    getKey(o, "identifierUris") !== undefined ||
    getKey(o, "signInAudience") !== undefined ||
    getKey(o, "passwordCredentials") !== undefined ||
    getKey(o, "keyCredentials") !== undefined
  )
    return "application";
  return undefined;
}
