import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { failingReport } from "./fixtures.js";
import { FORMATS, isFormat, render, renderJson, renderMarkdown, renderTerminal } from "./index.js";

describe("render", () => {
  it("lists the formats", () => {
    assert.deepEqual([...FORMATS], ["terminal", "json", "markdown"]);
    assert.ok(isFormat("json"));
    assert.ok(!isFormat("sarif"));
    assert.ok(!isFormat("toString"));
  });

  it("dispatches to the reporter of each format", () => {
    const r = failingReport();
    assert.equal(render(r, "json"), renderJson(r));
    assert.equal(render(r, "markdown"), renderMarkdown(r));
    assert.equal(render(r, "terminal"), renderTerminal(r, { color: false }));
    assert.equal(render(r, "terminal", { color: true, verbose: true, width: 60 }), renderTerminal(r, { color: true, verbose: true, width: 60 }));
  });

  it("every format ends with exactly one newline", () => {
    for (const f of FORMATS) {
      const out = render(failingReport(), f);
      assert.ok(out.endsWith("\n") && !out.endsWith("\n\n"), f);
    }
  });
});
