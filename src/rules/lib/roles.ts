import type { Permission, RoleDefinition, Snapshot } from "../../snapshot/types.js";
import { roleGuid } from "../../snapshot/ids.js";

// Built-in role definitions that matter for registry access. GUIDs are Azure's own (built-in-roles/containers.md,
// privileged.md, general.md); custom roles come from the evidence and are matched the same way.
const ACR = "Microsoft.ContainerRegistry/registries";
function p(actions: string[], dataActions: string[] = [], notActions: string[] = []): Permission[] {
  return [{ actions, notActions, dataActions, notDataActions: [] }];
}

export const BUILTIN_ROLES: Record<string, { roleName: string; permissions: Permission[] }> = {
  "7f951dda-4ed3-4680-a7ca-43fe172d538d": { roleName: "AcrPull", permissions: p([`${ACR}/pull/read`]) },
  "8311e382-0749-4cb8-b61a-304f252e45ec": { roleName: "AcrPush", permissions: p([`${ACR}/pull/read`, `${ACR}/push/write`]) },
  "c2f4ef07-c644-48eb-af81-4b1b4947fb11": { roleName: "AcrDelete", permissions: p([`${ACR}/artifacts/delete`]) },
  "6cef56e8-d556-48e5-a04f-b8e64114680f": { roleName: "AcrImageSigner", permissions: p([`${ACR}/sign/write`], [`${ACR}/trustedCollections/write`]) },
  "cdda3590-29a3-44f6-95f2-9f980659eb04": { roleName: "AcrQuarantineReader", permissions: p([`${ACR}/quarantine/read`]) },
  "c8d4ff99-41c3-41a8-9f60-21dfdad59608": { roleName: "AcrQuarantineWriter", permissions: p([`${ACR}/quarantine/read`, `${ACR}/quarantine/write`]) },
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": { roleName: "Owner", permissions: p(["*"]) },
  "b24988ac-6180-42a0-ab88-20f7382dd24c": {
    roleName: "Contributor",
    permissions: p(["*"], [], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action"]),
  },
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": { roleName: "Reader", permissions: p(["*/read"]) },
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": { roleName: "User Access Administrator", permissions: p(["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"]) },
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": { roleName: "Role Based Access Control Administrator", permissions: p(["*/read", "Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete"]) },
  "b93aa761-3e63-49ed-ac28-beffa264f7ac": { roleName: "Container Registry Repository Reader", permissions: p([], [`${ACR}/repositories/metadata/read`, `${ACR}/repositories/content/read`]) },
  "2a1e307c-b015-4ebd-883e-5b7698a07328": { roleName: "Container Registry Repository Writer", permissions: p([], [`${ACR}/repositories/metadata/read`, `${ACR}/repositories/content/read`, `${ACR}/repositories/metadata/write`, `${ACR}/repositories/content/write`]) },
  "2efddaa5-3f1f-4df3-97df-af3f13818f4c": { roleName: "Container Registry Repository Contributor", permissions: p([], [`${ACR}/repositories/metadata/read`, `${ACR}/repositories/content/read`, `${ACR}/repositories/metadata/write`, `${ACR}/repositories/content/write`, `${ACR}/repositories/metadata/delete`, `${ACR}/repositories/content/delete`]) },
  "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7": { roleName: "Container Registry Repository Catalog Lister", permissions: p([], [`${ACR}/catalog/read`]) },
  "577a9874-89fd-4f24-9dbd-b5034d0ad23a": { roleName: "Container Registry Data Importer and Data Reader", permissions: p([`${ACR}/importImage/action`, `${ACR}/read`, `${ACR}/pull/read`], [`${ACR}/repositories/content/read`, `${ACR}/repositories/metadata/read`, `${ACR}/catalog/read`]) },
  "3bc748fc-213d-45c1-8d91-9da5725539b9": { roleName: "Container Registry Contributor and Data Access Configuration Administrator", permissions: p([`${ACR}/read`, `${ACR}/write`, `${ACR}/delete`, `${ACR}/tokens/*`, `${ACR}/scopeMaps/*`]) },
  "69b07be0-09bf-439a-b9a6-e73de851bd59": { roleName: "Container Registry Configuration Reader and Data Access Configuration Reader", permissions: p([`${ACR}/read`, `${ACR}/tokens/read`, `${ACR}/scopeMaps/read`]) },
};

export const ACR_PULL_GUID = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const ACR_PUSH_GUID = "8311e382-0749-4cb8-b61a-304f252e45ec";
export const REPOSITORY_READER_GUID = "b93aa761-3e63-49ed-ac28-beffa264f7ac";
export const REPOSITORY_WRITER_GUID = "2a1e307c-b015-4ebd-883e-5b7698a07328";

export const PULL_ACTION = `${ACR}/pull/read`;
export const PUSH_ACTION = `${ACR}/push/write`;
export const REPO_CONTENT_READ = `${ACR}/repositories/content/read`;
export const REPO_CONTENT_WRITE = `${ACR}/repositories/content/write`;

/** Azure action patterns are case-insensitive globs where `*` matches any run of characters. */
export function actionMatches(pattern: string, action: string): boolean {
  const p = pattern.toLowerCase();
  const a = action.toLowerCase();
  if (!p.includes("*")) return p === a;
  const parts = p.split("*");
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === 0) {
      if (!a.startsWith(part)) return false;
      pos = part.length;
      continue;
    }
    if (i === parts.length - 1) return part === "" || (a.length - part.length >= pos && a.endsWith(part));
    const at = a.indexOf(part, pos);
    if (at < 0) return false;
    pos = at + part.length;
  }
  return true;
}

/** Effective = actions minus notActions (and the same for data actions), per permission block. */
export function permissionsGrant(perms: Permission[], action: string, kind: "action" | "dataAction"): boolean {
  return perms.some((perm) => {
    const allow = kind === "action" ? perm.actions : perm.dataActions;
    const deny = kind === "action" ? perm.notActions : perm.notDataActions;
    return allow.some((a) => actionMatches(a, action)) && !deny.some((a) => actionMatches(a, action));
  });
}

export interface ResolvedRole {
  guid: string;
  roleName: string;
  permissions: Permission[];
  /** where the definition came from: evidence file or the built-in table */
  origin: "evidence" | "builtin";
}

/** Resolve a role definition id to its permissions: evidence first (custom roles), then the built-in table. */
export function resolveRole(snapshot: Snapshot, roleDefinitionId: string, fallbackName?: string): ResolvedRole | undefined {
  const guid = roleGuid(roleDefinitionId);
  const defs: RoleDefinition[] = snapshot.roleDefinitions.status === "ok" ? snapshot.roleDefinitions.value : [];
  const found = defs.find((d) => d.guid === guid);
  if (found) return { guid, roleName: found.roleName, permissions: found.permissions, origin: "evidence" };
  const builtin = BUILTIN_ROLES[guid];
  if (builtin) return { guid, roleName: builtin.roleName, permissions: builtin.permissions, origin: "builtin" };
  // az prints roleDefinitionName; a built-in name we know maps back to its permissions.
  if (fallbackName) {
    const byName = Object.entries(BUILTIN_ROLES).find(([, r]) => r.roleName.toLowerCase() === fallbackName.toLowerCase());
    if (byName) return { guid: byName[0], roleName: byName[1].roleName, permissions: byName[1].permissions, origin: "builtin" };
  }
  return undefined;
}

/** Roles that would grant pull in legacy mode but that ABAC mode does not honour for the data plane. */
export function isLegacyOnlyPullRole(role: ResolvedRole): boolean {
  return permissionsGrant(role.permissions, PULL_ACTION, "action") && !permissionsGrant(role.permissions, REPO_CONTENT_READ, "dataAction");
}
