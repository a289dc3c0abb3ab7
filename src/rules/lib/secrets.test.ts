import { test } from "node:test";
import assert from "node:assert/strict";
import { authKeyMatches } from "./secrets.js";

// pkg/credentialprovider/keyring.go: how the kubelet picks dockerconfigjson entries for an image
test("auths keys match image hosts like the kubelet's keyring", () => {
  const cases: [key: string, host: string, repository: string | undefined, want: boolean][] = [
    ["ghcr.io", "ghcr.io", "org/app", true],
    ["https://ghcr.io", "ghcr.io", "org/app", true],
    ["GHCR.IO", "ghcr.io", "org/app", true],
    ["ghcr.io", "quay.io", "org/app", false],
    ["https://index.docker.io/v1/", "docker.io", "library/redis", true],
    ["index.docker.io", "docker.io", "fabrikam/ledger", true],
    ["docker.io", "docker.io", "fabrikam/ledger", true],
    ["index.docker.io", "ghcr.io", "fabrikam/ledger", false],
    ["registry.example.com", "registry.example.com:5000", "ops/backup", false],
    ["registry.example.com:5000", "registry.example.com:5000", "ops/backup", true],
    ["registry.example.com:5000", "registry.example.com", "ops/backup", false],
    ["*.azurecr.io", "contoso.azurecr.io", "app", true],
    ["*.azurecr.io", "azurecr.io", "app", false],
    ["*.example.com", "a.b.example.com", "app", false],
    ["quay.io/northwind", "quay.io", "northwind/agent", true],
    ["quay.io/northwind", "quay.io", "contoso/agent", false],
    ["https://quay.io/v2/northwind", "quay.io", "northwind/agent", true],
    ["quay.io/northwind", "quay.io", undefined, true],
    ["quay-io", "quay.io", "x", false],
  ];
  for (const [key, host, repository, want] of cases) assert.equal(authKeyMatches(key, host, repository), want, `${key} vs ${host}/${repository ?? ""}`);
});
