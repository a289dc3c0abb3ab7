// A folder full of bad files still yields a snapshot: each bad file is one line in `input.files`.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readEvidenceFolder, snapshotFromFiles } from "./read.js";

const registry = {
  id: "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1",
  name: "acr1",
  loginServer: "acr1.azurecr.io",
  type: "Microsoft.ContainerRegistry/registries",
};

describe("a folder of bad files", () => {
  let dir = "";
  let hasFifo = false;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pulldoctor-evidence-"));
    writeFileSync(join(dir, "acr.json"), JSON.stringify(registry, null, 2));
    mkdirSync(join(dir, "k8s"));
    writeFileSync(join(dir, "k8s", "events.json"), JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Event", metadata: { name: "e", namespace: "ns" }, message: "m" }] }));
    writeFileSync(join(dir, "truncated.json"), '{"id": "/subscriptions/x", "properties": {"loginServer": "a.azurecr');
    writeFileSync(join(dir, "image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    writeFileSync(join(dir, "latin1.json"), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "x", version: "1.0.0", scripts: {} }));
    writeFileSync(join(dir, "notes.txt"), "pulls broke after the change on monday\n");
    writeFileSync(join(dir, "empty.json"), "");
    writeFileSync(join(dir, ".hidden.json"), "{ not json");
    symlinkSync("loop-b", join(dir, "loop-a"));
    symlinkSync("loop-a", join(dir, "loop-b"));
    symlinkSync(".", join(dir, "k8s", "self"));
    symlinkSync("does-not-exist.json", join(dir, "dangling.json"));
    mkdirSync(join(dir, "bad.json"));
    // sparse: no disk used, but stat says it is over the limit
    writeFileSync(join(dir, "huge.json"), "");
    truncateSync(join(dir, "huge.json"), 256 * 1024 * 1024 + 1);
    // a FIFO would block a naive reader forever
    try {
      execFileSync("mkfifo", [join(dir, "pipe.json")]);
      hasFifo = true;
    } catch {
      hasFifo = false;
    }
    // Windows PowerShell 5 `>` writes UTF-16LE with a BOM
    writeFileSync(join(dir, "utf16.json"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ ...registry, name: "acr2", id: registry.id.replace("acr1", "acr2") }), "utf16le")]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("uses the good files and reports each bad one in one line", async () => {
    const s = await readEvidenceFolder(dir, { now: new Date("2026-11-28T00:00:00Z") });
    const lines = Object.fromEntries(s.input.files.map((f) => [f.file, `${f.status}: ${f.reason ?? f.kinds.join(",")}`]));
    if (hasFifo) assert.equal(lines["pipe.json"], "skipped: not a regular file");
    delete lines["pipe.json"];
    assert.deepEqual(lines, {
      "acr.json": "used: registries",
      "bad.json": "skipped: a directory, not a file (its files are read as a subfolder)",
      "dangling.json": "error: broken symlink",
      "empty.json": "skipped: empty file",
      "huge.json": "error: file too large: 268435457 bytes (limit 256 MiB)",
      "image.png": "skipped: binary file",
      "k8s/events.json": "used: events",
      "k8s/self": "skipped: directory already read (symlink cycle)",
      "latin1.json": "skipped: binary file",
      "loop-a": "error: symlink loop",
      "loop-b": "error: symlink loop",
      "notes.txt": "skipped: not recognised (text that is not `kubectl describe pod` output)",
      "package.json": "skipped: not recognised (top-level keys: name, scripts, version)",
      "truncated.json": "error: invalid JSON at position 67: unterminated string",
      "utf16.json": "used: registries",
    });
    for (const f of s.input.files) assert.ok(!/[\r\n]/.test(f.reason ?? ""), f.file);
    assert.equal(s.registries.status === "ok" && s.registries.value.length, 2);
    assert.equal(s.events.status === "ok" && s.events.value[0]?.source.file, "k8s/events.json");
    assert.equal(s.input.location, dir);
  });

  it("throws one line for a missing folder or a file", async () => {
    await assert.rejects(readEvidenceFolder(join(dir, "nope")), (e: Error) => /nope/.test(e.message) && !e.message.includes("\n"));
    await assert.rejects(readEvidenceFolder(join(dir, "acr.json")), /acr\.json is not a directory/);
  });
});

describe("snapshotFromFiles never throws", () => {
  it("survives garbage of every kind", () => {
    const garbage: (string | Buffer)[] = ["null", "42", '"str"', "[1, 2]", "[[[[[[[[]]]]]]]]", "{".repeat(5000), "[".repeat(100000), '{"value": 3}', '{"kind": "List", "items": "x"}', '{"data": [], "count": 0}', Buffer.alloc(0)];
    const s = snapshotFromFiles(garbage.map((content, i) => ({ name: `g${i}.json`, content })));
    assert.equal(s.input.files.length, garbage.length);
    for (const f of s.input.files) assert.ok(f.status !== "used", `${f.file}: ${f.reason}`);
  });
});
