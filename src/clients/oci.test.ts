import { test } from "node:test";
import assert from "node:assert/strict";
import { grantedActions, httpError, matchPlatform, parseChallenges, parseManifest, parseRegistryError, type ManifestDescriptor } from "./oci.js";

test("WWW-Authenticate: quoted values with commas, several challenges, case-insensitive names", () => {
  const [bearer] = parseChallenges('Bearer realm="https://contoso.azurecr.io/oauth2/token",service="contoso.azurecr.io",scope="repository:team/app:pull,push"');
  assert.equal(bearer?.scheme, "bearer");
  assert.equal(bearer?.params.realm, "https://contoso.azurecr.io/oauth2/token");
  assert.equal(bearer?.params.scope, "repository:team/app:pull,push");
  const two = parseChallenges('Basic realm="Registry Realm", Bearer Realm="https://auth.docker.io/token", Service="registry.docker.io", error="insufficient_scope"');
  assert.deepEqual(two.map((c) => c.scheme), ["basic", "bearer"]);
  assert.equal(two[1]?.params.realm, "https://auth.docker.io/token");
  assert.equal(two[1]?.params.error, "insufficient_scope");
  assert.equal(parseChallenges('Bearer realm="a\\"b"')[0]?.params.realm, 'a"b');
  assert.deepEqual(parseChallenges(undefined), []);
});

test("registry and OAuth error bodies", () => {
  assert.deepEqual(parseRegistryError('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'), { code: "NAME_UNKNOWN", message: "repository name not known to registry" });
  assert.equal(parseRegistryError('{"error":"invalid_request","error_description":"Identity not found"}').code, "INVALID_REQUEST");
  assert.deepEqual(parseRegistryError("<html>proxy</html>"), {});
  const e = httpError({ status: 401, headers: { "www-authenticate": 'Bearer realm="x",error="insufficient_scope"' }, body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}' }, "GET manifest");
  assert.equal(e.code, "INSUFFICIENT_SCOPE");
  assert.equal(httpError({ status: 429, headers: {}, body: "" }, "x").code, "TOOMANYREQUESTS");
});

function jwt(payload: unknown): string {
  return `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.sig`;
}

test("token grants are read from access[].actions of the right repository", () => {
  assert.deepEqual(grantedActions(jwt({ access: [{ type: "repository", name: "team/app", actions: ["pull"] }] }), "team/app"), { decodable: true, actions: ["pull"] });
  assert.deepEqual(grantedActions(jwt({ access: [{ type: "repository", name: "team/app", actions: [] }] }), "team/app").actions, []);
  assert.deepEqual(grantedActions(jwt({ access: [{ type: "repository", name: "other", actions: ["pull"] }] }), "team/app").actions, []);
  assert.equal(grantedActions("opaque-token", "team/app").decodable, false);
});

const entry = (os: string, architecture: string, extra: Record<string, string> = {}): ManifestDescriptor => ({ digest: `sha256:${os}-${architecture}-${extra.variant ?? ""}${extra["os.version"] ?? ""}`, platform: { os, architecture, ...extra } });

test("platform match follows containerd: os/arch, arm variants, Windows build", () => {
  const index = [entry("linux", "amd64"), entry("linux", "arm64", { variant: "v8" }), entry("linux", "arm", { variant: "v6" }), entry("windows", "amd64", { "os.version": "10.0.17763.5696" })];
  assert.equal(matchPlatform(index, { os: "linux", architecture: "amd64" })?.digest, index[0]?.digest);
  assert.equal(matchPlatform(index, { os: "linux", architecture: "arm64" })?.digest, index[1]?.digest);
  assert.equal(matchPlatform(index, { os: "linux", architecture: "arm", variant: "v7" })?.digest, index[2]?.digest, "v7 nodes run v6 images");
  assert.equal(matchPlatform(index, { os: "linux", architecture: "s390x" }), undefined);
  assert.equal(matchPlatform(index, { os: "windows", architecture: "amd64", osVersion: "10.0.17763.6054" })?.digest, index[3]?.digest);
  assert.equal(matchPlatform(index, { os: "windows", architecture: "amd64", osVersion: "10.0.20348.2461" }), undefined, "ltsc2022 nodes cannot run ltsc2019 images");
  assert.equal(matchPlatform([entry("linux", "arm64")], { os: "linux", architecture: "arm64", variant: "v8" })?.digest, "sha256:linux-arm64-", "arm64 without a variant means v8");
});

test("manifest parsing tells an index from an image", () => {
  const index = parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json", manifests: [{ digest: "sha256:a", platform: { os: "linux", architecture: "amd64" } }] }), undefined, undefined);
  assert.equal(index?.isIndex, true);
  const image = parseManifest(JSON.stringify({ schemaVersion: 2, config: { digest: "sha256:c", size: 1 }, layers: [{ digest: "sha256:l" }] }), "application/vnd.oci.image.manifest.v1+json", "sha256:m");
  assert.equal(image?.isIndex, false);
  assert.equal(image?.config?.digest, "sha256:c");
  assert.equal(parseManifest("not json", undefined, undefined), undefined);
});
