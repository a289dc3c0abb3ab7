import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { failingReport } from "./fixtures.js";
import { RULES } from "../rules/index.js";
import { FORMATS, isFormat, render, renderHtml, renderJson, renderJunit, renderMarkdown, renderSarif, renderTerminal } from "./index.js";

describe("render", () => {
  it("lists the formats", () => {
    assert.deepEqual([...FORMATS], ["terminal", "json", "markdown", "html", "sarif", "junit"]);
    assert.ok(isFormat("json"));
    assert.ok(isFormat("sarif"));
    assert.ok(!isFormat("xml"));
    assert.ok(!isFormat("toString"));
  });

  it("dispatches to the reporter of each format", () => {
    const r = failingReport();
    assert.equal(render(r, "json"), renderJson(r));
    assert.equal(render(r, "markdown"), renderMarkdown(r));
    assert.equal(render(r, "html"), renderHtml(r));
    assert.equal(render(r, "sarif"), renderSarif(r, RULES));
    assert.equal(render(r, "sarif", { rules: RULES.slice(0, 3) }), renderSarif(r, RULES.slice(0, 3)));
    assert.equal(render(r, "junit"), renderJunit(r));
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
