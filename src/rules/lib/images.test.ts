import { test } from "node:test";
import assert from "node:assert/strict";
import { parseImageRef, hostKind, looksLikeMistypedAcrHost, editDistance } from "./images.js";

test("image references parse like containerd", () => {
  const cases: [string, { host?: string; repository?: string; tag?: string; valid: boolean }][] = [
    ["redis:7.4.1", { host: "docker.io", repository: "library/redis", tag: "7.4.1", valid: true }],
    ["busybox", { host: "docker.io", repository: "library/busybox", tag: "latest", valid: true }],
    ["docker.io/prom/memcached-exporter:v0.15.0", { host: "docker.io", repository: "prom/memcached-exporter", valid: true }],
    ["contoso.azurecr.io/team/app:1.2.3", { host: "contoso.azurecr.io", repository: "team/app", tag: "1.2.3", valid: true }],
    ["localhost:5000/app", { host: "localhost:5000", repository: "app", valid: true }],
    ["ghcr.io/org/img@sha256:" + "a".repeat(64), { host: "ghcr.io", repository: "org/img", valid: true }],
    ["Contoso.azurecr.io/team/app:1", { host: "contoso.azurecr.io", valid: true }],
    ["/cloudfoundry/x:1", { valid: false }],
    ["None:None", { valid: false }],
    ["contoso.azurecr.io/Team/App:1", { valid: false }],
    ["app:bad tag", { valid: false }],
    ["", { valid: false }],
  ];
  for (const [raw, want] of cases) {
    const got = parseImageRef(raw);
    assert.equal(got.valid, want.valid, raw);
    if (want.host) assert.equal(got.host, want.host, raw);
    if (want.repository) assert.equal(got.repository, want.repository, raw);
    if (want.tag) assert.equal(got.tag, want.tag, raw);
  }
});

test("hosts are classified ACR / data / external", () => {
  assert.equal(hostKind("contoso.azurecr.io"), "acr");
  assert.equal(hostKind("contoso.azurecr.cn"), "acr");
  assert.equal(hostKind("contoso.westeurope.data.azurecr.io"), "acr-data");
  assert.equal(hostKind("x.blob.core.windows.net"), "acr-data");
  assert.equal(hostKind("ghcr.io"), "external");
  assert.equal(looksLikeMistypedAcrHost("contoso.azurecr.com"), true);
  assert.equal(looksLikeMistypedAcrHost("contoso.azurecr.io"), false);
  assert.equal(looksLikeMistypedAcrHost("ghcr.io"), false);
  assert.equal(editDistance("northwindprod", "northwindprd"), 1);
  assert.ok(editDistance("abc", "xyzxyzxyz") > 3);
});

test("first path component: host when it has a dot, a port, is localhost or has upper case (distribution/reference)", () => {
  assert.equal(parseImageRef("MyOrg/app:1").host, "myorg", "an upper-case first component is a host, like containerd");
  assert.equal(parseImageRef("myorg/app:1").host, "docker.io");
  assert.equal(parseImageRef("myorg/app:1").repository, "myorg/app");
  assert.equal(parseImageRef("index.docker.io/library/redis").host, "docker.io");
  assert.equal(parseImageRef("https://contoso.azurecr.io/app:1").valid, false, "a scheme is not part of a reference");
  assert.equal(parseImageRef("contoso.azurecr.io/app:").valid, false, "empty tag");
  assert.equal(parseImageRef("contoso.azurecr.io/app\u200b:1").valid, false, "invisible characters");
  assert.equal(parseImageRef(`app@sha256:${"a".repeat(63)}`).valid, false, "a short digest");
});

test("digests of registered algorithms have their exact length and lower-case hex", () => {
  assert.equal(parseImageRef(`app@sha256:${"a".repeat(64)}`).valid, true);
  assert.equal(parseImageRef(`app@sha256:${"A".repeat(64)}`).valid, false);
  assert.equal(parseImageRef(`app@sha512:${"b".repeat(128)}`).valid, true);
});
