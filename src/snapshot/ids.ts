// ARM resource ids are case-insensitive ("Always perform a case-insensitive comparison",
// https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules); az mixes
// `resourceGroups` and `resourcegroups`, so every comparison goes through these helpers.

// Fleet audits normalise the same scope and registry strings millions of times; a bounded memo turns the repeats into
// one hash lookup (the string caches its hash) instead of a trim and a lower-cased copy.
const NORM_MEMO_LIMIT = 1 << 20;
let normMemo = new Map<string, string>();

export function normId(id: string | undefined | null): string {
  if (!id) return "";
  const hit = normMemo.get(id);
  if (hit !== undefined) return hit;
  const s = normIdUnmemoised(id);
  if (normMemo.size >= NORM_MEMO_LIMIT) normMemo = new Map();
  normMemo.set(id, s);
  return s;
}

/** normId for ids seen once (a reader keying every resource by its own id): no memo to fill with them. */
export function normIdUnmemoised(id: string | undefined | null): string {
  if (!id) return "";
  let s = id.trim();
  // a trailing-slash check by char code instead of a regex
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  if (end !== s.length) s = s.slice(0, end);
  return s.toLowerCase();
}

const UNDER_SUBSCRIPTIONS = /^\s*\/subscriptions\//i;
const CLEARLY_UNDER_SUBSCRIPTIONS = /^\s*\/subscriptions\/[^\s/]/i;

/** `normId(id).startsWith("/subscriptions/")` without building the lower-cased copy: fleet audits ask it millions of times. */
export function isUnderSubscriptions(id: string): boolean {
  if (CLEARLY_UNDER_SUBSCRIPTIONS.test(id)) return true;
  // only slashes or spaces after the prefix: trimming may eat into it, so ask normId itself
  return UNDER_SUBSCRIPTIONS.test(id) && normId(id).startsWith("/subscriptions/");
}

export function sameId(a: string | undefined | null, b: string | undefined | null): boolean {
  const na = normId(a);
  return na !== "" && na === normId(b);
}

/** True when `scope` equals `resource` or is one of its ancestors, by whole path segments (rg1 does not contain rg10). */
export function scopeContains(scope: string, resource: string): boolean {
  const s = normId(scope);
  const r = normId(resource);
  if (s === "" || r === "") return false;
  if (s === "/") return true;
  return r === s || r.startsWith(s + "/");
}

/** The trailing GUID of a role definition id: `/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
export function roleGuid(roleDefinitionId: string): string {
  const parts = normId(roleDefinitionId).split("/");
  return parts[parts.length - 1] ?? "";
}

export interface ParsedArmId {
  subscriptionId?: string;
  resourceGroup?: string;
  provider?: string;
  type?: string;
  name?: string;
}

/** Parse the parts of an ARM id that rules need, keeping the original casing of names. */
export function parseArmId(id: string): ParsedArmId {
  const segs = id.split("/").filter((s) => s !== "");
  const out: ParsedArmId = {};
  for (let i = 0; i + 1 < segs.length; i += 2) {
    const key = segs[i]!.toLowerCase();
    const val = segs[i + 1]!;
    if (key === "subscriptions" && out.subscriptionId === undefined) out.subscriptionId = val;
    else if (key === "resourcegroups" && out.resourceGroup === undefined) out.resourceGroup = val;
    else if (key === "providers") {
      out.provider = val;
      // providers/<ns>/<type>/<name>[/<subtype>/<subname>]
      const rest = segs.slice(i + 2);
      if (rest.length >= 2) {
        out.type = `${val}/${rest[0]}`;
        out.name = rest[1];
      }
      break;
    }
  }
  return out;
}

// A fleet audit asks for the subscription of the same few thousand registry ids hundreds of thousands of times.
const SUBSCRIPTION_MEMO_LIMIT = 1 << 16;
let subscriptionMemo = new Map<string, string | null>();

/** `parseArmId(id).subscriptionId`, memoised (bounded). */
export function subscriptionIdOf(id: string): string | undefined {
  let sub = subscriptionMemo.get(id);
  if (sub === undefined) {
    sub = parseArmId(id).subscriptionId ?? null;
    if (subscriptionMemo.size >= SUBSCRIPTION_MEMO_LIMIT) subscriptionMemo = new Map();
    subscriptionMemo.set(id, sub);
  }
  return sub ?? undefined;
}

const MANAGEMENT_GROUP_PREFIX = "/providers/microsoft.management/managementgroups/";

/** The management group a scope was made at (lower-case name), if it is one: `/providers/Microsoft.Management/managementGroups/<name>`. */
export function managementGroupOf(scope: string): string | undefined {
  const s = normId(scope);
  return s.startsWith(MANAGEMENT_GROUP_PREFIX) ? s.slice(MANAGEMENT_GROUP_PREFIX.length).split("/")[0] || undefined : undefined;
}

/** The scope level of an ARM scope string, for messages and over-breadth checks. */
export function scopeLevel(scope: string): "root" | "managementGroup" | "subscription" | "resourceGroup" | "resource" {
  const s = normId(scope);
  if (s === "/" || s === "") return "root";
  if (s.startsWith(MANAGEMENT_GROUP_PREFIX)) return "managementGroup";
  const segs = s.split("/").filter((x) => x !== "");
  if (segs[0] === "subscriptions" && segs.length === 2) return "subscription";
  if (segs[0] === "subscriptions" && segs[2] === "resourcegroups" && segs.length === 4) return "resourceGroup";
  return "resource";
}
